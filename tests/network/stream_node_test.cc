// The stream layer across three nodes on loopback (A - B - C): a message published at A reaches
// the subscriber at C once and in order through B, which stores it; messages from keys without
// permission or with forged signatures are refused at the first hop and go no further.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "network/stream_node.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;

Identity key(uint8_t n) { return tests::test_identity(n); }

template <typename Pred>
bool eventually(Pred pred) {
  return tests::eventually(pred, 3000);
}

const char kStream[] = "job/7/results";

// Message i of chain "main" on partition 0: timestamp 1000 + i, pointing back to message i - 1.
StreamMessage chain_message(int i) {
  StreamMessage m;
  m.stream_id = kStream;
  m.partition = 0;
  m.ref = {1000 + uint64_t(i), 0};
  m.chain_id = "main";
  m.has_prev = i > 0;
  m.prev = {999 + uint64_t(i), 0};
  m.payload = {static_cast<uint8_t>(i)};
  return m;
}

void register_stream(StreamRegistry& reg, const Identity& owner) {
  StreamMetadata meta;
  meta.id = kStream;
  meta.partitions = 2;
  meta.owner = owner.node_id();
  meta.public_subscribe = true;
  ASSERT_TRUE(reg.create(meta).is_ok());
}

std::unique_ptr<StreamNode> start(const Identity& id, StreamRegistry& reg, const std::string& storage = "") {
  StreamNode::Options o;
  o.storage_dir = storage;
  o.transport.peer_exchange = false;  // keep the line topology, so messages must be forwarded
  auto node = StreamNode::start(id, reg, o);
  EXPECT_TRUE(node.is_ok()) << node.status().to_string();
  return node.is_ok() ? std::move(node.value()) : nullptr;
}

TEST(StreamNode, PublishedMessagesReachSubscribersOnceAndInOrder) {
  Identity a_id = key(1), b_id = key(2), c_id = key(3);
  StreamRegistry ra, rb, rc;
  register_stream(ra, a_id);
  register_stream(rb, a_id);
  register_stream(rc, a_id);
  auto a = start(a_id, ra), b = start(b_id, rb, tests::scratch_dir() + "/b-store"), c = start(c_id, rc);
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(b->transport().connect("127.0.0.1", a->transport().port()).is_ok());
  ASSERT_TRUE(c->transport().connect("127.0.0.1", b->transport().port()).is_ok());

  std::mutex mutex;
  std::vector<MessageRef> got;
  ASSERT_TRUE(c->subscribe(kStream, 0, [&](const StreamMessage& m) {
                 std::lock_guard lock(mutex);
                 got.push_back(m.ref);
               }).is_ok());
  // C's interest travels to B, and B's to A.
  ASSERT_TRUE(eventually([&] { return a->peer_interest(kStream, 0) == 1 && b->peer_interest(kStream, 0) == 1; }));

  const int n = 20;
  for (int i = 0; i < n; ++i) ASSERT_TRUE(a->publish(chain_message(i)).is_ok());
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return got.size() >= n;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // no late duplicates either
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(got.size(), size_t(n));
    for (int i = 0; i < n; ++i) EXPECT_EQ(got[i].timestamp, 1000u + i);
  }
  // B stored what it forwarded.
  auto stored = b->store()->last(kStream, 0, 100);
  ASSERT_TRUE(stored.is_ok());
  EXPECT_EQ(stored->size(), size_t(n));

  // A key without permission publishing through B is refused at B; C sees nothing.
  Identity d_id = key(4);
  StreamRegistry rd;
  register_stream(rd, a_id);
  ASSERT_TRUE(rd.set_permissions(kStream, a_id.node_id(), {d_id.node_id()}, {}, true).is_ok());  // D believes it may
  auto d = start(d_id, rd);
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->transport().connect("127.0.0.1", b->transport().port()).is_ok());
  ASSERT_TRUE(eventually([&] { return d->peer_interest(kStream, 0) == 1; }));  // B forwards interest to D
  StreamMessage intruder;
  intruder.stream_id = kStream;
  intruder.ref = {5000, 0};
  intruder.chain_id = "evil";
  ASSERT_TRUE(d->publish(intruder).is_ok());  // D's own registry lets it
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : b->refused())
      if (r.find("may not publish") != std::string::npos) return true;
    return false;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard lock(mutex);
  EXPECT_EQ(got.size(), size_t(n));
}

TEST(StreamNode, LocalSubscriptionNeedsPermission) {
  Identity owner = key(5), other = key(6);
  StreamRegistry reg;
  StreamMetadata meta;
  meta.id = "private";
  meta.owner = owner.node_id();
  ASSERT_TRUE(reg.create(meta).is_ok());
  auto node = start(other, reg);
  ASSERT_TRUE(node);
  Status s = node->subscribe("private", 0, [](const StreamMessage&) {});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("may not subscribe"), std::string::npos);
  StreamMessage m;
  m.stream_id = "private";
  EXPECT_NE(node->publish(m).message().find("may not publish"), std::string::npos);
}

}  // namespace

namespace {

// Gaps are filled by resend: C subscribes after A (a storage node) has already published part
// of a chain; the first message C sees points back to ones it never got, C asks A for the range,
// and ends up with every message exactly once.
TEST(StreamNode, GapsAreFilledByResendFromStorage) {
  Identity a_id = key(11), c_id = key(13);
  StreamRegistry ra, rc;
  register_stream(ra, a_id);
  register_stream(rc, a_id);
  auto a = start(a_id, ra, tests::scratch_dir() + "/a-store"), c = start(c_id, rc);
  ASSERT_TRUE(a && c);
  auto publish = [&](int i) { ASSERT_TRUE(a->publish(chain_message(i)).is_ok()); };
  for (int i = 0; i < 5; ++i) publish(i);  // before C is there: only stored
  ASSERT_TRUE(c->transport().connect("127.0.0.1", a->transport().port()).is_ok());
  std::mutex mutex;
  std::vector<uint64_t> got;
  ASSERT_TRUE(c->subscribe(kStream, 0, [&](const StreamMessage& m) {
                 std::lock_guard lock(mutex);
                 got.push_back(m.ref.timestamp);
               }).is_ok());
  ASSERT_TRUE(eventually([&] { return a->peer_interest(kStream, 0) == 1; }));
  for (int i = 5; i < 10; ++i) publish(i);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return got.size() >= 10;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard lock(mutex);
  std::vector<uint64_t> sorted = got;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(sorted.size(), 10u) << "every message once";
  for (int i = 0; i < 10; ++i) EXPECT_EQ(sorted[i], 1000u + i);
}

}  // namespace
