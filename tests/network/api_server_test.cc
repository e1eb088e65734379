// The node's HTTP and WebSocket API, in process against real nodes on loopback: streams are
// created, published to, replayed and subscribed to as JSON, and every kind of bad request gets
// a 4xx answer that names the problem while the server keeps serving.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

#include "network/api_client.h"
#include "network/api_request.h"
#include "network/api_server.h"
#include "network/stream/stream_node.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;
using json = nlohmann::json;

const std::string kToken(64, '7');

struct ApiNode {
  std::unique_ptr<StreamNode> node;
  std::unique_ptr<ApiServer> api;
  ApiAddress address;
};

ApiNode start_api_node(uint8_t seed, bool storage) {
  ApiNode n;
  StreamNode::Options o;
  if (storage) o.storage_dir = tests::scratch_dir() + "/api-store-" + std::to_string(seed);
  auto node = StreamNode::start(tests::test_identity(seed), o);
  EXPECT_TRUE(node.is_ok()) << node.status().to_string();
  n.node = std::move(node.value());
  ApiServer::Options options;
  options.token = kToken;
  auto api = ApiServer::start(*n.node, options);
  EXPECT_TRUE(api.is_ok()) << api.status().to_string();
  n.api = std::move(api.value());
  n.address = {{"127.0.0.1", n.api->port()}, kToken};
  return n;
}

// The answer's status and parsed body.
std::pair<int, json> call(const ApiNode& n, const std::string& method, const std::string& target,
                          const std::string& body = "") {
  auto r = http_request(n.address, method, target, body);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  if (!r.is_ok()) return {0, json()};
  return {r->status, json::parse(r->body, nullptr, false)};
}

void expect_error(const std::pair<int, json>& answer, int status, const std::string& needle) {
  EXPECT_EQ(answer.first, status) << answer.second.dump();
  ASSERT_TRUE(answer.second.is_object() && answer.second.contains("error")) << answer.second.dump();
  EXPECT_NE(answer.second["error"].get<std::string>().find(needle), std::string::npos) << answer.second.dump();
}

const std::string kPath = "/api/v1/streams/" + percent_encode("sensor/7");

TEST(ApiServer, CreatePublishResendAndNodeInfo) {
  ApiNode n = start_api_node(41, true);
  auto created = call(n, "POST", "/api/v1/streams", R"({"id": "sensor/7", "partitions": 2, "public": true})");
  ASSERT_EQ(created.first, 201) << created.second.dump();
  EXPECT_EQ(created.second["owner"], to_hex(tests::test_identity(41).node_id()));
  EXPECT_EQ(created.second["partitions"], 2);
  expect_error(call(n, "POST", "/api/v1/streams", R"({"id": "sensor/7"})"), 409, "already exists");
  auto got = call(n, "GET", kPath);
  EXPECT_EQ(got.first, 200);
  EXPECT_EQ(got.second["id"], "sensor/7");

  // Three payload kinds; each comes back as it went in.
  auto a = call(n, "POST", kPath + "/publish", R"({"content": {"t": 21.5, "ok": true}})");
  auto b = call(n, "POST", kPath + "/publish", R"({"text": "plain words"})");
  auto c = call(n, "POST", kPath + "/publish", R"({"payload_base64": "AAEC/w==", "partition": 1})");
  ASSERT_EQ(a.first, 200) << a.second.dump();
  ASSERT_EQ(b.first, 200) << b.second.dump();
  ASSERT_EQ(c.first, 200) << c.second.dump();
  EXPECT_EQ(a.second["content"], json::parse(R"({"t": 21.5, "ok": true})"));
  EXPECT_EQ(b.second["text"], "plain words");
  EXPECT_EQ(b.second["prev"]["timestamp"], a.second["timestamp"]);
  EXPECT_EQ(c.second["payload_base64"], "AAEC/w==");
  EXPECT_EQ(c.second["partition"], 1);

  auto last = call(n, "GET", kPath + "/resend?partition=0&last=5");
  ASSERT_EQ(last.first, 200) << last.second.dump();
  ASSERT_EQ(last.second.size(), 2u);
  EXPECT_EQ(last.second[0]["signature"], a.second["signature"]);
  EXPECT_EQ(last.second[1]["signature"], b.second["signature"]);
  uint64_t t_b = b.second["timestamp"];
  auto from = call(n, "GET", kPath + "/resend?from=" + std::to_string(t_b));
  ASSERT_EQ(from.first, 200);
  EXPECT_EQ(from.second.back()["text"], "plain words");
  auto before = call(n, "GET", kPath + "/resend?from=0&to=" + std::to_string(t_b - 1));
  ASSERT_EQ(before.first, 200);
  for (const json& m : before.second) EXPECT_LT(m["timestamp"].get<uint64_t>(), t_b);
  auto one = call(n, "GET", kPath + "/resend?partition=1&last=1");
  ASSERT_EQ(one.second.size(), 1u);
  EXPECT_EQ(one.second[0]["payload_base64"], "AAEC/w==");

  auto info = call(n, "GET", "/api/v1/node");
  ASSERT_EQ(info.first, 200);
  EXPECT_EQ(info.second["id"], to_hex(tests::test_identity(41).node_id()));
  EXPECT_EQ(info.second["streams"], json::array({"sensor/7"}));
  EXPECT_TRUE(info.second["storage"].get<bool>());

  // Permissions: only ids, and only by the owner (this node).
  std::string reader = to_hex(tests::test_identity(42).node_id());
  auto changed = call(n, "PUT", kPath + "/permissions", R"({"subscribers": [")" + reader + R"("]})");
  ASSERT_EQ(changed.first, 200) << changed.second.dump();
  EXPECT_EQ(changed.second["subscribers"], json::array({reader}));
  EXPECT_FALSE(changed.second["public"].get<bool>());
  EXPECT_GT(changed.second["version"].get<uint64_t>(), created.second["version"].get<uint64_t>());
}

