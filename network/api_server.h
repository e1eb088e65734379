// The node's HTTP and WebSocket API (Boost.Beast), JSON in and out. It acts with the node's own
// key, so it listens on loopback unless told otherwise.
//
//   GET  /api/v1/node                                   this node: id, transport port, peers, subscriptions, refusals
//   GET  /api/v1/streams                                every stream the node knows
//   POST /api/v1/streams                                create {"id", "partitions", "publishers", "subscribers", "public"}
//   GET  /api/v1/streams/{id}                           one stream's metadata
//   PUT  /api/v1/streams/{id}/permissions               {"publishers", "subscribers", "public"}
//   POST /api/v1/streams/{id}/publish                   {"partition", and "content" (any JSON) | "text" |
//                                                        "payload_base64" with "content_type"}
//   GET  /api/v1/streams/{id}/resend?partition=P&last=N | &from=T[&from_sequence=S][&to=T[&to_sequence=S]]
//   GET  /api/v1/streams/{id}/subscribe?partition=P[&last=N | &from=T]   WebSocket: stored messages
//                                                        first (optional), then live ones, one JSON text frame each
//
// Stream ids go in the path percent-encoded ("job%2F1%2Fresults"). Errors are {"error": "..."}
// with a 4xx or 5xx status that says whose fault it was.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "host/status.h"
#include "network/stream_node.h"

namespace strata::network {

class ApiServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 0;  // 0: any free port
    size_t max_body = 4u << 20;
    size_t max_queued_per_subscriber = 100000;  // a WebSocket subscriber further behind is closed
  };
  // Serves `node` (which must outlive the server) on its own thread until destroyed.
  static Result<std::unique_ptr<ApiServer>> start(StreamNode& node, Options options);
  ~ApiServer();

  uint16_t port() const;

  struct Impl;

 private:
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::network
