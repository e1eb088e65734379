// The stream layer as separate node processes on loopback (A <- B <- C, joined by bootstrap and
// peer exchange), driven through the HTTP/WebSocket API and the strata stream commands: a
// message published at A reaches subscribers at B and C once and in order; B killed with
// SIGKILL and restarted still has every stored message, and fills in what it missed while down
// from A's store; a forged signature, a replayed
// message, a key without permission and a malformed frame, sent by a rogue peer, are each
// rejected while the nodes keep serving.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "network/api_client.h"
#include "network/api_token.h"
#include "network/transport/frame.h"
#include "network/stream/stream_message.h"
#include "network/transport/transport.h"
#include "tests/cli/strata_process.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;
using json = nlohmann::json;
using tests::NodeProcess;

const char kStream[] = "render/job-1/tiles";

struct ClusterNode {
  std::unique_ptr<NodeProcess> process;
  std::string id;
  uint16_t transport_port = 0;
  ApiAddress api;
  std::string token_file;
};

// Starts `strata node` and reads its id, transport port and API port from what it prints.
ClusterNode start_node(const std::string& data, const std::string& bootstrap = "") {
  std::vector<std::string> args{"node", "--data", data, "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0"};
  if (!bootstrap.empty()) {
    args.push_back("--bootstrap");
    args.push_back(bootstrap);
  }
  ClusterNode n;
  n.process = std::make_unique<NodeProcess>(args);
  auto listening = n.process->wait_for("node ([0-9a-f]{64}) listening on 127\\.0\\.0\\.1:([0-9]+)");
  EXPECT_FALSE(listening.empty()) << "the node did not start";
  if (listening.empty()) return n;
  n.id = listening[1];
  n.transport_port = static_cast<uint16_t>(std::stoi(listening[2]));
  auto api = n.process->wait_for("API listening on http://127\\.0\\.0\\.1:([0-9]+)/");
  EXPECT_FALSE(api.empty()) << "the node did not print its API address";
  n.token_file = data + "/api.token";
  auto token = read_api_token(n.token_file);
  EXPECT_TRUE(token.is_ok()) << token.status().to_string();
  if (!api.empty() && token.is_ok()) n.api = {{"127.0.0.1", static_cast<uint16_t>(std::stoi(api[1]))}, *token};
  return n;
}

json get(const ClusterNode& n, const std::string& target) {
  auto r = http_request(n.api, "GET", target);
  if (!r.is_ok() || r->status != 200) return json();
  return json::parse(r->body, nullptr, false);
}

std::string stream_path() { return "/api/v1/streams/" + percent_encode(kStream); }

// Whether the node with id `peer` asked `n` for partition 0 of the stream.
bool interested(const ClusterNode& n, const std::string& peer) {
  json info = get(n, "/api/v1/node");
  if (!info.is_object()) return false;
  for (const json& s : info["subscriptions"])
    if (s["stream"] == kStream && s["partition"] == 0)
      for (const json& id : s["peer_ids"])
        if (id == peer) return true;
  return false;
}

bool node_info_mentions(const ClusterNode& n, const char* field, const std::string& needle) {
  json info = get(n, "/api/v1/node");
  if (!info.is_object()) return false;
  for (const json& line : info[field])
    if (line.get<std::string>().find(needle) != std::string::npos) return true;
  return false;
}

// Runs a strata command to its end and returns its output lines (exit code in `rc`).
std::vector<std::string> run_cli(std::vector<std::string> args, int& rc) {
  NodeProcess p(std::move(args));
  std::vector<std::string> lines;
  for (std::string line; !(line = p.next_line(15000)).empty();) lines.push_back(line);
  rc = p.wait_exit();
  return lines;
}

// The message a JSON line describes, rebuilt field by field (as a peer would have sent it).
StreamMessage from_json(const json& j) {
  StreamMessage m;
  m.stream_id = j["stream"];
  m.partition = j["partition"];
  m.ref = {j["timestamp"], j["sequence"]};
  m.chain_id = j["chain"];
  if (!j["prev"].is_null()) {
    m.has_prev = true;
    m.prev = {j["prev"]["timestamp"], j["prev"]["sequence"]};
  }
  m.content_type = j["content_type"];
  std::string text = j["content"].dump();
  m.payload.assign(text.begin(), text.end());
  auto hex = [](const std::string& h, uint8_t* out) {
    for (size_t i = 0; i < h.size() / 2; ++i) out[i] = static_cast<uint8_t>(std::stoi(h.substr(2 * i, 2), nullptr, 16));
  };
  hex(j["publisher_key"], m.publisher.data());
  hex(j["signature"], m.signature.data());
  return m;
}

// Collects the "content" numbers a WebSocket subscriber receives.
struct Subscriber {
  std::mutex mutex;
  std::vector<int> got;
  std::vector<json> messages;
  std::atomic<bool> stop{false};
  std::thread thread;

