// Strings from the wire (stream and chain ids, content types, names) must be valid UTF-8: JSON
// output and every consumer downstream depend on it, so decoders refuse anything else.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::network {

// Length of the well-formed UTF-8 character (RFC 3629: no overlong forms, no surrogates,
// nothing past U+10FFFF) at the start of text, or 0 where there is none.
inline size_t utf8_character_length(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  if (text.empty()) return 0;
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t extra;
  uint32_t min, cp;
  if ((c & 0xe0) == 0xc0) {
    extra = 1, min = 0x80, cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    extra = 2, min = 0x800, cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    extra = 3, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (text.size() <= extra) return 0;
  for (size_t i = 1; i <= extra; ++i) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return extra + 1;
}

inline bool is_valid_utf8(std::string_view text) {
  while (!text.empty()) {
    size_t n = utf8_character_length(text);
    if (n == 0) return false;
    text.remove_prefix(n);
  }
  return true;
}

// Text of our own (an error message that may quote a library's bytes) made fit for the wire:
// each ill-formed byte becomes U+FFFD, and text over max_bytes is cut at a character boundary
// and ends in "...", so a decoder that refuses bad or long text never refuses it.
inline std::string to_wire_text(std::string_view text, size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xef\xbf\xbd", kCut = "...";
  std::string out;
  while (!text.empty() && out.size() <= max_bytes) {
    size_t n = utf8_character_length(text);
    out += n ? text.substr(0, n) : kReplacement;
    text.remove_prefix(n ? n : 1);
  }
  if (out.size() <= max_bytes && text.empty()) return out;
  bool marked = max_bytes >= kCut.size();  // where the bound leaves room for the marker
  size_t cut = marked ? max_bytes - kCut.size() : max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;
  out.resize(cut);
  if (marked) out += kCut;
  return out;
}

}  // namespace strata::network
