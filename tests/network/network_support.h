// Helpers for the network tests.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>

#include <sys/resource.h>

#include "network/transport/identity.h"
#include "compute/render/messages.h"

namespace strata::tests {

// A deterministic identity: the key pair of the seed filled with `n`.
inline network::Identity test_identity(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed.fill(n);
  return network::Identity::from_seed(seed);
}

// A valid render task of one 8x8 tile and one sample: a frame a peer may send.
inline compute::RenderTask small_render_task(const std::string& job_id) {
  compute::RenderTask t;
  t.job_id = job_id;
  t.width = t.height = 8;
  t.tile = {0, 0, 8, 8};
  t.sample_count = 1;
  return t;
}

// Whether `pred` holds within `timeout_ms`, checking every 10 ms (network effects are async).
template <typename Pred>
bool eventually(Pred pred, int timeout_ms = 2000) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// While it lives, this process may open no more file descriptors than it has open now (its
// soft limit lowered to that count), as when a node has run out of them.
class NoFreeDescriptors {
 public:
  NoFreeDescriptors() {
    getrlimit(RLIMIT_NOFILE, &before_);
    size_t open = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) open += entry.path().empty() ? 0 : 1;
    rlimit none = before_;
    none.rlim_cur = open;
    ok_ = setrlimit(RLIMIT_NOFILE, &none) == 0;
  }
  ~NoFreeDescriptors() { setrlimit(RLIMIT_NOFILE, &before_); }
  bool ok() const { return ok_; }

 private:
  rlimit before_{};
  bool ok_ = false;
};

}  // namespace strata::tests
