// Review: the Ed25519 kernel's reduction of h mod L and its scalar checks against libsodium's
// crypto_core_ed25519_scalar_reduce, on random 64-byte inputs and the edges (all 0xff, all 0,
// multiples of L and their neighbours), the kernel source compiled as host C++ as on the cpu
// backend.
#include <gtest/gtest.h>

#include <sodium.h>

#include <array>
#include <cstring>
#include <random>

#include "cpu/compat.h"
#include "proof/ed25519.h"

namespace {

std::string hex(const std::array<uint8_t, 64>& x) {
  char out[129];
  sodium_bin2hex(out, sizeof out, x.data(), x.size());
  return out;
}

std::array<uint8_t, 32> kernel_reduce(const std::array<uint8_t, 64>& h) {
  u32 words[16], out[8];
  std::memcpy(words, h.data(), 64);  // little-endian host
  scalar_reduce(out, words);
  std::array<uint8_t, 32> r;
  std::memcpy(r.data(), out, 32);
  return r;
}

TEST(Ed25519Scalar, ReduceMatchesLibsodium) {
  ASSERT_GE(sodium_init(), 0);
  std::mt19937_64 rng(7);
  std::vector<std::array<uint8_t, 64>> inputs;
  inputs.push_back({});
  std::array<uint8_t, 64> ff;
  ff.fill(0xff);
  inputs.push_back(ff);
  for (int top = 0; top < 64; ++top) {  // a single byte set anywhere, 0x80 and 0xff
    for (uint8_t v : {uint8_t(1), uint8_t(0x80), uint8_t(0xff)}) {
      std::array<uint8_t, 64> x{};
      x[top] = v;
      inputs.push_back(x);
    }
  }
  // k L + d for small k and d in -2..2 (L and multiples that reach all 512 bits).
  const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                         0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
  for (int k = 1; k < 300; ++k) {
    std::array<uint8_t, 64> x{};
    unsigned carry = 0;
    for (int i = 0; i < 64; ++i) {
      unsigned v = (i < 32 ? L[i] * k : 0) + carry;
      x[i] = uint8_t(v);
      carry = v >> 8;
    }
    inputs.push_back(x);
    std::array<uint8_t, 64> y = x;
    for (int i = 0; i < 64 && y[i]-- == 0; ++i) {}  // minus one
    inputs.push_back(y);
  }
  for (int i = 0; i < 200000; ++i) {
    std::array<uint8_t, 64> x;
    for (int w = 0; w < 8; ++w) {
      uint64_t v = rng();
      std::memcpy(x.data() + 8 * w, &v, 8);
    }
    if (i % 4 == 2) for (int b = 32; b < 64; ++b) x[b] = 0xff;
    if (i % 4 == 3) for (int b = 0; b < 32; ++b) x[b] = 0xff;
    inputs.push_back(x);
  }
  for (const auto& x : inputs) {
    std::array<uint8_t, 64> copy = x;
    std::array<uint8_t, 32> expected;
    crypto_core_ed25519_scalar_reduce(expected.data(), copy.data());
    ASSERT_EQ(kernel_reduce(x), expected) << hex(x);
  }
}

}  // namespace
