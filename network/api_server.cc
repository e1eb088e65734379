#include "network/api_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "host/json_depth.h"
#include "network/api_request.h"
#include "network/json_text.h"
#include "network/transport/listen.h"
#include "network/utf8.h"

namespace strata::network {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using json = nlohmann::json;

// ---- JSON <-> the stream types ----

std::string base64_encode(const std::vector<uint8_t>& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<NodeId> parse_node_id(const json& value) {
  NodeId id{};
  if (!value.is_string() || value.get_ref<const std::string&>().size() != 64) {
    return invalid_argument("a node id must be 64 hexadecimal digits, got " + dump_json(value));
  }
  const std::string& hex = value.get_ref<const std::string&>();
  size_t length = 0;
  if (sodium_hex2bin(id.data(), id.size(), hex.data(), hex.size(), nullptr, &length, nullptr) != 0 || length != 32) {
    return invalid_argument("a node id must be 64 hexadecimal digits, got " + dump_json(value));
  }
  return id;
}

Result<std::set<NodeId>> parse_ids(const json& body, const char* field) {
  std::set<NodeId> ids;
  if (!body.contains(field)) return ids;
  const json& list = body[field];
  if (!list.is_array()) return invalid_argument(std::string("\"") + field + "\" must be a list of node ids");
  for (const json& item : list) {
    auto id = parse_node_id(item);
    if (!id.is_ok()) return invalid_argument(std::string("\"") + field + "\": " + id.status().message());
    ids.insert(*id);
  }
  return ids;
}

json ids_json(const std::set<NodeId>& ids) {
  json out = json::array();
  for (const NodeId& id : ids) out.push_back(to_hex(id));
  return out;
}

json metadata_json(const StreamMetadata& m) {
  return {{"id", m.id},
          {"partitions", m.partitions},
          {"owner", to_hex(m.owner())},
          {"version", m.version},
          {"publishers", ids_json(m.publishers)},
          {"subscribers", ids_json(m.subscribers)},
          {"public", m.public_subscribe}};
}

json message_json(const StreamMessage& m) {
  json out = {{"stream", m.stream_id},
              {"partition", m.partition},
              {"timestamp", m.ref.timestamp},
              {"sequence", m.ref.sequence},
              {"publisher", to_hex(m.publisher_id())},
              {"publisher_key", to_hex(m.publisher)},
              {"chain", m.chain_id},
              {"prev", m.has_prev ? json{{"timestamp", m.prev.timestamp}, {"sequence", m.prev.sequence}} : json()},
              {"content_type", m.content_type},
              {"signature", to_hex(m.signature)}};
  std::string_view text(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
  if (m.content_type == "application/json" && json_depth(text) <= kMaxApiJsonDepth) {  // else as base64
    json content = json::parse(text, nullptr, false);
    if (!content.is_discarded()) {
      out["content"] = std::move(content);
      return out;
    }
  } else if (m.content_type.rfind("text/", 0) == 0) {
    if (is_valid_utf8(text)) {
      out["text"] = std::string(text);
      return out;
    }
  }
  out["payload_base64"] = base64_encode(m.payload);
  return out;
}

// ---- requests ----

struct Reply {
  http::status status = http::status::ok;
  json body;
};

Reply error_reply(http::status status, const std::string& message) { return {status, json{{"error", message}}}; }

http::response<http::string_body> json_response(const Reply& reply, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{reply.status, version};
  res.set(http::field::server, "strata");
  res.set(http::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = dump_json(reply.body) + "\n";
  res.prepare_payload();
  return res;
}

http::response<http::string_body> raw_response(const ApiReply& reply, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
  res.set(http::field::server, "strata");
  res.set(http::field::content_type, reply.content_type);
  res.keep_alive(keep_alive);
  res.body() = reply.body;
  res.prepare_payload();
  return res;
}

Reply status_reply(const Status& s) {
  http::status code = http::status::internal_server_error;
  if (s.code() == StatusCode::kInvalidArgument) code = http::status::bad_request;
  if (s.code() == StatusCode::kNotFound) code = http::status::not_found;
  if (s.code() == StatusCode::kUnavailable) code = http::status::service_unavailable;
  return error_reply(code, s.message());
}

Result<std::vector<StreamMessage>> run_resend(StreamNode& node, const std::string& stream, const ResendQuery& r) {
  StreamStore* store = node.store();
  if (!store) return unavailable("this node does not store messages; ask a storage node");
  STRATA_RETURN_IF_ERROR(node.registry().check_subscribe(stream, r.partition, node.identity().node_id()));
  // Read no further than the bound, so a query for a whole stream costs no more than that.
  ReadBound bound{kMaxResend, kMaxResendPayloadBytes};
  bool cut_short = false;
  Result<std::vector<StreamMessage>> messages =
      r.kind == ResendQuery::kLast ? store->last(stream, r.partition, r.last, bound, &cut_short)
                                   : store->range(stream, r.partition, r.from, r.to, bound, &cut_short);
  if (messages.is_ok() && cut_short) {
    return invalid_argument("the range holds over " + std::to_string(kMaxResend) + " messages or " +
                            std::to_string(kMaxResendPayloadBytes >> 20) + " MiB of payloads; ask for a narrower one");
  }
  return messages;
}

// ---- a WebSocket subscriber's queue, filled on the node's threads and drained on the API's ----

struct Feed {
  explicit Feed(asio::io_context& io) : timer(io), cut_timer(io) { timer.expires_at(asio::steady_timer::time_point::max()); }
  std::mutex mutex;
  std::deque<std::pair<std::string, std::string>> queue;  // (message key, JSON text)
  size_t queued_bytes = 0;
  bool overflow = false;
  bool closed = false;  // the client went away (API thread only)
  asio::steady_timer timer;  // cancelled to wake the writer (API thread only)
  // Cuts the connection (API thread only): a subscriber over its bound may not be reading at
  // all, so the writer waiting on it must not wait for ever. It gets 2 s to take the closing
  // frame that says why.
  std::function<void()> cut;
  asio::steady_timer cut_timer;
  static void cut_soon(const std::shared_ptr<Feed>& feed) {
    feed->timer.cancel();
    feed->cut_timer.expires_after(std::chrono::seconds(2));
    feed->cut_timer.async_wait([feed](boost::system::error_code ec) {
      if (!ec && feed->cut) feed->cut();
    });
  }
};

// Identifies a message within its partition: publisher, chain and position.
std::string message_key(const StreamMessage& m) {
  return to_hex(m.publisher) + "/" + m.chain_id + "/" + std::to_string(m.ref.timestamp) + "/" +
         std::to_string(m.ref.sequence);
}

// Listeners run on the node's threads and may outlive a subscription by a moment (the node calls
// copies outside its lock), so they reach the API thread only through this gate, which the
// server closes before its io_context goes.
struct Gate {
  std::mutex mutex;
  asio::io_context* io = nullptr;
  template <typename F>
  void post(F f) {
    std::lock_guard lock(mutex);
    if (io) asio::post(*io, std::move(f));
  }
};

}  // namespace

struct ApiServer::Impl {
  Impl(StreamNode& n, Options o) : node(n), options(std::move(o)), work(asio::make_work_guard(io)), acceptor(io) {}

  StreamNode& node;
  Options options;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  tcp::acceptor acceptor;
  std::thread thread;
  uint16_t port = 0;
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();
  std::mutex handles_mutex;
  std::set<uint64_t> handles;  // open WebSocket subscriptions, closed with the server
  asio::thread_pool workers{2};  // where handlers run, so a slow one never stalls the connections
  std::set<std::string> hosts;    // lower-case HOST:PORT values a Host header may have
  size_t uploads_in_flight = 0;   // API thread only
  size_t connections = 0;         // open ones (API thread only)
  uint64_t refused_connections = 0;  // in the current burst over max_connections

  // The Host values that name this API: its listen address, the loopback names when it listens
  // on loopback or on every address, and the names it was given.
  void allow_hosts() {
    std::vector<std::string> names = {options.host};
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options.host, ec);
    if (!ec && (address.is_loopback() || address.is_unspecified())) names.insert(names.end(), {"localhost", "127.0.0.1", "::1"});
    for (const std::string& n : options.host_names) names.push_back(n);
    for (std::string n : names) {
      for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      bool ipv6 = std::count(n.begin(), n.end(), ':') > 1 && n.front() != '[';
      if (ipv6) n = "[" + n + "]";
      size_t colon = n.rfind(':');
      bool has_port = colon != std::string::npos && n.back() != ']' && colon + 1 < n.size() &&
                      n.find_first_not_of("0123456789", colon + 1) == std::string::npos;
      if (has_port) {
        hosts.insert(n);
        continue;
      }
      hosts.insert(n + ":" + std::to_string(port));
      if (port == 80) hosts.insert(n);
    }
  }

  // Why a request may not be served, checked from its header alone: 403 for a foreign Host or
  // Origin, 401 without the token.
  std::optional<Reply> refusal(const http::request_header<>& h) const {
    auto lower = [](beast::string_view v) {
      std::string out(v.data(), v.size());
      for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return out;
    };
    std::string host = lower(h[http::field::host]);
    if (!hosts.count(host)) {
      return error_reply(http::status::forbidden, host.empty() ? "the request has no Host header"
                                                               : "the Host '" + host + "' is not this API's address");
    }
    if (h.find(http::field::origin) != h.end()) {
      std::string origin = lower(h[http::field::origin]);
      std::string_view rest = origin;
      bool web = rest.rfind("http://", 0) == 0 || rest.rfind("https://", 0) == 0;
      if (web) rest.remove_prefix(rest.find("//") + 2);
      if (!web || !hosts.count(std::string(rest))) {
        return error_reply(http::status::forbidden, "requests from the origin '" + origin + "' are not allowed");
      }
    }
    beast::string_view auth = h[http::field::authorization];
    const beast::string_view kBearer = "Bearer ";
    bool ok = auth.size() == kBearer.size() + options.token.size() &&
              beast::iequals(auth.substr(0, kBearer.size()), kBearer) &&
              sodium_memcmp(auth.data() + kBearer.size(), options.token.data(), options.token.size()) == 0;
    if (!ok) {
      return error_reply(http::status::unauthorized,
                         auth.empty() ? "the API needs \"Authorization: Bearer <token>\" (the token is in the node's "
                                        "data directory, api.token)"
                                      : "the API token is wrong");
    }
    return std::nullopt;
  }

  // Answers once and closes: for a request refused from its header (its body unread) or one
  // that could not be read. The client's remaining bytes are drained first, or the close resets
  // the connection and the answer is lost; at most 16 MiB or until the stream's deadline.
  asio::awaitable<void> answer_and_close(beast::tcp_stream& stream, const Reply& reply) {
    boost::system::error_code ec;
    auto res = json_response(reply, 11, false);
    if (reply.status == http::status::unauthorized) res.set(http::field::www_authenticate, "Bearer");
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::vector<char> sink(64 * 1024);
    for (size_t drained = 0; !ec && drained < (16u << 20);) {
      drained += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // The answer to a request that was read whole, made on a worker thread.
  http::response<http::string_body> respond(const http::request<http::string_body>& req, const Result<Target>& target) {
    http::response<http::string_body> res;
    Status failed = status_of(
        [&] {
          std::optional<ApiReply> other = target.is_ok() ? routed(req, *target) : std::nullopt;
          res = other ? raw_response(*other, req.version(), req.keep_alive())
                      : json_response(target.is_ok() ? handle(req, *target) : status_reply(target.status()),
                                      req.version(), req.keep_alive());
          return Status::ok();
        },
        "the request");
    if (!failed.is_ok()) {
      res = json_response(error_reply(http::status::internal_server_error, failed.message()), req.version(), req.keep_alive());
    }
    return res;
  }

  Reply node_info() {
    json peers = json::array();
    for (const PeerInfo& p : node.transport().peers()) {
      peers.push_back({{"id", to_hex(p.id)}, {"address", p.address}, {"listen_port", p.listen_port}});
    }
    json streams = json::array();
    for (const StreamMetadata& m : node.registry().all()) streams.push_back(m.id);
    json interests = json::array();
    for (const StreamNode::Interest& i : node.interests()) {
      json peer_ids = json::array();
      for (const NodeId& id : i.peer_ids) peer_ids.push_back(to_hex(id));
      interests.push_back({{"stream", i.partition.stream_id},
                           {"partition", i.partition.partition},
                           {"local_subscribers", i.local_listeners},
                           {"peers", i.peers},
                           {"peer_ids", peer_ids}});
    }
    std::vector<std::string> refused = node.refused();
    if (refused.size() > 100) refused.erase(refused.begin(), refused.end() - 100);
    std::vector<std::string> rejected = node.transport().rejections();
    if (rejected.size() > 100) rejected.erase(rejected.begin(), rejected.end() - 100);
    return {http::status::ok, json{{"id", to_hex(node.identity().node_id())},
                                   {"transport_port", node.transport().port()},
                                   {"storage", node.store() != nullptr},
                                   {"peers", peers},
                                   {"streams", streams},
                                   {"subscriptions", interests},
                                   {"refused_count", node.refused_count()},
                                   {"refused", refused},
                                   {"dropped_peers", rejected}}};
  }

  Reply create_stream(const json& body) {
    if (!body.is_object()) return error_reply(http::status::bad_request, "the body must be a JSON object");
    StreamMetadata m;
    if (!body.contains("id") || !body["id"].is_string()) return error_reply(http::status::bad_request, "\"id\" (a string) is required");
    m.id = body["id"].get<std::string>();
    if (body.contains("partitions")) {
      if (!body["partitions"].is_number_unsigned() || body["partitions"].get<uint64_t>() > kMaxPartitions) {
        return error_reply(http::status::bad_request, "\"partitions\" must be an integer from 1 to 4096");
      }
      m.partitions = body["partitions"].get<uint32_t>();
    }
    Status permissions = parse_permissions(body, m);
    if (!permissions.is_ok()) return status_reply(permissions);
    auto created = node.create_stream(std::move(m));
    if (!created.is_ok()) {
      Reply r = status_reply(created.status());
      if (created.status().message().find("already exists") != std::string::npos) r.status = http::status::conflict;
      return r;
    }
    return {http::status::created, metadata_json(*created)};
  }

  static Status parse_permissions(const json& body, StreamMetadata& m) {
    auto publishers = parse_ids(body, "publishers");
    if (!publishers.is_ok()) return publishers.status();
    auto subscribers = parse_ids(body, "subscribers");
    if (!subscribers.is_ok()) return subscribers.status();
    if (body.contains("public") && !body["public"].is_boolean()) return invalid_argument("\"public\" must be true or false");
    m.publishers = std::move(*publishers);
    m.subscribers = std::move(*subscribers);
    m.public_subscribe = body.value("public", false);
    return Status::ok();
  }

  bool is_upload(const http::request<http::string_body>& req) const {
    if (req.method() != http::verb::post) return false;
    auto t = parse_target(std::string_view(req.target().data(), req.target().size()));
    if (!t.is_ok() || t->segments.size() < 3 || t->segments[0] != "api" || t->segments[1] != "v1") return false;
    return std::find(options.upload_paths.begin(), options.upload_paths.end(), t->segments[2]) != options.upload_paths.end();
  }

  // Another module's answer, if it serves this path.
  std::optional<ApiReply> routed(const http::request<http::string_body>& req, const Target& t) {
    if (!options.routes || t.segments.size() < 3 || t.segments[0] != "api" || t.segments[1] != "v1") return std::nullopt;
    ApiRequest r;
    r.method = std::string(req.method_string());
    r.path.assign(t.segments.begin() + 2, t.segments.end());
    r.query = t.query;
    r.body = req.body();
    return options.routes(r);
  }

  Reply handle(const http::request<http::string_body>& req, const Target& t) {
    const auto& s = t.segments;
    bool get = req.method() == http::verb::get, post = req.method() == http::verb::post,
         put = req.method() == http::verb::put;
    auto body = [&]() -> Result<json> { return parse_body(req.body()); };
    auto wrong_method = [&] {
      return error_reply(http::status::method_not_allowed,
                         std::string(req.method_string()) + " is not allowed on " + std::string(req.target()));
    };
    if (s.size() < 2 || s[0] != "api" || s[1] != "v1") {
      return error_reply(http::status::not_found, "no such endpoint: " + std::string(req.target()) + " (see /api/v1/...)");
    }
    if (s.size() == 3 && s[2] == "node") return get ? node_info() : wrong_method();
    if (s.size() >= 3 && s[2] == "streams") {
      if (s.size() == 3) {
        if (get) {
          json list = json::array();
          for (const StreamMetadata& m : node.registry().all()) list.push_back(metadata_json(m));
          return {http::status::ok, list};
        }
        if (!post) return wrong_method();
        auto b = body();
        return b.is_ok() ? create_stream(*b) : status_reply(b.status());
      }
      const std::string& stream = s[3];
      if (s.size() == 4) {
        if (!get) return wrong_method();
        auto m = node.registry().get(stream);
        return m.is_ok() ? Reply{http::status::ok, metadata_json(*m)} : status_reply(m.status());
      }
      if (s.size() == 5 && s[4] == "permissions") {
        if (!put) return wrong_method();
        auto b = body();
        if (!b.is_ok()) return status_reply(b.status());
        if (!b->is_object()) return error_reply(http::status::bad_request, "the body must be a JSON object");
        StreamMetadata wanted;
        Status parsed = parse_permissions(*b, wanted);
        if (!parsed.is_ok()) return status_reply(parsed);
        auto m = node.set_permissions(stream, wanted.publishers, wanted.subscribers, wanted.public_subscribe);
        return m.is_ok() ? Reply{http::status::ok, metadata_json(*m)} : status_reply(m.status());
      }
      if (s.size() == 5 && s[4] == "publish") {
        if (!post) return wrong_method();
        auto b = body();
        if (!b.is_ok()) return status_reply(b.status());
        auto m = parse_publish(*b);
        if (!m.is_ok()) return status_reply(m.status());
        auto published = node.publish(stream, m->partition, std::move(m->content_type), std::move(m->payload));
        if (!published.is_ok()) return status_reply(published.status());
        json out = message_json(*published);
        return {http::status::ok, out};
      }
      if (s.size() == 5 && s[4] == "resend") {
        if (!get) return wrong_method();
        auto query = parse_resend(t, true);
        if (!query.is_ok()) return status_reply(query.status());
        auto messages = run_resend(node, stream, *query);
        if (!messages.is_ok()) return status_reply(messages.status());
        json list = json::array();
        for (const StreamMessage& m : *messages) list.push_back(message_json(m));
        return {http::status::ok, list};
      }
      if (s.size() == 5 && s[4] == "subscribe") {
        return error_reply(http::status::upgrade_required, "subscribe is a WebSocket endpoint");
      }
    }
    return error_reply(http::status::not_found, "no such endpoint: " + std::string(req.target()));
  }

  asio::awaitable<void> serve_http(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    try {
      for (;;) {
        http::request_parser<http::string_body> parser;
        // The header decides which bound applies: the parser checks a declared length against
        // its limit as soon as it has the header, so it starts at the larger one and the smaller
        // is applied here (and to chunked bodies by the parser).
        parser.body_limit(std::max(options.max_body, options.max_upload));
        parser.header_limit(16 * 1024);
        stream.expires_after(options.header_timeout);
        boost::system::error_code ec;
        co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::end_of_stream || ec == asio::error::eof) co_return;
        if (!ec) {
          // Nothing more is read, nor any memory spent, for a request that may not be served.
          if (auto refused = refusal(parser.get())) {
            co_await answer_and_close(stream, *refused);
            co_return;
          }
        }
        bool upload = !ec && is_upload(parser.get());
        if (upload && uploads_in_flight >= options.max_uploads_in_flight) {
          co_await answer_and_close(stream, error_reply(http::status::service_unavailable,
                                                        std::to_string(uploads_in_flight) +
                                                            " uploads are in flight, the most this node takes at once; "
                                                            "try again shortly"));
          co_return;
        }
        if (upload) ++uploads_in_flight;  // until its body is in
        if (!ec) {
          stream.expires_after(std::chrono::seconds(60));
          size_t limit = upload ? options.max_upload : options.max_body;
          parser.body_limit(limit);
          if (parser.content_length() && *parser.content_length() > limit) ec = http::error::body_limit;
          if (upload) stream.expires_after(std::chrono::seconds(600));
        }
        if (!ec && !parser.is_done()) {
          co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        }
        if (upload) --uploads_in_flight;
        if (ec == http::error::end_of_stream || ec == asio::error::eof) co_return;
        if (ec) {
          // A request we cannot read: say why once, then close.
          co_await answer_and_close(
              stream, error_reply(ec == http::error::body_limit ? http::status::payload_too_large : http::status::bad_request,
                                  "cannot read the request: " + ec.message()));
          co_return;
        }
        http::request<http::string_body> req = parser.release();
        auto target = parse_target(std::string_view(req.target().data(), req.target().size()));
        if (target.is_ok() && websocket::is_upgrade(req)) {
          co_await serve_websocket(stream.release_socket(), std::move(req), *target);
          co_return;
        }
        // On a worker: a handler that takes its time (a scene loaded at submit) holds up no one.
        auto res = co_await asio::co_spawn(
            workers, [&]() -> asio::awaitable<http::response<http::string_body>> { co_return respond(req, target); },
            asio::use_awaitable);
        co_await http::async_write(stream, res, asio::use_awaitable);
        if (!res.keep_alive()) {
          stream.socket().shutdown(tcp::socket::shutdown_send, ec);
          co_return;
        }
      }
    } catch (const std::exception&) {
      // The client went away or timed out; nothing to answer.
    }
  }

  asio::awaitable<void> serve_websocket(tcp::socket socket, http::request<http::string_body> req, Target t) {
    auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(std::move(socket));
    const auto& s = t.segments;
    std::string stream = s.size() == 5 ? s[3] : "";
    // Checked before the upgrade, so a refusal is a plain HTTP error the client can read.
    Status problem;
    std::optional<std::string> alias;
    if (options.stream_alias && s.size() >= 3 && s[0] == "api" && s[1] == "v1") {
      alias = options.stream_alias(std::vector<std::string>(s.begin() + 2, s.end()));
    }
    if (alias) {
      // The whole stream from its start: what happened before the client came, then what comes.
      stream = *alias;
      t.query = {{"partition", "0"}};
      if (node.store()) t.query["from"] = "0";
    } else if (s.size() != 5 || s[0] != "api" || s[1] != "v1" || s[2] != "streams" || s[4] != "subscribe") {
      problem = not_found("no WebSocket endpoint at " + std::string(req.target()) + " (use /api/v1/streams/{id}/subscribe)");
    }
    Result<ResendQuery> query = parse_resend(t, false);
    if (problem.is_ok() && !query.is_ok()) problem = query.status();
    if (problem.is_ok()) problem = node.registry().check_subscribe(stream, query->partition, node.identity().node_id());
    if (problem.is_ok() && query->kind != ResendQuery::kNone && !node.store()) {
      problem = unavailable("this node does not store messages, so it cannot resend; subscribe without 'last' or 'from'");
    }
    boost::system::error_code ec;
    if (!problem.is_ok()) {
      auto res = json_response(status_reply(problem), req.version(), false);
      co_await http::async_write(ws->next_layer(), res, asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    co_await ws->async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;

    auto feed = std::make_shared<Feed>(io);
    feed->cut = [weak = std::weak_ptr(ws)] {
      if (auto w = weak.lock()) {
        boost::system::error_code ignored;
        beast::get_lowest_layer(*w).socket().close(ignored);
      }
    };
    size_t max_queued = options.max_queued_bytes_per_subscriber;
    auto handle = node.subscribe(stream, query->partition, [gate = gate, feed, max_queued](const StreamMessage& m) {
      std::string text = dump_json(message_json(m));
      {
        std::lock_guard lock(feed->mutex);
        if (feed->overflow) return;
        if (feed->queued_bytes + text.size() > max_queued) {
          feed->overflow = true;
          gate->post([feed] { Feed::cut_soon(feed); });
        } else {
          feed->queued_bytes += text.size();
          feed->queue.emplace_back(message_key(m), std::move(text));
        }
      }
      gate->post([feed] { feed->timer.cancel(); });
    });
    if (!handle.is_ok()) {
      co_await ws->async_close(websocket::close_reason(websocket::close_code::policy_error, handle.status().message()),
                               asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    {
      std::lock_guard lock(handles_mutex);
      handles.insert(*handle);
    }
    auto finish = [this, h = *handle] {
      node.unsubscribe(h);
      std::lock_guard lock(handles_mutex);
      handles.erase(h);
    };
    // Reads until the client closes; what it sends is ignored.
    asio::co_spawn(
        io,
        [ws, feed]() -> asio::awaitable<void> {
          beast::flat_buffer incoming;
          boost::system::error_code read_error;
          while (!read_error) {
            co_await ws->async_read(incoming, asio::redirect_error(asio::use_awaitable, read_error));
            incoming.consume(incoming.size());
          }
          feed->closed = true;
          feed->timer.cancel();
        },
        asio::detached);

    // Stored messages first; live messages already queued that the resend covered are skipped.
    // They are read and turned into JSON on a worker: a large resend holds up no other client.
    std::set<std::string> resent;
    if (query->kind != ResendQuery::kNone) {
      struct Texts {
        Status status;
        std::vector<std::pair<std::string, std::string>> messages;  // (message key, JSON text)
      };
      Texts texts = co_await asio::co_spawn(
          workers,
          [&]() -> asio::awaitable<Texts> {
            Texts out;
            auto messages = run_resend(node, stream, *query);
            out.status = messages.status();
            if (!messages.is_ok()) co_return out;
            out.messages.reserve(messages->size());
            for (const StreamMessage& m : *messages) out.messages.emplace_back(message_key(m), dump_json(message_json(m)));
            co_return out;
          },
          asio::use_awaitable);
      if (!texts.status.is_ok()) {
        finish();
        co_await ws->async_close(websocket::close_reason(websocket::close_code::try_again_later, texts.status.message()),
                                 asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }
      for (const auto& [key, text] : texts.messages) {
        resent.insert(key);
        co_await ws->async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
      }
    }
    while (!ec && !feed->closed) {
      std::deque<std::pair<std::string, std::string>> batch;
      bool overflow = false;
      {
        std::lock_guard lock(feed->mutex);
        batch.swap(feed->queue);
        feed->queued_bytes = 0;
        overflow = feed->overflow;
      }
      for (const auto& [key, text] : batch) {
        if (resent.count(key)) continue;
        co_await ws->async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
      }
      if (ec) break;
      if (overflow) {
        co_await ws->async_close(websocket::close_reason(websocket::close_code::policy_error,
                                                         "subscriber too slow: over " + std::to_string(max_queued >> 10) +
                                                             " KiB of messages queued"),
                                 asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
      if (batch.empty()) {
        feed->timer.expires_at(asio::steady_timer::time_point::max());
        co_await feed->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        ec = {};  // woken by a message or the reader
      }
    }
    finish();
    if (!feed->closed) {
      beast::get_lowest_layer(*ws).close();
    }
  }

  asio::awaitable<void> accept_loop() {
    co_await accept_connections(
        acceptor,
        [this](tcp::socket socket) {
          if (connections >= options.max_connections) {
            if (refused_connections++ == 0 && options.log) {
              options.log("refusing connections: " + std::to_string(connections) + " are open, the most it takes");
            }
            boost::system::error_code ignored;
            socket.close(ignored);
            return;
          }
          refused_connections = 0;
          ++connections;
          asio::co_spawn(io, serve_http(std::move(socket)), [this](std::exception_ptr) { --connections; });
        },
        options.log);
  }
};

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() {
  {
    std::lock_guard lock(impl_->gate->mutex);
    impl_->gate->io = nullptr;
  }
  {
    std::lock_guard lock(impl_->handles_mutex);
    for (uint64_t h : impl_->handles) impl_->node.unsubscribe(h);
  }
  asio::post(impl_->io, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    impl->io.stop();  // open sessions end with the server
  });
  impl_->thread.join();
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(StreamNode& node, Options options) {
  if (options.token.size() < 32) return invalid_argument("the API needs a token of at least 32 characters");
  auto impl = std::make_unique<Impl>(node, std::move(options));
  STRATA_RETURN_IF_ERROR(listen_on(impl->acceptor, impl->options.host, impl->options.port, "for the API"));
  impl->port = impl->acceptor.local_endpoint().port();
  impl->allow_hosts();
  Impl* raw = impl.get();
  raw->gate->io = &raw->io;
  asio::co_spawn(impl->io, raw->accept_loop(), asio::detached);
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

uint16_t ApiServer::port() const { return impl_->port; }

}  // namespace strata::network
