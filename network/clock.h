// Wall-clock time as the wire carries it: milliseconds since the Unix epoch (message timestamps,
// offer expiry, deadlines).
#pragma once

#include <chrono>
#include <cstdint>

namespace strata::network {

inline uint64_t now_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace strata::network
