// AppContext: owns and wires every component of a running server (storage,
// catalog, users, auth, executor, HTTP API) in dependency order.
#pragma once

#include <memory>

#include "common/status.h"
#include "config/server_config.h"

namespace kalam {

class AppContext {
 public:
  // Opens storage and loads the catalog and users; bootstraps root.
  static Result<std::unique_ptr<AppContext>> create(const ServerConfig& config);
  ~AppContext();

  // Starts serving HTTP on [server] host:port.
  Status start();
  // Graceful: stops accepting, finishes in-flight requests, flushes RocksDB. Idempotent.
  void stop();
  // The bound HTTP port (after start()).
  uint16_t port() const;

 private:
  AppContext();
  struct Components;
  std::unique_ptr<Components> components_;
};

}  // namespace kalam
