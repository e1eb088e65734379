// Private to network/: the canonical byte encoding that signatures cover. Every field is written
// in a fixed order, integers as 8 little-endian bytes and byte strings with their length first,
// so no two different messages share an encoding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace strata::network::canonical {

inline void put_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put_bytes(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
  put_u64(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}
inline void put_string(std::vector<uint8_t>& out, const std::string& s) {
  put_bytes(out, std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

}  // namespace strata::network::canonical
