// The node's HTTP and WebSocket API (Boost.Beast), JSON in and out. It acts with the node's own
// key, so it listens on loopback unless told otherwise, and every request must prove it may:
//
//   - "Authorization: Bearer <token>" with the node's API token (network/api_token.h), or 401;
//   - a Host header naming the API's own address (or a name given in Options::host_names), or
//     403: a web page that rebinds a DNS name to loopback cannot reach it;
//   - no Origin header, or the API's own origin (http://HOST:PORT of the same names), or 403:
//     a web page cannot make a browser post to it or open a WebSocket on it.
//
// These hold for WebSocket upgrades too, and are checked before a request's body is read.
// Handlers run on worker threads, never on the thread that reads and writes connections.
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
// with a 4xx or 5xx status that says whose fault it was. Other modules add routes (the compute
// layer's blobs and jobs, compute/jobs_api.h) through Options::routes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/stream/stream_node.h"

namespace strata::network {

struct ApiRequest {
  std::string method;                // "GET", "POST", ...
  std::vector<std::string> path;     // decoded segments after /api/v1/
  std::map<std::string, std::string> query;
  std::string body;
};
struct ApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};
// A module's routes: its answer, or nullopt for paths it does not serve. Called on one of the
// API's worker threads (several may run at once).
using ApiRoutes = std::function<std::optional<ApiReply>(const ApiRequest& request)>;
// A WebSocket path (segments after /api/v1/) served as a subscription, from its first stored
// message on, to partition 0 of the stream it names; nullopt for paths it does not know.
using ApiStreamAlias = std::function<std::optional<std::string>(const std::vector<std::string>& path)>;

class ApiServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 0;  // 0: any free port
    size_t max_body = 4u << 20;
    // Bodies of POSTs under these paths (segments after /api/v1/, e.g. "blobs") may be this large.
    std::vector<std::string> upload_paths;
    size_t max_upload = size_t(256) << 20;
    size_t max_uploads_in_flight = 4;  // more at once are answered 503
    // Open connections at once (idle ones included); more are closed as they come, so that no
    // one, token or not, can take every file descriptor of the node.
    size_t max_connections = 256;
    std::chrono::seconds header_timeout{10};  // for a request's header (or the next one's, kept alive)
    // A WebSocket subscriber with more than this many bytes of messages waiting is closed.
    size_t max_queued_bytes_per_subscriber = size_t(16) << 20;
    // Required: start() refuses to serve without a token.
    std::string token;
    // Names (or NAME:PORT) besides the listen address that clients use to reach the API, such as
    // a machine's DNS name when listening on 0.0.0.0.
    std::vector<std::string> host_names;
    // Told of the listener's troubles (accept failures).
    std::function<void(const std::string&)> log;
    ApiRoutes routes;
    ApiStreamAlias stream_alias;
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
