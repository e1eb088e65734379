// The API acts with the node's key, so it serves only whoever holds the node's token, at the
// node's own address: attacks by a local user without the token and by a web page (a foreign
// Origin, a rebound DNS name in Host), each over a raw socket as the attacker would send it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio.hpp>
#include <sys/resource.h>
#include <sys/stat.h>

#include <mutex>
#include <thread>

#include <filesystem>

#include "network/api_client.h"
#include "network/api_server.h"
#include "network/api_token.h"
#include "network/stream/stream_node.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;
using json = nlohmann::json;
namespace asio = boost::asio;

struct Served {
  std::unique_ptr<StreamNode> node;
  std::unique_ptr<ApiServer> api;
  std::string token;
  uint16_t port = 0;
};

Served serve(uint8_t seed, std::vector<std::string> host_names = {}) {
  Served s;
  auto node = StreamNode::start(tests::test_identity(seed), StreamNode::Options{});
  EXPECT_TRUE(node.is_ok());
  s.node = std::move(*node);
  auto token = load_or_create_api_token(tests::scratch_dir() + "/auth-" + std::to_string(seed));
  EXPECT_TRUE(token.is_ok()) << token.status().to_string();
  s.token = *token;
  ApiServer::Options o;
  o.token = s.token;
  o.host_names = std::move(host_names);
  o.upload_paths = {"blobs"};
  o.routes = [](const ApiRequest& r) -> std::optional<ApiReply> {
    if (r.path.empty() || r.path[0] != "blobs") return std::nullopt;
    return ApiReply{201, "application/json", "{}"};
  };
  auto api = ApiServer::start(*s.node, o);
  EXPECT_TRUE(api.is_ok()) << api.status().to_string();
  s.api = std::move(*api);
  s.port = s.api->port();
  return s;
}

// Sends `request` as it is and returns the status code and the whole answer.
std::pair<int, std::string> raw(uint16_t port, const std::string& request) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {0, ec.message()};
  asio::write(socket, asio::buffer(request), ec);
  std::string answer;
  char buf[4096];
  for (;;) {
    size_t n = socket.read_some(asio::buffer(buf), ec);
    answer.append(buf, n);
    if (ec || answer.find("\r\n\r\n") != std::string::npos) {
      // Read the body too when the answer says how long it is.
      size_t head = answer.find("\r\n\r\n");
      size_t at = answer.find("Content-Length: ");
      if (ec || head == std::string::npos || at == std::string::npos) break;
      size_t length = std::stoul(answer.substr(at + 16));
      while (!ec && answer.size() < head + 4 + length) {
        n = socket.read_some(asio::buffer(buf), ec);
        answer.append(buf, n);
      }
      break;
    }
  }
  int status = answer.size() > 12 ? std::atoi(answer.c_str() + 9) : 0;
  return {status, answer};
}

std::string get(uint16_t /*port*/, const std::string& headers, const std::string& target = "/api/v1/node") {
  return "GET " + target + " HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n";
}

std::string host(uint16_t port) { return "Host: 127.0.0.1:" + std::to_string(port) + "\r\n"; }
std::string bearer(const std::string& token) { return "Authorization: Bearer " + token + "\r\n"; }

