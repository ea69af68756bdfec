// GET /v1/ws: the WebSocket protocol of live.md on top of the HTTP server's WebSocket
// transport and the LiveQueryService: authentication by the first message (on the
// worker pool: bcrypt never runs on an I/O thread), per-connection message limits, and
// the subscribe / unsubscribe / ping requests.
#pragma once

#include <functional>
#include <memory>

#include "api/http_server.h"

namespace kalam {

struct ServerConfig;
class AuthService;
class LiveQueryService;

struct LiveEndpointContext {
  const ServerConfig* config = nullptr;
  AuthService* auth = nullptr;
  LiveQueryService* live = nullptr;
  std::function<void(std::function<void()>)> run_in_background;  // the API worker pool
};

// The endpoint of one accepted upgrade.
std::unique_ptr<WebSocketEndpoint> make_live_endpoint(std::shared_ptr<const LiveEndpointContext> context,
                                                      const HttpRequest& request);

// The transport options of /v1/ws from [websocket] (accept left for the caller to set).
WebSocketOptions live_websocket_options(const ServerConfig& config);

}  // namespace kalam
