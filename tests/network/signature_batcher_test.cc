// Peers' signatures checked in batches: every message is handed on once, in the order it came,
// with libsodium's verdict (forged, altered and valid ones mixed); a flood makes batches large
// enough for the device, a trickle goes one by one; stopping delivers what was queued.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "network/stream/signature_batcher.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;

StreamMessage signed_message(const Identity& id, uint64_t sequence, bool forge) {
  StreamMessage m;
  m.stream_id = "s";
  m.chain_id = "c";
  m.content_type = "text/plain";
  m.ref = {sequence, 0};
  m.payload = {static_cast<uint8_t>(sequence), 1, 2, 3};
  m.sign(id);
  if (forge) m.payload[0] ^= 0x80;  // altered after signing
  return m;
}

struct Delivered {
  std::mutex mutex;
  std::vector<std::pair<uint64_t, bool>> seen;  // sequence, verdict
  void add(const SignatureBatcher::Pending& p, bool valid) {
    std::lock_guard lock(mutex);
    seen.emplace_back(p.message.ref.timestamp, valid);
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return seen.size();
  }
};

class Batches : public ::testing::TestWithParam<std::string> {};

TEST_P(Batches, EveryMessageOnceInOrderWithLibsodiumsVerdict) {
  Delivered delivered;
  SignatureBatcher::Options o;
  o.device = GetParam();
  o.device_must_be_faster = false;  // the device's verdicts are what is tested here, not its speed
  auto batcher = std::make_unique<SignatureBatcher>(o, [&](const SignatureBatcher::Pending& p, bool valid) {
    delivered.add(p, valid);
  });
  Identity a = tests::test_identity(31), b = tests::test_identity(32);
  const size_t n = 3000;
  std::vector<bool> expected;
  std::vector<StreamMessage> flood;  // signed beforehand, so that they come faster than checked
  for (uint64_t i = 0; i < n; ++i) {
    bool forge = i % 7 == 3;
    StreamMessage m = signed_message(i % 2 ? a : b, i, forge);
    if (i % 11 == 5) m.publisher = (i % 2 ? b : a).public_key();  // someone else's key
    expected.push_back(m.signature_valid());
    flood.push_back(std::move(m));
  }
  // The first half's large batches go to libsodium while the device opens (its kernels compile on
  // a thread of their own, seconds on a cold cache); the second half's go to the device.
  for (size_t i = 0; i < n / 2; ++i) batcher->submit({std::move(flood[i]), std::nullopt, {}});
  ASSERT_TRUE(tests::eventually([&] { return delivered.size() == n / 2; }, 60000));
  ASSERT_TRUE(tests::eventually([&] { return batcher->has_device(); }, 120000)) << "the device never opened";
  for (size_t i = n / 2; i < n; ++i) batcher->submit({std::move(flood[i]), std::nullopt, {}});
  ASSERT_TRUE(tests::eventually([&] { return delivered.size() == n; }, 60000));
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(delivered.seen[i].first, i) << "out of order";
    ASSERT_EQ(delivered.seen[i].second, expected[i]) << "message " << i;
  }
  auto counts = batcher->counts();
  EXPECT_EQ(counts.messages, n);
  EXPECT_GT(counts.device_batches, 0u) << "a flood of 3000 never made a batch for the device";
  // A trickle: each alone, through libsodium.
  uint64_t sodium_before = counts.sodium_batches;
  for (uint64_t i = n; i < n + 5; ++i) {
    batcher->submit({signed_message(a, i, false), std::nullopt, {}});
    ASSERT_TRUE(tests::eventually([&] { return delivered.size() == i + 1; }, 5000));
  }
  EXPECT_EQ(batcher->counts().sodium_batches, sodium_before + 5);
  // What is queued at the end is still delivered.
  for (uint64_t i = n + 5; i < n + 505; ++i) batcher->submit({signed_message(b, i, false), std::nullopt, {}});
  batcher.reset();
  EXPECT_EQ(delivered.size(), n + 505);
}

INSTANTIATE_TEST_SUITE_P(Devices, Batches, ::testing::ValuesIn(tests::test_device_ids()));

// A device that cannot be opened: every batch goes to libsodium, verdicts the same.
TEST(SignatureBatcher, WithoutADeviceLibsodiumChecksEverything) {
  Delivered delivered;
  SignatureBatcher::Options o;
  o.device = "opencl:99";
  SignatureBatcher batcher(o, [&](const SignatureBatcher::Pending& p, bool valid) { delivered.add(p, valid); });
  Identity a = tests::test_identity(33);
  for (uint64_t i = 0; i < 500; ++i) batcher.submit({signed_message(a, i, i == 250), std::nullopt, {}});
  ASSERT_TRUE(tests::eventually([&] { return delivered.size() == 500; }, 30000));
  for (size_t i = 0; i < 500; ++i) ASSERT_EQ(delivered.seen[i].second, i != 250) << i;
  EXPECT_EQ(batcher.counts().device_batches, 0u);
  EXPECT_GT(batcher.counts().parallel_batches, 0u) << "no large batch went to libsodium on every core";
  EXPECT_FALSE(batcher.has_device());
}

