// Helpers for the network tests.
#pragma once

#include <array>
#include <cstdint>

#include "network/identity.h"

namespace strata::tests {

// A deterministic identity: the key pair of the seed filled with `n`.
inline network::Identity test_identity(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed.fill(n);
  return network::Identity::from_seed(seed);
}

}  // namespace strata::tests
