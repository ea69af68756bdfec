// Flush and cleanup jobs, and the flush scheduler (see cold_storage_jobs.h).
#include "jobs/cold_storage_jobs.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <set>

#include "common/ids.h"
#include "common/time_util.h"
#include "storage/system_keys.h"
#include "table_store/cold_segments.h"

namespace kalam {
namespace {

std::string path_segment(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t idx = 0; idx < value.size(); ++idx) {
    const auto c = static_cast<unsigned char>(value[idx]);
    const bool plain = std::isalnum(c) || c == '_' || c == '-' || (c == '.' && idx > 0);
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out.empty() ? "%00" : out;  // an empty name still takes its own segment
}

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// A scheduled job that failed (after its retries) is created again an hour later at the
// earliest, not at every scheduler pass.
constexpr int64_t kFailedJobPauseUs = 3600LL * 1'000'000;

std::string flush_key(const TableSchema& schema) { return "flush:" + schema.qualified_name(); }

std::string table_parameters(uint64_t table_id, const std::string& qualified_name) {
  boost::json::object params;
  params["table_id"] = std::to_string(table_id);
  params["table"] = qualified_name;
  return boost::json::serialize(params);
}
std::string table_parameters(const TableSchema& schema) {
  return table_parameters(schema.table_id, schema.qualified_name());
}

Result<std::pair<uint64_t, std::string>> read_table_parameters(const std::string& json) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return Status(ErrorCode::kInternalError, "bad job parameters");
  try {
    const boost::json::object& in = parsed.as_object();
    return std::make_pair(static_cast<uint64_t>(std::stoull(std::string(in.at("table_id").as_string()))),
                          std::string(in.at("table").as_string()));
  } catch (const std::exception&) {
    return Status(ErrorCode::kInternalError, "bad job parameters");
  }
}

int64_t effective_row_limit(const TableSchema& schema, const ServerConfig& config) {
  return schema.options.flush_row_limit > 0 ? schema.options.flush_row_limit : config.flush.default_row_limit;
}
int64_t effective_interval_s(const TableSchema& schema, const ServerConfig& config) {
  return schema.options.flush_interval_seconds > 0 ? schema.options.flush_interval_seconds
                                                   : config.flush.default_interval_seconds;
}

}  // namespace

Result<std::string> cold_directory(const CatalogSnapshot& catalog, const TableSchema& schema,
                                   std::string_view scope) {
  const StorageDef* storage = catalog.find_storage(schema.options.storage_id);
  if (storage == nullptr) {
    return Status(ErrorCode::kNotFoundStorage, "Storage '" + schema.options.storage_id + "' not found")
        .with_detail("name", schema.options.storage_id);
  }
  if (storage->storage_type != StorageType::kFilesystem) {
    return Status(ErrorCode::kNotImplemented,
                  "flushing to a storage of type s3 is not implemented in this version")
        .with_detail("feature", std::string("s3 storage"));
  }
  std::string expanded = schema.table_type == TableType::kShared ? storage->shared_tables_template
                                                                 : storage->user_tables_template;
  expanded = replace_all(expanded, "{namespace}", path_segment(schema.namespace_id));
  expanded = replace_all(expanded, "{tableName}", path_segment(schema.table_name));
  expanded = replace_all(expanded, "{userId}", path_segment(scope));
  return (std::filesystem::path(storage->base_directory) / expanded).lexically_normal().string();
}

ColdStorageJobs::ColdStorageJobs(TableStore& tables, SchemaRegistry& registry, UserStore& users,
                                 JobManager& jobs, const ServerConfig& config)
    : tables_(tables), registry_(registry), users_(users), jobs_(jobs), config_(config) {}

ColdStorageJobs::~ColdStorageJobs() { stop(); }

void ColdStorageJobs::register_executors() {
  jobs_.set_executor(
      JobType::kFlush, [this](JobControl& control) { return run_flush(control); }, true);
  jobs_.set_executor(
      JobType::kCleanup, [this](JobControl& control) { return run_cleanup(control); }, true);
  jobs_.set_executor(
      JobType::kUserCleanup, [this](JobControl& control) { return run_user_cleanup(control); }, true);
  jobs_.set_executor(
      JobType::kRetention, [this](JobControl& control) { return run_retention(control); }, true);
}

