// Bytes as text and back: lower-case hex, and base64 (RFC 4648, padded), for logs, file names,
// JSON fields and the proof family's item files. Decoding names what is wrong.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/status.h"

namespace strata {

std::string to_hex(std::span<const uint8_t> bytes);
// An even number of hex digits, nothing else.
Result<std::vector<uint8_t>> from_hex(std::string_view text);
Result<std::vector<uint8_t>> from_base64(std::string_view text);

}  // namespace strata