// A batcher whose device is `open`, and a flood of `n` messages (every ninth forged) through it:
// the first half makes it open and time the device, the second comes once it has; every message
// is delivered with libsodium's verdict.
void flood_across_the_timing(std::function<Result<std::unique_ptr<Device>>()> open, uint64_t identity, size_t n,
                             SignatureBatcher::Counts& counts, bool& has_device) {
  Delivered delivered;
  SignatureBatcher::Options o;
  o.open = std::move(open);
  SignatureBatcher batcher(o, [&](const SignatureBatcher::Pending& p, bool valid) { delivered.add(p, valid); });
  Identity a = tests::test_identity(identity);
  std::vector<StreamMessage> flood;
  for (uint64_t i = 0; i < n; ++i) flood.push_back(signed_message(a, i, i % 9 == 4));
  for (size_t i = 0; i < n / 2; ++i) batcher.submit({std::move(flood[i]), std::nullopt, {}});
  ASSERT_TRUE(tests::eventually([&] { return batcher.counts().sodium_rate > 0; }, 60000)) << "never timed";
  for (size_t i = n / 2; i < n; ++i) batcher.submit({std::move(flood[i]), std::nullopt, {}});
  ASSERT_TRUE(tests::eventually([&] { return delivered.size() == n; }, 60000));
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(delivered.seen[i].second, i % 9 != 4) << i;
  counts = batcher.counts();
  has_device = batcher.has_device();
}

// A device slower than libsodium is timed when it opens and left out: large batches go to
// libsodium on every core, with the same verdicts, and none waits for the device.
TEST(SignatureBatcher, ADeviceSlowerThanLibsodiumTakesNoBatches) {
  SignatureBatcher::Counts counts;
  bool has_device = true;
  flood_across_the_timing(
      []() -> Result<std::unique_ptr<Device>> {  // its Ed25519 kernel takes half a second a launch
        return std::unique_ptr<Device>(new tests::HookedCpuDevice([](std::string_view kernel) {
          if (kernel == "proof_ed25519_verify") std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }));
      },
      35, 4000, counts, has_device);
  EXPECT_LT(counts.device_rate, counts.sodium_rate);
  EXPECT_GT(counts.device_rate, 0) << "the device's verdicts were not libsodium's";
  EXPECT_EQ(counts.device_batches, 0u);
  EXPECT_GT(counts.parallel_batches, 0u);
  EXPECT_FALSE(has_device);
}

// A device whose Ed25519 kernel does nothing (its verdicts whatever the buffer held), however
// fast, is not trusted: its verdicts on the timing's forged and valid claims are not libsodium's.
class IdleSignatureDevice final : public tests::WrappedDevice {
 public:
  Status launch(std::string_view kernel, LaunchRange range, std::span<const KernelArg> args) override {
    if (kernel == "proof_ed25519_verify") return Status::ok();
    return WrappedDevice::launch(kernel, range, args);
  }
};

TEST(SignatureBatcher, ADeviceWithWrongVerdictsIsNotTrusted) {
  SignatureBatcher::Counts counts;
  bool has_device = true;
  flood_across_the_timing([]() -> Result<std::unique_ptr<Device>> { return std::unique_ptr<Device>(new IdleSignatureDevice()); },
                          36, 3000, counts, has_device);
  EXPECT_EQ(counts.device_rate, 0) << "the device's verdicts passed for libsodium's";
  EXPECT_EQ(counts.device_batches, 0u);
  EXPECT_FALSE(has_device);
}

// A delivery that throws (a subscriber's bug) costs that message only: the worker goes on with
// the next ones, and says why.
TEST(SignatureBatcher, ADeliveryThatThrowsDoesNotStopTheWorker) {
  Delivered delivered;
  std::mutex mutex;
  std::vector<std::string> errors;
  SignatureBatcher::Options o;
  o.on_error = [&](const std::string& why) {
    std::lock_guard lock(mutex);
    errors.push_back(why);
  };
  SignatureBatcher batcher(o, [&](const SignatureBatcher::Pending& p, bool valid) {
    if (p.message.ref.timestamp == 3) throw std::runtime_error("listener bug");
    delivered.add(p, valid);
  });
  Identity a = tests::test_identity(34);
  for (uint64_t i = 0; i < 10; ++i) batcher.submit({signed_message(a, i, false), std::nullopt, {}});
  ASSERT_TRUE(tests::eventually([&] { return delivered.size() == 9; }, 10000));
  std::lock_guard lock(mutex);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("listener bug"), std::string::npos) << errors[0];
}

// A local publisher is refused, not made to wait, once the queue holds its share: even a delivery
// (on the worker, which alone makes room) that queues messages of its own finishes, and what was
// taken is still delivered in order.
TEST(SignatureBatcher, TrySubmitRefusesAtItsLimitInsteadOfWaiting) {
  Delivered delivered;
  SignatureBatcher::Options o;
  o.max_queued_bytes = 4096;
  Identity a = tests::test_identity(35);
  std::atomic<int> taken{0}, refused{0};
  SignatureBatcher* self = nullptr;
  SignatureBatcher batcher(o, [&](const SignatureBatcher::Pending& p, bool valid) {
    delivered.add(p, valid);
    if (p.message.ref.timestamp != 0) return;
    for (uint64_t i = 1; i <= 100; ++i) {
      if (self->try_submit({signed_message(a, i, false), std::nullopt, {}}, o.max_queued_bytes / 2)) {
        ++taken;
      } else {
        ++refused;
      }
    }
  });
  self = &batcher;
  ASSERT_TRUE(batcher.try_submit({signed_message(a, 0, false), std::nullopt, {}}, 1));  // an empty queue takes one
  ASSERT_TRUE(tests::eventually([&] { return refused.load() + taken.load() == 100; }, 10000)) << "the delivery waited";
  EXPECT_GT(taken.load(), 0);
  EXPECT_GT(refused.load(), 0) << "2 KiB held all 100 messages";
  EXPECT_LT(taken.load(), 2048 / 256 + 1);  // each weighs at least 256 bytes
  ASSERT_TRUE(tests::eventually([&] { return delivered.size() == 1u + taken.load(); }, 10000));
  for (size_t i = 0; i < delivered.size(); ++i) EXPECT_EQ(delivered.seen[i].first, i);
}

}  // namespace
