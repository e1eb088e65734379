#include "network/stream/signature_batcher.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

#include "host/proof/signatures.h"
#include "host/thread_pool.h"

namespace strata::network {
namespace {

size_t weight(const SignatureBatcher::Pending& p) { return p.bytes.size() + p.message.payload.size() + 256; }

// Each claim checked with libsodium, the claims spread over every core.
std::vector<bool> verify_with_sodium_on_all_cores(std::span<const proof::SignatureClaim> claims) {
  constexpr size_t kChunk = 16;
  std::vector<uint8_t> valid(claims.size());
  parallel_for((claims.size() + kChunk - 1) / kChunk, [&](size_t chunk) {
    for (size_t i = chunk * kChunk; i < std::min(claims.size(), (chunk + 1) * kChunk); ++i) {
      valid[i] = verify_signature(claims[i].public_key, claims[i].message, claims[i].signature);
    }
  });
  return {valid.begin(), valid.end()};
}

// A batch of claims (one key, 128-byte messages; every fourth forged: a bit of its message changed
// after signing) to time a way of checking them with.
class TimingClaims {
 public:
  TimingClaims() : messages_(kClaims, std::vector<uint8_t>(128)), claims_(kClaims), valid_(kClaims) {
    std::array<uint8_t, 32> seed{};
    seed[0] = 0x5b;
    Identity key = Identity::from_seed(seed);
    for (size_t i = 0; i < kClaims; ++i) {
      std::memcpy(messages_[i].data(), &i, sizeof i);
      claims_[i].public_key = key.public_key();
      claims_[i].signature = key.sign(messages_[i]);
      claims_[i].message = messages_[i];
      valid_[i] = i % 4 != 3;
      if (!valid_[i]) messages_[i][100] ^= 1;
    }
  }
  // Signatures per second of `verify`, whose verdicts must be libsodium's, the forgeries refused
  // (0 if they are not: a device that accepts forgeries is never trusted with a peer's).
  template <typename Verify>
  double rate(Verify verify) const {
    auto t0 = std::chrono::steady_clock::now();
    if (verify(std::span<const proof::SignatureClaim>(claims_)) != valid_) return 0;
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return kClaims / std::max(seconds, 1e-9);
  }

 private:
  static constexpr size_t kClaims = 1024;  // about 50 ms of both cores for libsodium
  std::vector<std::vector<uint8_t>> messages_;
  std::vector<proof::SignatureClaim> claims_;
  std::vector<bool> valid_;
};

}  // namespace

SignatureBatcher::SignatureBatcher(Options options, Deliver deliver)
    : options_(std::move(options)), deliver_(std::move(deliver)) {
  worker_ = std::thread([this] { run(); });
}

SignatureBatcher::~SignatureBatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  room_.notify_all();
  worker_.join();
  if (opener_.joinable()) opener_.join();
}

void SignatureBatcher::submit(Pending pending) {
  std::unique_lock lock(mutex_);
  size_t w = weight(pending);
  room_.wait(lock, [&] { return stopping_ || queue_.empty() || queued_bytes_ + w <= options_.max_queued_bytes; });
  if (stopping_) return;
  queued_bytes_ += w;
  queue_.push_back(std::move(pending));
  lock.unlock();
  ready_.notify_one();
}

bool SignatureBatcher::try_submit(Pending pending, size_t limit) {
  std::unique_lock lock(mutex_);
  size_t w = weight(pending);
  if (stopping_ || (!queue_.empty() && queued_bytes_ + w > std::min(limit, options_.max_queued_bytes))) return false;
  queued_bytes_ += w;
  queue_.push_back(std::move(pending));
  lock.unlock();
  ready_.notify_one();
  return true;
}

bool SignatureBatcher::has_device() const {
  std::lock_guard lock(opened_mutex_);
  return opening_done_ && device_usable_;
}

SignatureBatcher::Counts SignatureBatcher::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void SignatureBatcher::run() {
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and all delivered
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        queued_bytes_ -= weight(queue_.front());
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    room_.notify_all();
    std::vector<bool> verdicts;
    try {
      verdicts = check(batch);
    } catch (...) {  // (out of memory on the device's path): libsodium decides, one at a time
      verdicts.assign(batch.size(), false);
      for (size_t i = 0; i < batch.size(); ++i) verdicts[i] = batch[i].message.signature_valid();
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      // What a message's delivery throws (a listener's bug) must not end the worker, and with it
      // the process: it costs that message, as a throwing frame handler costs its peer.
      try {
        deliver_(batch[i], verdicts[i]);
      } catch (const std::exception& e) {
        if (options_.on_error) options_.on_error(std::string("delivering a message failed: ") + e.what());
      } catch (...) {
        if (options_.on_error) options_.on_error("delivering a message failed");
      }
    }
  }
}

// The first device of the options' that opens and passes its self-tests; null if none does.
std::unique_ptr<Device> SignatureBatcher::open_first_device() {
  if (options_.open) {
    auto device = options_.open();
    if (device.is_ok() && self_test(**device).is_ok()) return std::move(*device);
    return nullptr;
  }
  std::vector<std::string> specs = {options_.device};
  if (options_.device == "auto") specs = {"cuda", "opencl"};
  for (const std::string& spec : specs) {
    auto device = open_device(spec);
    if (device.is_ok() && self_test(**device).is_ok()) return std::move(*device);
  }
  return nullptr;
}