Result<ColdStorageJobs::FlushJob> ColdStorageJobs::request_flush(const TableSchema& schema,
                                                                 const std::string& created_by) {
  if (schema.table_type == TableType::kStream) {
    return Status(ErrorCode::kInvalidArgument,
                  "STREAM tables cannot be flushed: their rows expire after TTL_SECONDS")
        .with_detail("table", schema.qualified_name());
  }
  if (auto directory = cold_directory(*registry_.snapshot(), schema, ""); !directory.is_ok()) {
    return std::move(directory).status();
  }
  if (auto live = jobs_.live_job(flush_key(schema))) return FlushJob{*live, true};
  KALAM_ASSIGN_OR_RETURN(auto backlog, tables_.unflushed_scopes(schema));
  if (backlog.empty()) {
    KALAM_ASSIGN_OR_RETURN(
        JobRecord skipped,
        jobs_.record_skipped(JobType::kFlush, flush_key(schema), table_parameters(schema), created_by,
                             "nothing to flush in " + schema.qualified_name()));
    return FlushJob{skipped, false};
  }
  KALAM_ASSIGN_OR_RETURN(
      auto submitted, jobs_.submit(JobType::kFlush, flush_key(schema), table_parameters(schema), created_by));
  return FlushJob{submitted.record, submitted.existing};
}

Result<JobRecord> ColdStorageJobs::request_cleanup(uint64_t table_id, const std::string& qualified_name,
                                                   const std::string& created_by) {
  KALAM_ASSIGN_OR_RETURN(auto submitted,
                         jobs_.submit(JobType::kCleanup, "cleanup:" + std::to_string(table_id),
                                      table_parameters(table_id, qualified_name), created_by));
  return submitted.record;
}

Result<JobResult> ColdStorageJobs::run_flush(JobControl& control) {
  KALAM_ASSIGN_OR_RETURN(auto params, read_table_parameters(control.record().parameters_json));
  auto catalog = registry_.snapshot();
  const TableDef* def = catalog->find_table_by_id(params.first);
  if (def == nullptr || !def->schema) return JobResult{JobStatus::kSkipped, params.second + " was dropped"};
  const std::shared_ptr<const TableSchema> schema = def->schema;
  KALAM_ASSIGN_OR_RETURN(auto backlog, tables_.unflushed_scopes(*schema));
  if (backlog.empty()) return JobResult{JobStatus::kSkipped, "nothing to flush in " + params.second};
  const auto compression =
      parquet::parse_compression(config_.flush.compression).value_or(parquet::Compression::kSnappy);
  uint64_t rows = 0, files = 0, bytes = 0;
  for (const auto& scope : backlog) {
    // A checkpoint between scopes: each scope's flush is all or nothing.
    if (control.cancelled()) return Status(ErrorCode::kCancelled, "flush cancelled");
    TableStore::FlushRequest request;
    request.schema = schema;
    request.scope = scope.scope;
    KALAM_ASSIGN_OR_RETURN(request.directory, cold_directory(*catalog, *schema, scope.scope));
    request.compression = compression;
    request.cancelled = [&control] { return control.cancelled(); };
    auto flushed = tables_.flush_scope(request);
    if (!flushed.is_ok() && flushed.status().code() == ErrorCode::kNotFoundTable) {
      return JobResult{JobStatus::kSkipped, params.second + " was dropped"};
    }
    KALAM_ASSIGN_OR_RETURN(auto outcome, std::move(flushed));
    if (outcome.skipped) continue;
    rows += outcome.rows;
    bytes += outcome.bytes;
    ++files;
  }
  if (files == 0) return JobResult{JobStatus::kSkipped, "nothing to flush in " + params.second};
  return JobResult{JobStatus::kCompleted, "flushed " + std::to_string(rows) + " row(s) of " + params.second +
                                              " into " + std::to_string(files) + " file(s), " +
                                              std::to_string(bytes) + " bytes"};
}