  void start(const ApiAddress& api) {
    thread = std::thread([this, api] {
      Status s = websocket_read(
          api, stream_path() + "/subscribe?partition=0",
          [this](const std::string& text) {
            json j = json::parse(text);
            std::lock_guard lock(mutex);
            got.push_back(j["content"]["i"].get<int>());
            messages.push_back(j);
            return true;
          },
          std::chrono::seconds(60), &stop);
      EXPECT_TRUE(s.is_ok()) << s.to_string();
    });
  }
  size_t count() {
    std::lock_guard lock(mutex);
    return got.size();
  }
  std::vector<int> snapshot() {
    std::lock_guard lock(mutex);
    return got;
  }
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
  ~Subscriber() { finish(); }
};

// How many WebSocket subscribers `n` has for partition 0 of the stream.
int local_subscribers(const ClusterNode& n) {
  json info = get(n, "/api/v1/node");
  if (!info.is_object()) return 0;
  for (const json& s : info["subscriptions"])
    if (s["stream"] == kStream && s["partition"] == 0) return s["local_subscribers"].get<int>();
  return 0;
}

std::vector<int> iota(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

TEST(StreamCluster, PublishSubscribeRestartAndRogues) {
  std::string base = tests::scratch_dir() + "/cluster";
  ClusterNode a = start_node(base + "/a");
  ASSERT_NE(a.transport_port, 0);
  ClusterNode b = start_node(base + "/b", "127.0.0.1:" + std::to_string(a.transport_port));
  ClusterNode c = start_node(base + "/c", "127.0.0.1:" + std::to_string(b.transport_port));
  ASSERT_NE(c.transport_port, 0);
  std::string a_api = "127.0.0.1:" + std::to_string(a.api.port);

  // Created at A with the command line; the metadata reaches B and C through the network.
  int rc = -1;
  auto created = run_cli({"stream", "--api", a_api, "--token-file", a.token_file, "create", kStream, "--partitions", "2", "--public"}, rc);
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(json::parse(created[0])["owner"], a.id);
  ASSERT_TRUE(tests::eventually([&] { return get(c, stream_path()).is_object() && get(b, stream_path()).is_object(); }, 10000));

  Subscriber at_b, at_c;
  at_b.start(b.api);
  at_c.start(c.api);
  // Both subscriptions are in place, and known upstream: A has B's interest, and C's reached A or B.
  ASSERT_TRUE(tests::eventually([&] {
    return local_subscribers(b) == 1 && local_subscribers(c) == 1 && interested(a, b.id) &&
           (interested(a, c.id) || interested(b, c.id));
  }, 10000));

  const int n = 100;
  for (int i = 0; i < n; ++i) {
    auto r = http_request(a.api, "POST", stream_path() + "/publish", json{{"content", {{"i", i}}}}.dump());
    ASSERT_TRUE(r.is_ok() && r->status == 200) << (r.is_ok() ? r->body : r.status().message());
  }
  ASSERT_TRUE(tests::eventually([&] { return at_b.count() >= n && at_c.count() >= n; }, 15000))
      << "B got " << at_b.count() << ", C got " << at_c.count();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // room for late duplicates
  EXPECT_EQ(at_b.snapshot(), iota(0, n)) << "B: every message once, in order";
  EXPECT_EQ(at_c.snapshot(), iota(0, n)) << "C: every message once, in order";

  // A rogue peer that speaks the protocol connects to A.
  Identity rogue_id = tests::test_identity(99);
  auto rogue = TransportNode::start(rogue_id, TransportNode::Options{});
  ASSERT_TRUE(rogue.is_ok());
  auto peer = (*rogue)->connect("127.0.0.1", a.transport_port);
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  StreamMessage original;
  {
    std::lock_guard lock(at_c.mutex);
    original = from_json(at_c.messages[5]);
  }
  ASSERT_TRUE(original.signature_valid()) << "the JSON carries everything the signature covers";
  // (1) a replay of message 5, exactly as A signed it: a duplicate, delivered to nobody again.
  ASSERT_TRUE((*rogue)->send(peer->id, FrameType::kPublish, encode(original)).is_ok());
  // (2) a forged message: A's key and signature, different content.
  StreamMessage forged = original;
  forged.ref = {original.ref.timestamp + 1000000, 0};
  forged.prev = {};
  forged.has_prev = false;
  forged.chain_id = "forged";
  ASSERT_TRUE((*rogue)->send(peer->id, FrameType::kPublish, encode(forged)).is_ok());
  // (3) a message signed by a key that may not publish to the stream.
  StreamMessage intruder = forged;
  intruder.chain_id = "intruder";
  intruder.sign(rogue_id);
  ASSERT_TRUE((*rogue)->send(peer->id, FrameType::kPublish, encode(intruder)).is_ok());
  EXPECT_TRUE(tests::eventually([&] { return node_info_mentions(a, "refused", "signature does not match"); }, 5000));
  EXPECT_TRUE(tests::eventually([&] { return node_info_mentions(a, "refused", "may not publish"); }, 5000));
  // (4) a malformed frame: A drops the rogue and says why.
  ASSERT_TRUE((*rogue)->send(peer->id, FrameType::kPublish, {1, 2, 3, 4, 5, 6, 7, 8, 9}).is_ok());
  EXPECT_TRUE(tests::eventually([&] { return node_info_mentions(a, "dropped_peers", "malformed"); }, 5000));

  // The nodes kept serving: the next message arrives, and nothing else did.
  auto r = http_request(a.api, "POST", stream_path() + "/publish", json{{"content", {{"i", n}}}}.dump());
  ASSERT_TRUE(r.is_ok() && r->status == 200);
  ASSERT_TRUE(tests::eventually([&] { return at_b.count() >= n + 1 && at_c.count() >= n + 1; }, 10000));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(at_b.snapshot(), iota(0, n + 1));
  EXPECT_EQ(at_c.snapshot(), iota(0, n + 1));
  at_b.finish();
  at_c.finish();

  // B dies without warning and comes back: every message it acknowledged is still there.
  b.process->kill9();
  ClusterNode b2 = start_node(base + "/b", "127.0.0.1:" + std::to_string(a.transport_port));
  EXPECT_EQ(b2.id, b.id);
  auto replay_at_b = [&] {
    auto stored = run_cli({"stream", "--api", "127.0.0.1:" + std::to_string(b2.api.port), "--token-file", b2.token_file, "resend", kStream, "--last", "1000"}, rc);
    std::vector<int> replayed;
    for (const std::string& line : stored) replayed.push_back(json::parse(line)["content"]["i"].get<int>());
    return replayed;
  };
  EXPECT_EQ(replay_at_b(), iota(0, n + 1));
  EXPECT_EQ(rc, 0);

  // What B missed while it was down comes back too: the next message from A reveals the gap,
  // and B fills it from A's store.
  b2.process->kill9();
  for (int i = n + 1; i < n + 11; ++i) {
    auto missed = http_request(a.api, "POST", stream_path() + "/publish", json{{"content", {{"i", i}}}}.dump());
    ASSERT_TRUE(missed.is_ok() && missed->status == 200);
  }
  b2 = start_node(base + "/b", "127.0.0.1:" + std::to_string(a.transport_port));
  ASSERT_TRUE(tests::eventually([&] { return interested(a, b2.id); }, 10000)) << "B asks A again after its restart";
  ASSERT_TRUE(tests::eventually([&] {
    auto next = http_request(a.api, "POST", stream_path() + "/publish", json{{"content", {{"i", n + 11}}}}.dump());
    return next.is_ok() && next->status == 200;
  }));
  EXPECT_TRUE(tests::eventually([&] { return replay_at_b() == iota(0, n + 12); }, 10000)) << "B has the whole chain";
  EXPECT_EQ(a.process->terminate(), 0);
  EXPECT_EQ(b2.process->terminate(), 0);
  EXPECT_EQ(c.process->terminate(), 0);
}

// The command line refuses what it cannot do and says why.
TEST(StreamCluster, CommandLineErrorsAreNamed) {
  ClusterNode a = start_node(tests::scratch_dir() + "/cli-a");
  std::string api = "127.0.0.1:" + std::to_string(a.api.port);
  int rc = 0;
  run_cli({"stream", "--api", api, "--token-file", a.token_file, "publish", "no-such-stream", "hello"}, rc);
  EXPECT_EQ(rc, 1);
  run_cli({"stream", "--api", api, "--token-file", a.token_file, "resend", "no-such-stream"}, rc);  // neither --last nor --from
  EXPECT_EQ(rc, 1);
  run_cli({"stream", "--api", "127.0.0.1:1", "--token-file", a.token_file, "list"}, rc);  // nobody listens there
  EXPECT_EQ(rc, 1);
  auto created = run_cli({"stream", "--api", api, "--token-file", a.token_file, "create", "s"}, rc);
  EXPECT_EQ(rc, 0);
  auto published = run_cli({"stream", "--api", api, "--token-file", a.token_file, "publish", "s", "--json", "{\"k\": [1, 2]}"}, rc);
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(json::parse(published[0])["content"], json::parse("{\"k\": [1, 2]}"));
  run_cli({"stream", "--api", api, "--token-file", a.token_file, "publish", "s", "--json", "{broken"}, rc);
  EXPECT_EQ(rc, 1);
  auto subscribed = run_cli({"stream", "--api", api, "--token-file", a.token_file, "subscribe", "s", "--last", "1", "--count", "1"}, rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(subscribed.size(), 1u);
  EXPECT_EQ(json::parse(subscribed[0])["content"], json::parse("{\"k\": [1, 2]}"));
  EXPECT_EQ(a.process->terminate(), 0);
}

}  // namespace