// The device, kept if it checks signatures faster than libsodium on every core (or need not);
// null otherwise. A device spec is timed once per process: its nodes (in tests and benchmarks)
// share the machine, and timing it for each would only slow them all.
std::unique_ptr<Device> SignatureBatcher::open_best_device() {
  if (!options_.device_must_be_faster) return open_first_device();
  // Never destroyed: an opener may still be timing while the process exits.
  static auto* timing_mutex = new std::mutex;  // held while one batcher times; the others wait, then reuse it
  static auto* timings = new std::map<std::string, Timing>;
  const bool shared = !options_.open;
  auto stopping = [&] {
    std::lock_guard lock(mutex_);
    return stopping_;
  };
  std::lock_guard timing_lock(*timing_mutex);
  if (stopping()) return nullptr;  // a node shutting down opens nothing more
  if (auto known = timings->find(options_.device); shared && known != timings->end()) {
    record_timing(known->second);
    return known->second.device_wins() ? open_first_device() : nullptr;
  }
  std::unique_ptr<Device> chosen = open_first_device();
  if (!chosen || stopping()) return nullptr;  // nor waits for the timing
  // Turn about, three times each, the best of each kept: on a machine the node shares, one run
  // of either may be slowed by the rest; and the device must win by a fifth to be used.
  auto on_device = [&](std::span<const proof::SignatureClaim> claims) {
    auto verdicts = proof::verify_ed25519(*chosen, claims);
    return verdicts.is_ok() ? *verdicts : std::vector<bool>();
  };
  const TimingClaims claims;
  Timing timing;
  bool trusted = true;  // until one run's verdicts are not libsodium's
  for (int turn = 0; turn < 3 && !stopping(); ++turn) {
    const double device_rate = claims.rate(on_device);
    trusted = trusted && device_rate > 0;
    timing.device = trusted ? std::max(timing.device, device_rate) : 0;
    timing.sodium = std::max(timing.sodium, claims.rate(verify_with_sodium_on_all_cores));
  }
  if (stopping()) return nullptr;
  if (shared && timing.device > 0) (*timings)[options_.device] = timing;  // a failure may pass
  record_timing(timing);
  if (!timing.device_wins()) chosen.reset();
  return chosen;
}

void SignatureBatcher::record_timing(const Timing& timing) {
  std::lock_guard lock(mutex_);
  counts_.device_rate = timing.device;
  counts_.sodium_rate = timing.sodium;
}

void SignatureBatcher::open_device_in_background() {
  opener_ = std::thread([this] {
    std::unique_ptr<Device> chosen;
    try {
      chosen = open_best_device();
    } catch (const std::exception& e) {  // (out of memory, no thread to start): libsodium checks
      if (options_.on_error) options_.on_error(std::string("opening the signature device failed: ") + e.what());
    } catch (...) {
      if (options_.on_error) options_.on_error("opening the signature device failed");
    }
    std::lock_guard lock(opened_mutex_);
    device_usable_ = chosen != nullptr;
    opened_ = std::move(chosen);
    opening_done_ = true;
  });
}

// The device, once the opener has finished with one; null before, and when none could be opened.
Device* SignatureBatcher::ready_device() {
  if (!device_) {
    std::lock_guard lock(opened_mutex_);
    if (opening_done_ && opened_) device_ = std::move(opened_);
  }
  return device_.get();
}

std::vector<bool> SignatureBatcher::check(const std::vector<Pending>& batch) {
  // The signed bytes of each message, kept while the batch is checked.
  std::vector<std::vector<uint8_t>> signed_bytes;
  signed_bytes.reserve(batch.size());
  for (const Pending& p : batch) signed_bytes.push_back(p.message.signed_bytes());
  const bool large = batch.size() >= options_.device_batch;
  if (large && !device_tried_) {
    device_tried_ = true;
    open_device_in_background();
  }
  std::vector<proof::SignatureClaim> claims;
  if (large) {
    claims.resize(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      claims[i].public_key = batch[i].message.publisher;
      claims[i].signature = batch[i].message.signature;
      claims[i].message = signed_bytes[i];
    }
  }
  if (large && ready_device()) {
    auto verdicts = proof::verify_ed25519(*device_, claims);
    if (verdicts.is_ok()) {
      std::lock_guard lock(mutex_);
      ++counts_.device_batches;
      counts_.messages += batch.size();
      return *verdicts;
    }
    device_.reset();  // a device that fails is not asked again; libsodium checks from now on
    std::lock_guard lock(opened_mutex_);
    device_usable_ = false;
  }
  if (large) {
    std::vector<bool> verdicts = verify_with_sodium_on_all_cores(claims);
    std::lock_guard lock(mutex_);
    ++counts_.parallel_batches;
    counts_.messages += batch.size();
    return verdicts;
  }
  std::vector<bool> verdicts(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    verdicts[i] = verify_signature(batch[i].message.publisher, signed_bytes[i], batch[i].message.signature);
  }
  std::lock_guard lock(mutex_);
  ++counts_.sodium_batches;
  counts_.messages += batch.size();
  return verdicts;
}

}  // namespace strata::network
