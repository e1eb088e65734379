// Helpers for the network tests.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <thread>

#include "network/identity.h"

namespace strata::tests {

// A deterministic identity: the key pair of the seed filled with `n`.
inline network::Identity test_identity(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed.fill(n);
  return network::Identity::from_seed(seed);
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

}  // namespace strata::tests
