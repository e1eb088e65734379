// A small client for a node's HTTP and WebSocket API (see api_server.h), for the command line
// and the tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "host/status.h"
#include "network/transport/address.h"

namespace strata::network {

// A node's API and the token every request to it carries ("Authorization: Bearer <token>").
struct ApiAddress : HostPort {
  std::string token;
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

// One request; the response whatever its status. An error only when no response came.
Result<HttpResponse> http_request(const ApiAddress& node, const std::string& method, const std::string& target,
                                  const std::string& body = "",
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Opens the WebSocket at `target` and hands each text message to `on_message` until it returns
// false, the server closes, `timeout` (0: none) passes or `*cancel` becomes true (checked every
// 50 ms); timeout and cancel are not errors. A refused upgrade is an error that carries the
// server's answer.
Status websocket_read(const ApiAddress& node, const std::string& target,
                      const std::function<bool(const std::string& message)>& on_message,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(0),
                      const std::atomic<bool>* cancel = nullptr);

// Percent-encodes everything but unreserved characters, for stream ids in paths.
std::string percent_encode(const std::string& text);

}  // namespace strata::network