TEST(ApiServer, BadRequestsAreNamedAndTheServerKeepsServing) {
  ApiNode n = start_api_node(43, false);
  ASSERT_EQ(call(n, "POST", "/api/v1/streams", R"({"id": "sensor/7"})").first, 201);
  expect_error(call(n, "POST", "/api/v1/streams", "{not json"), 400, "not valid JSON");
  expect_error(call(n, "POST", "/api/v1/streams", R"(["id"])"), 400, "JSON object");
  expect_error(call(n, "POST", "/api/v1/streams", R"({"partitions": 2})"), 400, "\"id\"");
  expect_error(call(n, "POST", "/api/v1/streams", R"({"id": "x", "partitions": 0})"), 400, "partitions");
  expect_error(call(n, "POST", "/api/v1/streams", R"({"id": "x", "partitions": 99999})"), 400, "partitions");
  expect_error(call(n, "POST", "/api/v1/streams", R"({"id": "x", "publishers": ["abc"]})"), 400, "64 hexadecimal");
  expect_error(call(n, "POST", "/api/v1/streams", R"({"id": "x", "public": "yes"})"), 400, "\"public\"");
  expect_error(call(n, "POST", "/api/v1/streams", R"({"id": ""})"), 400, "stream id");
  expect_error(call(n, "GET", "/api/v1/streams/nothing"), 404, "does not exist");
  // Numbers out of range are a 400 that names them, not a truncation or a closed connection.
  expect_error(call(n, "POST", kPath + "/publish", R"({"partition": 4294967296, "text": "x"})"), 400, "\"partition\"");
  expect_error(call(n, "GET", kPath + "/resend?last=99999999999999999999"), 400, "'last'");
  expect_error(call(n, "GET", kPath + "/resend?from=99999999999999999999"), 400, "'from'");
  expect_error(call(n, "GET", "/nowhere"), 404, "no such endpoint");
  expect_error(call(n, "GET", "/api/v1/streams/a%zzb"), 400, "percent-encoding");
  expect_error(call(n, "DELETE", "/api/v1/node"), 405, "not allowed");
  expect_error(call(n, "GET", kPath + "/publish"), 405, "not allowed");
  expect_error(call(n, "POST", kPath + "/publish", R"({"text": "a", "content": 1})"), 400, "exactly one");
  expect_error(call(n, "POST", kPath + "/publish", R"({"text": 5})"), 400, "\"text\" must be a string");
  expect_error(call(n, "POST", kPath + "/publish", R"({"payload_base64": "!!"})"), 400, "base64");
  expect_error(call(n, "POST", kPath + "/publish", R"({"text": "a", "partition": -1})"), 400, "partition");
  expect_error(call(n, "POST", kPath + "/publish", R"({"text": "a", "partition": 3})"), 400, "partition 3 does not exist");
  expect_error(call(n, "POST", "/api/v1/streams/nothing/publish", R"({"text": "a"})"), 404, "does not exist");
  std::string huge(2u << 20, 'x');
  expect_error(call(n, "POST", kPath + "/publish", R"({"text": ")" + huge + R"("})"), 400, "1 MiB");
  expect_error(call(n, "GET", kPath + "/resend?last=3"), 503, "does not store");
  expect_error(call(n, "GET", kPath + "/resend?partition=x&last=3"), 400, "'partition'");
  expect_error(call(n, "GET", kPath + "/resend?last=1&from=2"), 400, "not both");
  expect_error(call(n, "GET", kPath + "/resend"), 400, "needs 'last=N'");
  expect_error(call(n, "GET", kPath + "/resend?from=10&to=5"), 400, "ends");
  expect_error(call(n, "GET", kPath + "/subscribe"), 426, "WebSocket");
  // A body over the server's limit is refused while being read.
  auto big = http_request(n.address, "POST", kPath + "/publish", std::string(5u << 20, ' '));
  ASSERT_TRUE(big.is_ok());
  EXPECT_EQ(big->status, 413);
  // And the server still answers.
  EXPECT_EQ(call(n, "POST", kPath + "/publish", R"({"text": "still here"})").first, 200);
  // Refused subscriptions are plain HTTP errors.
  Status refused = websocket_read(n.address, "/api/v1/streams/nothing/subscribe", [](const std::string&) { return true; });
  EXPECT_NE(refused.message().find("does not exist"), std::string::npos) << refused.message();
  refused = websocket_read(n.address, kPath + "/subscribe?last=2", [](const std::string&) { return true; });
  EXPECT_NE(refused.message().find("does not store"), std::string::npos) << refused.message();
}

