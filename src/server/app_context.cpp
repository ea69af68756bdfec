// AppContext wiring.
#include "server/app_context.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <thread>

#include "api/api_router.h"
#include "api/http_server.h"
#include "api/live_endpoint.h"
#include "api/metrics.h"
#include "auth/auth_service.h"
#include "auth/secret_file.h"
#include "auth/user_store.h"
#include "catalog/schema_registry.h"
#include "common/ids.h"
#include "jobs/cold_storage_jobs.h"
#include "jobs/job_manager.h"
#include "jobs/stream_eviction.h"
#include "live/live_service.h"
#include "sql/executor/handler_registry.h"
#include "sql/executor/handlers/storage/storage_rules.h"
#include "sql/executor/sql_executor.h"
#include "storage/audit_log.h"
#include "storage/storage_engine.h"
#include "table_store/table_store.h"

namespace kalam {

struct AppContext::Components {
  ServerConfig config;
  std::unique_ptr<StorageEngine> storage;
  std::unique_ptr<SnowflakeGenerator> ids;
  std::unique_ptr<SchemaRegistry> schema_registry;
  std::unique_ptr<TableStore> tables;
  std::unique_ptr<UserStore> users;
  std::unique_ptr<AuthService> auth;
  // After what they use: destroyed first (their threads stop in stop()).
  std::unique_ptr<JobManager> jobs;
  std::unique_ptr<ColdStorageJobs> cold_jobs;
  std::unique_ptr<LiveQueryService> live;
  ExecutorServices services;
  HandlerRegistry handlers;
  std::unique_ptr<SqlExecutor> executor;
  ApiMetrics metrics;
  std::unique_ptr<ApiRouter> router;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<StreamEvictionScheduler> stream_eviction;
  bool stopped = false;
};

AppContext::AppContext() : components_(std::make_unique<Components>()) {}

AppContext::~AppContext() { stop(); }

namespace {
unsigned resolve_threads(int64_t configured) {
  if (configured > 0) return static_cast<unsigned>(configured);
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 2 : cores;
}
}  // namespace

Result<std::unique_ptr<AppContext>> AppContext::create(const ServerConfig& config) {
  std::unique_ptr<AppContext> app(new AppContext());
  Components& c = *app->components_;
  c.config = config;
  std::error_code ec;
  std::filesystem::path data_path = std::filesystem::absolute(config.storage.data_path, ec);
  if (ec) return Status(ErrorCode::kInvalidArgument, "invalid data path: " + ec.message());
  c.config.storage.data_path = data_path.lexically_normal().string();

  for (const std::filesystem::path& root : allowed_storage_roots(c.config)) {
    if (!root.is_absolute()) {
      return Status(ErrorCode::kInvalidArgument, "invalid config value for 'storage.allowed_roots': '" +
                                                     root.string() + "' is not absolute")
          .with_detail("key", std::string("storage.allowed_roots"));
    }
  }
  if (c.config.auth.jwt_secret.empty()) {
    std::string secret_path = c.config.storage.data_path + "/jwt_secret";
    bool created = false;
    KALAM_ASSIGN_OR_RETURN(c.config.auth.jwt_secret, load_or_create_secret_file(secret_path, &created));
    if (created) {
      spdlog::info("no auth.jwt_secret configured: generated a random one in {} (kept across restarts)",
                   secret_path);
    }
  }

  StorageOptions storage_options;
  storage_options.path = c.config.storage.data_path + "/rocksdb";
  storage_options.sync_writes = config.storage.rocksdb.sync_writes;
  storage_options.block_cache_mb = static_cast<size_t>(config.storage.rocksdb.block_cache_mb);
  storage_options.write_buffer_mb = static_cast<size_t>(config.storage.rocksdb.write_buffer_mb);
  storage_options.max_open_files = static_cast<int>(config.storage.rocksdb.max_open_files);
  KALAM_ASSIGN_OR_RETURN(c.storage, StorageEngine::open(storage_options));

  c.ids = std::make_unique<SnowflakeGenerator>(0);
  KALAM_ASSIGN_OR_RETURN(int64_t last_id, last_audit_id(*c.storage));
  c.ids->advance_past(last_id);
  KALAM_ASSIGN_OR_RETURN(int64_t last_seq, TableStore::last_seq_on_disk(*c.storage));
  c.ids->advance_past(last_seq);
  c.schema_registry = std::make_unique<SchemaRegistry>(*c.storage);
  KALAM_RETURN_IF_ERROR(c.schema_registry->load(c.config.storage.data_path));
  c.tables = std::make_unique<TableStore>(*c.storage, *c.schema_registry, *c.ids);
  KALAM_RETURN_IF_ERROR(c.tables->upgrade_stored_format());
  KALAM_RETURN_IF_ERROR(c.tables->finish_interrupted_index_builds());
  KALAM_RETURN_IF_ERROR(c.tables->open_cold_tier());
  c.users = std::make_unique<UserStore>(*c.storage);
  KALAM_RETURN_IF_ERROR(c.users->load());
  JobManagerOptions job_options;
  job_options.max_concurrent = static_cast<size_t>(std::max<int64_t>(config.jobs.max_concurrent, 1));
  job_options.max_retries = config.jobs.max_retries;
  job_options.retry_backoff_ms = config.jobs.retry_backoff_ms;
  c.jobs = std::make_unique<JobManager>(*c.storage, job_options);
  c.cold_jobs = std::make_unique<ColdStorageJobs>(*c.tables, *c.schema_registry, *c.users, *c.jobs, c.config);
  c.cold_jobs->register_executors();
  c.stream_eviction = std::make_unique<StreamEvictionScheduler>(
      *c.tables, *c.schema_registry, std::chrono::seconds(c.config.stream.eviction_interval_seconds),
      c.jobs.get());
  KALAM_RETURN_IF_ERROR(c.jobs->open());

  AuthSettings auth_settings;
  auth_settings.jwt_secret = c.config.auth.jwt_secret;
  auth_settings.bcrypt_cost = static_cast<int>(config.auth.bcrypt_cost);
  auth_settings.access_token_ttl_seconds = config.auth.access_token_ttl_seconds;
  auth_settings.refresh_token_ttl_seconds = config.auth.refresh_token_ttl_seconds;
  auth_settings.max_failed_attempts = config.auth.max_failed_attempts;
  auth_settings.lockout_minutes = config.auth.lockout_minutes;
  c.auth = std::make_unique<AuthService>(*c.users, *c.storage, *c.ids, auth_settings);
  std::optional<std::string> root_password;
  if (!config.auth.root_password.empty()) root_password = config.auth.root_password;
  KALAM_ASSIGN_OR_RETURN(bool root_without_password, c.auth->bootstrap_root(root_password));
  if (root_without_password) {
    spdlog::warn(
        "root has no password: it can log in only from a loopback address with an empty password. "
        "Set KALAMDB_ROOT_PASSWORD to give it one.");
  }

  LiveServiceOptions live_options;
  live_options.max_subscriptions_per_connection =
      static_cast<size_t>(c.config.websocket.max_subscriptions_per_connection);
  live_options.max_queued_messages = static_cast<size_t>(c.config.websocket.max_queued_messages);
  live_options.progress_interval = std::chrono::milliseconds(c.config.websocket.progress_interval_ms);
  c.live = std::make_unique<LiveQueryService>(
      *c.tables, *c.schema_registry,
      [users = c.users.get()](const std::string& user_id) -> std::optional<Role> {
        std::optional<UserRecord> user = users->find(user_id);
        if (!user || user->is_deleted()) return std::nullopt;
        return user->role;
      },
      live_options);
  KALAM_RETURN_IF_ERROR(c.live->start());

  c.services.storage = c.storage.get();
  c.services.live = c.live.get();
  c.services.tables = c.tables.get();
  c.services.schema_registry = c.schema_registry.get();
  c.services.users = c.users.get();
  c.services.ids = c.ids.get();
  c.services.config = &c.config;
  c.services.jobs = c.jobs.get();
  c.services.cold_jobs = c.cold_jobs.get();
  c.services.secrets_key =
      config.storage.secrets_key.empty() ? c.config.auth.jwt_secret : config.storage.secrets_key;
  register_all_handlers(c.handlers, c.services);

  ExecutorLimits limits;
  limits.params.max_parameters = static_cast<size_t>(config.execution.max_parameters);
  limits.params.max_parameter_size_bytes = static_cast<size_t>(config.execution.max_parameter_size_bytes);
  limits.handler_timeout_seconds = config.execution.handler_timeout_seconds;
  limits.max_statements_per_request = static_cast<size_t>(config.execution.max_statements_per_request);
  limits.slow_query_ms = config.logging.slow_query_ms;
  c.executor = std::make_unique<SqlExecutor>(c.services, c.handlers, limits);
  c.executor->set_statement_observer(
      [metrics = &c.metrics](StatementKind kind, double elapsed_ms, bool success) {
        metrics->observe_statement(kind, elapsed_ms, success);
      });
  return app;
}

Status AppContext::start() {
  Components& c = *components_;
  ApiContext api;
  api.config = &c.config;
  api.auth = c.auth.get();
  api.executor = c.executor.get();
  api.metrics = &c.metrics;
  api.active_connections = [&c] { return c.http ? c.http->active_connections() : 0; };
  unsigned io_threads = resolve_threads(c.config.server.io_threads);
  // Statements run on the workers, never on an I/O thread: each I/O thread owns its
  // connections, so a slow statement run there would stall every other connection of that
  // thread (docs/decisions.md, "The request path").
  api.inline_limit = 0;
  // …except a single SELECT, tried there for up to 1 ms and moved to a worker past it.
  api.inline_select_budget = std::chrono::microseconds(1000);
  c.router = std::make_unique<ApiRouter>(std::move(api), resolve_threads(c.config.execution.worker_threads));

  HttpServerOptions options;
  options.host = c.config.server.host;
  options.port = static_cast<uint16_t>(c.config.server.port);
  options.io_threads = io_threads;
  options.max_body_bytes = static_cast<size_t>(c.config.limits.max_request_body_bytes);
  options.websocket = live_websocket_options(c.config);
  auto live_context = std::make_shared<LiveEndpointContext>();
  live_context->config = &c.config;
  live_context->auth = c.auth.get();
  live_context->live = c.live.get();
  live_context->run_in_background = [router = c.router.get()](std::function<void()> task) {
    router->run_in_background(std::move(task));
  };
  options.websocket.accept =
      [live_context = std::shared_ptr<const LiveEndpointContext>(live_context)](const HttpRequest& request) {
        return make_live_endpoint(live_context, request);
      };
  c.http = std::make_unique<HttpServer>(
      options, [router = c.router.get()](HttpRequest&& request, HttpResponder respond) {
        router->handle(std::move(request), std::move(respond));
      });
  KALAM_RETURN_IF_ERROR(c.http->start());
  c.stream_eviction->start();
  c.jobs->start();
  c.cold_jobs->start();
  return Status::ok();
}

uint16_t AppContext::port() const { return components_->http ? components_->http->port() : 0; }

void AppContext::stop() {
  Components& c = *components_;
  if (c.stopped) return;
  c.stopped = true;
  if (c.http) c.http->stop(std::chrono::seconds(c.config.shutdown.timeout_seconds));
  if (c.router) c.router->shutdown();
  if (c.live) c.live->stop();
  if (c.stream_eviction) c.stream_eviction->stop();
  if (c.cold_jobs) c.cold_jobs->stop();
  // Running jobs stop at their next checkpoint; one still running after the timeout is
  // marked failed by the next start-up ("server restarted during execution"). Its thread
  // still uses the stores, so they are neither closed nor destroyed: the process exits
  // as after a crash, which RocksDB's WAL and the flush intents recover from.
  if (c.jobs && !c.jobs->stop(std::chrono::seconds(c.config.shutdown.timeout_seconds))) {
    spdlog::error("background jobs still running after {} s: exiting without closing the database",
                  c.config.shutdown.timeout_seconds);
    for (auto* leaked :
         {static_cast<void*>(c.jobs.release()), static_cast<void*>(c.cold_jobs.release()),
          static_cast<void*>(c.stream_eviction.release()), static_cast<void*>(c.tables.release()),
          static_cast<void*>(c.schema_registry.release()), static_cast<void*>(c.users.release()),
          static_cast<void*>(c.auth.release()), static_cast<void*>(c.storage.release())}) {
      (void)leaked;  // kept alive on purpose until the process exits
    }
    return;
  }
  if (c.storage) {
    Status status = c.storage->flush_memtables();
    if (!status.is_ok()) spdlog::error("flushing RocksDB at shutdown failed: {}", status.to_string());
    status = c.storage->close();
    if (!status.is_ok()) spdlog::error("closing RocksDB failed: {}", status.to_string());
  }
}

}  // namespace kalam