Result<uint64_t> ColdStorageJobs::delete_segment_files(const std::vector<SegmentInfo>& segments) {
  ColdSegments& cold = tables_.cold();
  uint64_t files = 0;
  std::set<std::string> directories;
  for (const SegmentInfo& segment : segments) {
    cold.evict(segment.segment_id);
    std::error_code error;
    if (std::filesystem::remove(segment.path(), error)) ++files;
    if (error) {
      return Status(ErrorCode::kInternalStorageError,
                    "cannot delete " + segment.path() + ": " + error.message());
    }
    directories.insert(segment.directory);
  }
  for (const std::string& directory : directories) {
    std::error_code ignored;
    std::filesystem::remove(directory + "/manifest.json", ignored);
    std::filesystem::remove(directory, ignored);  // only when empty
  }
  return files;
}

Result<JobResult> ColdStorageJobs::run_cleanup(JobControl& control) {
  KALAM_ASSIGN_OR_RETURN(auto params, read_table_parameters(control.record().parameters_json));
  KALAM_ASSIGN_OR_RETURN(std::vector<SegmentInfo> segments, tables_.cold().segments_of_table(params.first));
  KALAM_ASSIGN_OR_RETURN(uint64_t files, delete_segment_files(segments));
  WriteBatch batch;
  ColdSegments::delete_flush_states(batch, params.first);
  KALAM_RETURN_IF_ERROR(tables_.storage().write(batch, true));
  for (const SegmentInfo& segment : segments) tables_.cold().unpublish(segment.segment_id);
  return JobResult{JobStatus::kCompleted,
                   "deleted " + std::to_string(files) + " cold file(s) of dropped table " + params.second};
}

namespace {

// Marks a dropped user's data purged (user_cleanup jobs), for the deletion it belongs to.
std::string purged_key(std::string_view user_id) { return system_keys::make("ucd:", user_id); }

}  // namespace

Result<JobResult> ColdStorageJobs::run_user_cleanup(JobControl& control) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(control.record().parameters_json, ec);
  if (ec || !parsed.is_object() || !parsed.as_object().contains("user_id") ||
      !parsed.as_object().at("user_id").is_string() || !parsed.as_object().contains("deleted_at_us")) {
    return Status(ErrorCode::kInternalError, "bad job parameters");
  }
  const std::string user_id(parsed.as_object().at("user_id").as_string());
  const std::string deleted_at = boost::json::serialize(parsed.as_object().at("deleted_at_us"));
  auto catalog = registry_.snapshot();
  uint64_t tables = 0, files = 0;
  for (const TableDef* def : catalog->tables()) {
    if (!def->schema || def->schema->table_type == TableType::kShared) continue;
    if (control.cancelled()) return Status(ErrorCode::kCancelled, "user cleanup cancelled");
    const TableSchema& schema = *def->schema;
    KALAM_RETURN_IF_ERROR(tables_.purge_scope(schema, user_id));
    KALAM_ASSIGN_OR_RETURN(std::vector<SegmentInfo> segments,
                           tables_.cold().segments_of(schema.table_id, user_id));
    KALAM_ASSIGN_OR_RETURN(uint64_t deleted, delete_segment_files(segments));
    WriteBatch batch;
    ColdSegments::delete_scope_records(batch, schema.table_id, user_id);
    KALAM_RETURN_IF_ERROR(tables_.storage().write(batch, true));
    for (const SegmentInfo& segment : segments) tables_.cold().unpublish(segment.segment_id);
    files += deleted;
    ++tables;
  }
  WriteBatch done;
  done.put(ColumnFamily::kSystem, purged_key(user_id), deleted_at);
  KALAM_RETURN_IF_ERROR(tables_.storage().write(done, true));
  return JobResult{JobStatus::kCompleted, "purged the rows of dropped user " + user_id + " from " +
                                              std::to_string(tables) + " table(s), " + std::to_string(files) +
                                              " cold file(s)"};
}

Result<JobRecord> ColdStorageJobs::request_retention() {
  KALAM_ASSIGN_OR_RETURN(auto submitted, jobs_.submit(JobType::kRetention, "retention", "{}", "system"));
  return submitted.record;
}