TEST(ApiAuth, TheTokenIsMadeOncePrivateAndKept) {
  std::string dir = tests::scratch_dir() + "/token-life";
  auto first = load_or_create_api_token(dir);
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(first->size(), 64u);
  struct stat st {};
  ASSERT_EQ(stat((dir + "/api.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = load_or_create_api_token(dir);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(*again, *first);
  EXPECT_NE(*load_or_create_api_token(dir + "-other"), *first);
  // A damaged token file is named, not replaced.
  std::string damaged_file = tests::write_file("token-damaged/api.token", "not a token");
  std::filesystem::permissions(damaged_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto damaged = load_or_create_api_token(tests::scratch_dir() + "/token-damaged");
  ASSERT_FALSE(damaged.is_ok());
  EXPECT_NE(damaged.status().message().find("damaged"), std::string::npos);
  // A token file others may read (or a folder left open) is refused with the fix.
  std::string open_dir = tests::scratch_dir() + "/token-open";
  ASSERT_TRUE(load_or_create_api_token(open_dir).is_ok());
  std::filesystem::permissions(open_dir + "/api.token", std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  auto open = load_or_create_api_token(open_dir);
  ASSERT_FALSE(open.is_ok());
  EXPECT_NE(open.status().message().find("chmod 600"), std::string::npos) << open.status().message();
  // And no server starts without one.
  auto node = StreamNode::start(tests::test_identity(90), StreamNode::Options{});
  ASSERT_TRUE(node.is_ok());
  EXPECT_FALSE(ApiServer::start(**node, ApiServer::Options{}).is_ok());
}

TEST(ApiAuth, ALocalUserWithoutTheTokenGets401) {
  Served s = serve(91);
  auto [none, none_text] = raw(s.port, get(s.port, host(s.port)));
  EXPECT_EQ(none, 401) << none_text;
  EXPECT_NE(none_text.find("WWW-Authenticate: Bearer"), std::string::npos) << none_text;
  EXPECT_NE(none_text.find("\"error\""), std::string::npos) << none_text;
  auto [wrong, wrong_text] = raw(s.port, get(s.port, host(s.port) + bearer(std::string(64, '0'))));
  EXPECT_EQ(wrong, 401) << wrong_text;
  EXPECT_NE(wrong_text.find("token is wrong"), std::string::npos) << wrong_text;
  // The same for what a local user would try: cancel a job, publish as the node, open a stream.
  for (const std::string& request :
       {std::string("POST /api/v1/jobs/x/cancel HTTP/1.1\r\n") + host(s.port) + "Content-Length: 0\r\nConnection: close\r\n\r\n",
        std::string("POST /api/v1/streams HTTP/1.1\r\n") + host(s.port) +
            "Content-Length: 13\r\nConnection: close\r\n\r\n{\"id\": \"own\"}",
        std::string("PUT /api/v1/streams/s/permissions HTTP/1.1\r\n") + host(s.port) +
            "Content-Length: 16\r\nConnection: close\r\n\r\n{\"public\": true}"}) {
    EXPECT_EQ(raw(s.port, request).first, 401) << request;
  }
  EXPECT_TRUE(s.node->registry().all().empty());  // nothing was created
  // An upload without the token is refused from its header: its 100 MiB body is never awaited.
  auto start = std::chrono::steady_clock::now();
  auto [upload, upload_text] = raw(s.port, "POST /api/v1/blobs HTTP/1.1\r\n" + host(s.port) +
                                               "Content-Length: 104857600\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(upload, 401) << upload_text;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // With the token: served.
  auto [ok, ok_text] = raw(s.port, get(s.port, host(s.port) + bearer(s.token)));
  EXPECT_EQ(ok, 200) << ok_text;
}

TEST(ApiAuth, AWebPageIsRefusedByOriginAndByHost) {
  Served s = serve(92);
  std::string auth = bearer(s.token);
  // A page on another origin, even one that somehow had the token, is refused...
  std::string post = "POST /api/v1/streams HTTP/1.1\r\n" + host(s.port) + auth +
                     "Origin: http://evil.example\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
                     "Connection: close\r\n\r\n{\"id\": \"own\"}";
  auto [cross, cross_text] = raw(s.port, post);
  EXPECT_EQ(cross, 403) << cross_text;
  EXPECT_NE(cross_text.find("evil.example"), std::string::npos) << cross_text;
  EXPECT_EQ(raw(s.port, get(s.port, host(s.port) + auth + "Origin: null\r\n")).first, 403);
  // ... and so is DNS rebinding: a name of the attacker's pointed at 127.0.0.1.
  auto [rebound, rebound_text] =
      raw(s.port, get(s.port, "Host: evil.example:" + std::to_string(s.port) + "\r\n" + auth));
  EXPECT_EQ(rebound, 403) << rebound_text;
  EXPECT_EQ(raw(s.port, get(s.port, auth)).first, 403);  // no Host at all (HTTP/1.1 needs one)
  EXPECT_EQ(raw(s.port, get(s.port, "Host: 127.0.0.1:1\r\n" + auth)).first, 403);  // another port
  // WebSocket upgrades are held to the same rules.
  std::string upgrade = "GET /api/v1/streams/s/subscribe HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  EXPECT_EQ(raw(s.port, upgrade + host(s.port) + auth + "Origin: http://evil.example\r\n\r\n").first, 403);
  EXPECT_EQ(raw(s.port, upgrade + host(s.port) + "\r\n").first, 401);
  Status ws = websocket_read({{"127.0.0.1", s.port}, "wrong"}, "/api/v1/streams/s/subscribe", [](const std::string&) { return true; });
  EXPECT_FALSE(ws.is_ok());
  EXPECT_NE(ws.message().find("401"), std::string::npos) << ws.message();
  // The API's own origin and loopback names are its own.
  EXPECT_EQ(raw(s.port, get(s.port, host(s.port) + auth + "Origin: http://127.0.0.1:" + std::to_string(s.port) + "\r\n")).first, 200);
  EXPECT_EQ(raw(s.port, get(s.port, "Host: localhost:" + std::to_string(s.port) + "\r\n" + auth)).first, 200);
  EXPECT_TRUE(s.node->registry().all().empty());
}

TEST(ApiAuth, NamesGivenWithApiHostAreAccepted) {
  Served s = serve(93, {"node.example", "other.example:8080"});
  std::string auth = bearer(s.token);
  EXPECT_EQ(raw(s.port, get(s.port, "Host: node.example:" + std::to_string(s.port) + "\r\n" + auth)).first, 200);
  EXPECT_EQ(raw(s.port, get(s.port, "Host: other.example:8080\r\n" + auth)).first, 200);
  EXPECT_EQ(raw(s.port, get(s.port, "Host: NODE.example:" + std::to_string(s.port) + "\r\n" + auth)).first, 200);
  EXPECT_EQ(raw(s.port, get(s.port, "Host: other.example:" + std::to_string(s.port) + "\r\n" + auth)).first, 403);
}

TEST(ApiAuth, UploadsInFlightAreBounded) {
  Served s = serve(94);
  // Four uploads that send their header and then stall hold every upload place.
  asio::io_context io;
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> stalled;
  std::string header = "POST /api/v1/blobs HTTP/1.1\r\n" + host(s.port) + bearer(s.token) + "Content-Length: 1000\r\n\r\n";
  for (int i = 0; i < 4; ++i) {
    auto socket = std::make_unique<asio::ip::tcp::socket>(io);
    socket->connect({asio::ip::make_address("127.0.0.1"), s.port});
    asio::write(*socket, asio::buffer(header));
    stalled.push_back(std::move(socket));
  }
  std::pair<int, std::string> fifth;
  ASSERT_TRUE(tests::eventually([&] {
    fifth = raw(s.port, header + std::string(1000, 'x'));
    return fifth.first == 503;
  })) << fifth.second;
  EXPECT_NE(fifth.second.find("uploads are in flight"), std::string::npos) << fifth.second;
  // Other requests are still served meanwhile, and uploads again once the stalled ones go.
  EXPECT_EQ(raw(s.port, get(s.port, host(s.port) + bearer(s.token))).first, 200);
  stalled.clear();
  EXPECT_TRUE(tests::eventually([&] { return raw(s.port, header + std::string(1000, 'x')).first == 201; }));
}

}  // namespace

namespace {

// Out of file descriptors, the API backs off (it used to spin at 100% CPU), says so once, and
// serves again when descriptors are free.
TEST(ApiAuth, TheApiAcceptLoopBacksOffWhenOutOfDescriptors) {
  auto node = StreamNode::start(tests::test_identity(95), StreamNode::Options{});
  ASSERT_TRUE(node.is_ok());
  std::mutex mutex;
  std::vector<std::string> logged;
  ApiServer::Options o;
  o.token = std::string(64, 'e');
  o.log = [&](const std::string& line) {
    std::lock_guard lock(mutex);
    logged.push_back(line);
  };
  auto api = ApiServer::start(**node, o);
  ASSERT_TRUE(api.is_ok());
  uint16_t port = (*api)->port();
  asio::io_context io;
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.push_back(std::make_unique<asio::ip::tcp::socket>(io));
    waiting.back()->open(asio::ip::tcp::v4());
  }
  auto cpu_us = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000L + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
  };
  long cpu_spent = 0;
  {
    tests::NoFreeDescriptors exhausted;
    ASSERT_TRUE(exhausted.ok());
    for (auto& s : waiting) s->connect({asio::ip::make_address("127.0.0.1"), port});
    long cpu_before = cpu_us();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    cpu_spent = cpu_us() - cpu_before;
  }
  {
    std::lock_guard lock(mutex);
    ASSERT_FALSE(logged.empty()) << "the accept failures were not reported";
    EXPECT_NE(logged.front().find("accepting connections failed"), std::string::npos) << logged.front();
    EXPECT_LE(logged.size(), 2u) << "one line a burst";
  }
  EXPECT_LT(cpu_spent, 150000) << "the accept loop spun: " << cpu_spent << " us of CPU in 500 ms";
  waiting.clear();
  EXPECT_EQ(raw(port, get(port, host(port) + bearer(o.token))).first, 200);
}

}  // namespace

namespace {

// A WebSocket subscriber that upgrades and then never reads: its queue is bounded in bytes, not
// messages, and past the bound it is cut off, so it holds neither memory nor the writer.
TEST(ApiAuth, ASubscriberThatNeverReadsIsCutOff) {
  auto node = StreamNode::start(tests::test_identity(96), StreamNode::Options{});
  ASSERT_TRUE(node.is_ok());
  ApiServer::Options o;
  o.token = std::string(64, 'f');
  o.max_queued_bytes_per_subscriber = 1u << 20;
  auto api = ApiServer::start(**node, o);
  ASSERT_TRUE(api.is_ok());
  uint16_t port = (*api)->port();
  StreamMetadata m;
  m.id = "flood";
  ASSERT_TRUE((*node)->create_stream(m).is_ok());
  asio::io_context io;
  asio::ip::tcp::socket stalled(io);
  stalled.connect({asio::ip::make_address("127.0.0.1"), port});
  std::string upgrade = "GET /api/v1/streams/flood/subscribe HTTP/1.1\r\n" + host(port) + bearer(o.token) +
                        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n";
  asio::write(stalled, asio::buffer(upgrade));
  char head[512];
  size_t n = stalled.read_some(asio::buffer(head));
  ASSERT_NE(std::string(head, n).find("101"), std::string::npos) << std::string(head, n);
  // 48 MiB of messages at a subscriber that reads nothing.
  std::vector<uint8_t> payload(512 * 1024, 'x');
  for (int i = 0; i < 96; ++i) ASSERT_TRUE((*node)->publish("flood", 0, "text/plain", payload).is_ok());
  // Cut off: reading what reached it ends in EOF or a reset, not a wait for ever.
  stalled.non_blocking(false);
  boost::system::error_code ec;
  size_t received = 0;
  std::vector<char> sink(1 << 20);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!ec && std::chrono::steady_clock::now() < deadline) received += stalled.read_some(asio::buffer(sink), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(received, size_t(40) << 20) << "the bound did not hold";
  // And the API serves on.
  EXPECT_EQ(raw(port, get(port, host(port) + bearer(o.token))).first, 200);
}

// Handlers run on worker threads: one that takes its time (a scene loaded at submit) holds up
// neither other requests nor the connections.
TEST(ApiAuth, ASlowHandlerHoldsUpNoOneElse) {
  auto node = StreamNode::start(tests::test_identity(97), StreamNode::Options{});
  ASSERT_TRUE(node.is_ok());
  ApiServer::Options o;
  o.token = std::string(64, '9');
  o.routes = [](const ApiRequest& r) -> std::optional<ApiReply> {
    if (r.path.empty() || r.path[0] != "slow") return std::nullopt;
    std::this_thread::sleep_for(std::chrono::seconds(3));
    return ApiReply{200, "application/json", "{}"};
  };
  auto api = ApiServer::start(**node, o);
  ASSERT_TRUE(api.is_ok());
  uint16_t port = (*api)->port();
  std::thread slow([&] { raw(port, get(port, host(port) + bearer(o.token), "/api/v1/slow")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(raw(port, get(port, host(port) + bearer(o.token))).first, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  slow.join();
}

}  // namespace

namespace {

// Idle connections cannot take every descriptor: past max_connections new ones are closed at
// once; a header that does not come in header_timeout ends its connection.
TEST(ApiAuth, ConnectionsAreCappedAndIdleOnesTimeOut) {
  auto node = StreamNode::start(tests::test_identity(98), StreamNode::Options{});
  ASSERT_TRUE(node.is_ok());
  ApiServer::Options o;
  o.token = std::string(64, 'c');
  o.max_connections = 8;
  o.header_timeout = std::chrono::seconds(1);
  auto api = ApiServer::start(**node, o);
  ASSERT_TRUE(api.is_ok());
  uint16_t port = (*api)->port();
  asio::io_context io;
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(std::make_unique<asio::ip::tcp::socket>(io));
    idle.back()->connect({asio::ip::make_address("127.0.0.1"), port});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto [refused, text] = raw(port, get(port, host(port) + bearer(o.token)));
  EXPECT_EQ(refused, 0) << "a ninth connection was served: " << text;
  // The idle ones are closed for their silence, and then the API serves again.
  char c;
  boost::system::error_code ec;
  auto start = std::chrono::steady_clock::now();
  idle.front()->read_some(asio::buffer(&c, 1), ec);
  EXPECT_TRUE(ec) << "an idle connection stayed open";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(tests::eventually([&] { return raw(port, get(port, host(port) + bearer(o.token))).first == 200; }, 5000));
}

}  // namespace
