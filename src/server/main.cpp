// kalamdb-server: parses the command line, loads the configuration, starts the
// server and shuts it down gracefully on SIGINT/SIGTERM.
#include <signal.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "common/log_format.h"
#include "config/server_config.h"
#include "server/app_context.h"

namespace {

constexpr const char* kUsage =
    "Usage: kalamdb-server [--config FILE] [--print-default-config] [--version] [--help]\n"
    "\n"
    "Starts KalamDB with the embedded default configuration and ./data, or with FILE (TOML).\n"
    "KALAMDB_* environment variables override configuration keys, e.g. KALAMDB_SERVER_PORT,\n"
    "KALAMDB_DATA_DIR, KALAMDB_LOG_LEVEL, KALAMDB_JWT_SECRET, KALAMDB_ROOT_PASSWORD.\n";

}  // namespace

int main(int argc, char** argv) {
  std::optional<std::string> config_path;
  for (int arg_idx = 1; arg_idx < argc; ++arg_idx) {
    std::string arg = argv[arg_idx];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--version") {
      std::cout << "kalamdb-server " << KALAM_VERSION << "\n";
      return 0;
    }
    if (arg == "--print-default-config") {
      std::cout << kalam::render_example_config();
      return 0;
    }
    if (arg == "--config" && arg_idx + 1 < argc) {
      config_path = argv[++arg_idx];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(9);
    } else {
      std::cerr << "kalamdb-server: unknown argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }

  auto loaded = kalam::load_server_config(config_path, kalam::current_environment());
  if (!loaded.is_ok()) {
    std::cerr << "kalamdb-server: " << loaded.status().message() << "\n";
    return 1;
  }
  const kalam::ServerConfig& config = loaded->config;

  if (!config.logging.file.empty()) {
    try {
      spdlog::set_default_logger(spdlog::basic_logger_mt("kalamdb", config.logging.file));
    } catch (const std::exception& error) {
      std::cerr << "kalamdb-server: cannot open log file '" << config.logging.file << "': " << error.what()
                << "\n";
      return 1;
    }
  }
  kalam::install_log_escaping();
  spdlog::set_level(spdlog::level::from_str(config.logging.level));
  spdlog::flush_on(spdlog::level::info);
  for (const std::string& warning : loaded->warnings) spdlog::warn("config: {}", warning);
  spdlog::debug("configuration:\n{}", kalam::describe_config_for_log(config));

  // Block the shutdown signals in every thread; the main thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto app = kalam::AppContext::create(config);
  if (!app.is_ok()) {
    spdlog::critical("start-up failed: {}", app.status().message());
    return 1;
  }
  kalam::Status started = (*app)->start();
  if (!started.is_ok()) {
    spdlog::critical("start-up failed: {}", started.message());
    return 1;
  }
  spdlog::info("KalamDB {} listening on http://{}:{} (data: {})", KALAM_VERSION, config.server.host,
               (*app)->port(), config.storage.data_path);

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received {}, shutting down", received == SIGINT ? "SIGINT" : "SIGTERM");
  (*app)->stop();
  spdlog::info("shutdown complete");
  return 0;
}