Result<JobResult> ColdStorageJobs::run_retention(JobControl& control) {
  auto catalog = registry_.snapshot();
  const int64_t now_us = now_unix_micros();
  uint64_t purged = 0, tables = 0;
  for (const TableDef* def : catalog->tables()) {
    if (!def->schema || def->schema->table_type == TableType::kStream) continue;
    if (control.cancelled()) return Status(ErrorCode::kCancelled, "retention cancelled");
    const int64_t cutoff = now_us - def->schema->options.deleted_retention_hours * 3'600'000'000LL;
    KALAM_ASSIGN_OR_RETURN(uint64_t removed, tables_.purge_tombstones(*def->schema, cutoff));
    purged += removed;
    tables += removed > 0 ? 1 : 0;
  }
  if (purged == 0) return JobResult{JobStatus::kSkipped, "no tombstone past its table's retention"};
  return JobResult{JobStatus::kCompleted, "purged " + std::to_string(purged) + " tombstone(s) from " +
                                              std::to_string(tables) + " table(s)"};
}

Result<size_t> ColdStorageJobs::schedule_user_cleanups(int64_t now_us) {
  const int64_t grace_us = config_.user_management.deletion_grace_period_days * 86'400'000'000LL;
  size_t created = 0;
  for (const UserRecord& user : users_.all()) {
    if (!user.is_deleted() || now_us - user.deleted_at_us < grace_us) continue;
    KALAM_ASSIGN_OR_RETURN(auto purged,
                           tables_.storage().get(ColumnFamily::kSystem, purged_key(user.user_id)));
    if (purged && *purged == std::to_string(user.deleted_at_us)) continue;
    const std::string key = "user_cleanup:" + user.user_id;
    if (auto last = jobs_.latest(key);
        last && last->status == JobStatus::kFailed && now_us - last->finished_at_us < kFailedJobPauseUs) {
      continue;
    }
    boost::json::object params;
    params["user_id"] = user.user_id;
    params["deleted_at_us"] = user.deleted_at_us;
    KALAM_ASSIGN_OR_RETURN(
        auto submitted, jobs_.submit(JobType::kUserCleanup, key, boost::json::serialize(params), "system"));
    if (!submitted.existing) ++created;
  }
  return created;
}

Result<size_t> ColdStorageJobs::schedule_due_flushes(int64_t now_us) {
  auto catalog = registry_.snapshot();
  size_t created = 0;
  for (const TableDef* def : catalog->tables()) {
    if (!def->schema || def->schema->table_type == TableType::kStream) continue;
    const TableSchema& schema = *def->schema;
    if (!cold_directory(*catalog, schema, "").is_ok()) continue;  // an s3 storage: not flushed here
    KALAM_ASSIGN_OR_RETURN(auto backlog, tables_.unflushed_scopes(schema));
    const int64_t row_limit = effective_row_limit(schema, config_);
    const int64_t interval_us = effective_interval_s(schema, config_) * 1'000'000;
    bool due = false;
    for (const auto& scope : backlog) {
      const int64_t oldest_us = snowflake_unix_ms(scope.oldest_seq) * 1000;
      if ((row_limit > 0 && static_cast<int64_t>(scope.rows) >= row_limit) ||
          (interval_us > 0 && now_us - oldest_us >= interval_us)) {
        due = true;
        break;
      }
    }
    if (!due) continue;
    KALAM_ASSIGN_OR_RETURN(
        auto submitted, jobs_.submit(JobType::kFlush, flush_key(schema), table_parameters(schema), "system"));
    if (!submitted.existing) ++created;
  }
  return created;
}

void ColdStorageJobs::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { scheduler_loop(); });
}

void ColdStorageJobs::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ColdStorageJobs::scheduler_loop() {
  const auto interval = std::chrono::seconds(std::max<int64_t>(config_.flush.check_interval_seconds, 1));
  constexpr int64_t kRetentionEveryUs = 3600LL * 1'000'000;
  int64_t last_retention_us = now_unix_micros();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    auto created = schedule_due_flushes(now_unix_micros());
    if (!created.is_ok()) spdlog::warn("flush scheduler: {}", created.status().message());
    auto cleanups = schedule_user_cleanups(now_unix_micros());
    if (!cleanups.is_ok()) spdlog::warn("user cleanup scheduler: {}", cleanups.status().message());
    if (now_unix_micros() - last_retention_us >= kRetentionEveryUs) {
      last_retention_us = now_unix_micros();
      auto retention = request_retention();
      if (!retention.is_ok()) spdlog::warn("retention scheduler: {}", retention.status().message());
    }
    lock.lock();
  }
}

}  // namespace kalam
