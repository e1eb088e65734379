#include "host/text_codec.h"

#include <sodium.h>

namespace strata {

std::string to_hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) out[2 * i] = digits[bytes[i] >> 4], out[2 * i + 1] = digits[bytes[i] & 15];
  return out;
}

Result<std::vector<uint8_t>> from_hex(std::string_view text) {
  if (text.size() % 2) return invalid_argument("an odd number of hex digits");
  if (text.empty()) return std::vector<uint8_t>();  // libsodium takes no null buffer
  std::vector<uint8_t> out(text.size() / 2);
  size_t written = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), nullptr, &written, &end) != 0 ||
      written != out.size()) {
    size_t at = end ? static_cast<size_t>(end - text.data()) : written * 2;
    return invalid_argument("not hex at character " + std::to_string(at));
  }
  return out;
}

Result<std::vector<uint8_t>> from_base64(std::string_view text) {
  if (text.empty()) return std::vector<uint8_t>();
  std::vector<uint8_t> out(text.size() / 4 * 3 + 3);
  size_t written = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &written, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      (end && end != text.data() + text.size())) {
    return invalid_argument("not padded base64");
  }
  out.resize(written);
  return out;
}

}  // namespace strata