// A WebSocket subscriber asks for the last two stored messages, then gets live ones, each once.
TEST(ApiServer, WebSocketSubscribeWithResendFirst) {
  ApiNode n = start_api_node(44, true);
  ASSERT_EQ(call(n, "POST", "/api/v1/streams", R"({"id": "sensor/7", "public": true})").first, 201);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(call(n, "POST", kPath + "/publish", json{{"content", i}}.dump()).first, 200);
  }
  std::vector<int> got;
  std::atomic<size_t> count{0};
  std::thread reader([&] {
    Status s = websocket_read(
        n.address, kPath + "/subscribe?last=2",
        [&](const std::string& text) {
          got.push_back(json::parse(text)["content"].get<int>());
          return ++count < 4;
        },
        std::chrono::seconds(10));
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  });
  // Live messages go out once the subscription is in place.
  ASSERT_TRUE(tests::eventually([&] { return count >= 2; }, 5000));
  for (int i = 3; i < 5; ++i) {
    ASSERT_EQ(call(n, "POST", kPath + "/publish", json{{"content", i}}.dump()).first, 200);
  }
  reader.join();
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3, 4}));
}

}  // namespace

namespace {

// A resend is read no further than its bound, in messages and in payload bytes: asking for more
// than 64 MiB of payloads is a 400 that says so (the store stops reading there), over HTTP and
// over the WebSocket, and a narrower query is answered.
TEST(ApiServer, AResendOverItsBoundIsRefusedByName) {
  ApiNode n = start_api_node(45, true);
  ASSERT_EQ(call(n, "POST", "/api/v1/streams", R"({"id": "sensor/7", "public": true})").first, 201);
  const size_t count = kMaxResendPayloadBytes / kMaxStreamPayload + 1;
  for (size_t i = 0; i < count; ++i) {
    StreamMessage m;
    m.stream_id = "sensor/7";
    m.chain_id = "big";
    m.ref = {1000 + i, 0};
    m.has_prev = i > 0;
    m.prev = {999 + i, 0};
    m.payload.assign(kMaxStreamPayload, uint8_t(i));
    ASSERT_TRUE(n.node->publish(m).is_ok());
  }
  expect_error(call(n, "GET", kPath + "/resend?from=0"), 400, "64 MiB of payloads; ask for a narrower one");
  auto narrow = call(n, "GET", kPath + "/resend?last=2");
  ASSERT_EQ(narrow.first, 200) << narrow.second.dump().substr(0, 200);
  Status s = websocket_read(
      n.address, kPath + "/subscribe?from=0", [&](const std::string&) { return true; }, std::chrono::seconds(10));
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("ask for a narrower one"), std::string::npos) << s.to_string();
}

}  // namespace
