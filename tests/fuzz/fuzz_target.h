// The fuzz targets' common part. A target is written once,
//
//   STRATA_FUZZ_TARGET(frame) { ... return 0; }   // `data` and `size` are the input
//
// and built two ways: with STRATA_FUZZ (clang, libFuzzer and sanitizers) it is the target's
// LLVMFuzzerTestOneInput, one executable per target; otherwise it is a function registered under
// its name in strata_fuzz_corpus, which runs every target over its seed corpus as a regression
// test (tests/fuzz/corpus_main.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "network/utf8.h"

namespace strata::fuzz {

using TargetFn = int (*)(const uint8_t* data, size_t size);
// For the regression runner; always true.
bool register_target(const char* name, TargetFn fn);

// A broken property (a round trip that does not hold, two checks that disagree): a finding like
// a crash, reported as one.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::fflush(stderr);
  std::abort();
}
inline void expect(bool holds, const char* what) {
  if (!holds) fail(what);
}

// Strings from the wire are valid UTF-8 once decoded (network/utf8.h).
inline void expect_utf8(std::string_view text, const char* what) { expect(network::is_valid_utf8(text), what); }

// The input after its first `skip` bytes, in its own allocation: aligned as every buffer a
// decoder gets is (FlatBuffers reads its scalars in place).
inline std::vector<uint8_t> rest(const uint8_t* data, size_t size, size_t skip = 1) {
  return size > skip ? std::vector<uint8_t>(data + skip, data + size) : std::vector<uint8_t>();
}

}  // namespace strata::fuzz

#if defined(STRATA_FUZZ_CORPUS)
#define STRATA_FUZZ_TARGET(name)                                                                  \
  static int strata_fuzz_##name(const uint8_t* data, size_t size);                                \
  [[maybe_unused]] static const bool strata_fuzz_registered_##name =                              \
      ::strata::fuzz::register_target(#name, &strata_fuzz_##name);                                \
  static int strata_fuzz_##name(const uint8_t* data, size_t size)
#else
#define STRATA_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
#endif
