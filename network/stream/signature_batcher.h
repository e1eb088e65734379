// Signatures of messages from peers checked in batches, off the network thread: messages queue
// in arrival order; a worker takes everything queued at once, checks the signatures (a batch of
// a few with libsodium, a larger one on a device through the proof family's Ed25519 kernel, whose
// verdicts are libsodium's, or with libsodium on every core where that is faster), and hands each
// message on with its verdict, in order. Under load the batches grow by themselves (what arrives
// while one batch is checked is the next); a lone message waits for no other.
//
// The device is opened (and its kernels compiled, seconds on a cold PoCL cache) on a thread of its
// own when the first large batch arrives, and timed against libsodium on every core; it takes the
// large batches only if it is faster by a fifth (PoCL on AVX-512 is, on AVX2 it is not:
// bench/RESULTS.md). Until then libsodium checks, so no batch waits for a compiler.
//
// The queue is bounded: when it is full, the network thread waits for room, and TCP slows the
// peers down; a local publisher is refused instead, so that it can neither stall the network
// thread nor wait on the worker it would be waiting for.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "host/device.h"
#include "network/transport/identity.h"
#include "network/stream/stream_message.h"

namespace strata::network {

class SignatureBatcher {
 public:
  struct Pending {
    StreamMessage message;
    std::optional<NodeId> from;
    std::vector<uint8_t> bytes;  // the encoding as it came, to forward
  };
  // Called on the worker for each message, in the order they were submitted.
  using Deliver = std::function<void(const Pending& pending, bool signature_valid)>;

  struct Options {
    // Where large batches go: open_device's spec, or "auto": a CUDA device, else an OpenCL one
    // (a GPU, or PoCL on the CPU's vector units), if faster than libsodium on every core, which
    // takes them otherwise. The cpu backend is not tried by itself: on the machines measured it
    // checks slower than libsodium (bench/RESULTS.md).
    std::string device = "auto";
    // Instead of `device`: how to open one (tests give devices of their own).
    std::function<Result<std::unique_ptr<Device>>()> open;
    // Off: a device that opens takes the large batches without being timed against libsodium.
    bool device_must_be_faster = true;
    size_t device_batch = 32;           // batches smaller than this go to libsodium, on the worker
    size_t max_batch = 4096;            // messages checked at once
    size_t max_queued_bytes = 64 << 20;  // payloads and encodings waiting
    // Told when delivering a message threw (on the worker) or opening the device did (on its thread).
    std::function<void(const std::string&)> on_error;
  };

  SignatureBatcher(Options options, Deliver deliver);
  ~SignatureBatcher();  // checks and delivers what is queued, then stops

  // Queues a message (waits while the queue is full).
  void submit(Pending pending);
  // Queues a message if the queue holds no more than `limit` bytes with it (or is empty); never
  // waits, so it may be called from a delivery. False when refused.
  bool try_submit(Pending pending, size_t limit);

  struct Counts {
    uint64_t messages = 0;
    uint64_t device_batches = 0;
    uint64_t sodium_batches = 0;    // on the worker alone
    uint64_t parallel_batches = 0;  // libsodium on every core
    // Signatures per second measured when the device opened (0: not measured).
    double device_rate = 0, sodium_rate = 0;
  };
  Counts counts() const;
  // Whether large batches now go to a device: false before the first one came, while the device
  // is opened, and when none could be (or it failed).
  bool has_device() const;
  size_t max_queued_bytes() const { return options_.max_queued_bytes; }

 private:
  void run();
  std::vector<bool> check(const std::vector<Pending>& batch);

  Options options_;
  Deliver deliver_;
  struct Timing {
    double device = 0, sodium = 0;  // signatures per second
    bool device_wins() const { return device > 1.2 * sodium; }
  };
  void open_device_in_background();
  std::unique_ptr<Device> open_first_device();
  std::unique_ptr<Device> open_best_device();
  void record_timing(const Timing& timing);
  Device* ready_device();

  std::unique_ptr<Device> device_;  // the worker's, once the opener has one; null if it cannot be
  bool device_tried_ = false;
  mutable std::mutex opened_mutex_;
  std::unique_ptr<Device> opened_;  // the opener's result, until the worker takes it
  bool opening_done_ = false;
  bool device_usable_ = false;  // opened, and not failed since
  std::thread opener_;
  mutable std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<Pending> queue_;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  Counts counts_;
  std::thread worker_;
};

}  // namespace strata::network
