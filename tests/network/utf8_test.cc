// Wire text: the validator agrees with UTF-8 written out from code points (RFC 3629) on every
// string of up to three bytes and on the four-byte edges; text of our own is made fit for the
// wire (ill-formed bytes replaced, long text cut at a character boundary) and then validates.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "network/utf8.h"

namespace {

using namespace strata::network;

// RFC 3629's table, from code point to bytes: the other direction from the validator.
std::string encode_code_point(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += char(cp);
  } else if (cp < 0x800) {
    s += char(0xc0 | (cp >> 6)), s += char(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    s += char(0xe0 | (cp >> 12)), s += char(0x80 | ((cp >> 6) & 0x3f)), s += char(0x80 | (cp & 0x3f));
  } else {
    s += char(0xf0 | (cp >> 18)), s += char(0x80 | ((cp >> 12) & 0x3f)), s += char(0x80 | ((cp >> 6) & 0x3f)),
        s += char(0x80 | (cp & 0x3f));
  }
  return s;
}

bool is_scalar_value(uint32_t cp) { return cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff); }

TEST(Utf8, AgreesWithEncodedCodePointsOnEveryShortString) {
  // One table per length, indexed by the bytes read big-endian: which are one character.
  std::vector<std::vector<bool>> character(4);
  character[1].assign(1u << 8, false), character[2].assign(1u << 16, false), character[3].assign(1u << 24, false);
  for (uint32_t cp = 0; cp < 0x10000; ++cp) {
    if (!is_scalar_value(cp)) continue;
    std::string s = encode_code_point(cp);
    uint32_t index = 0;
    for (char c : s) index = (index << 8) | uint8_t(c);
    character[s.size()][index] = true;
  }
  // A string is valid exactly when it splits into characters of the table.
  auto splits = [&](const std::string& s) {
    std::vector<bool> reach(s.size() + 1, false);
    reach[0] = true;
    for (size_t i = 0; i < s.size(); ++i) {
      if (!reach[i]) continue;
      uint32_t index = 0;
      for (size_t n = 1; n <= 3 && i + n <= s.size(); ++n) {
        index = (index << 8) | uint8_t(s[i + n - 1]);
        if (character[n][index]) reach[i + n] = true;
      }
    }
    return bool(reach[s.size()]);
  };
  size_t valid = 0;
  for (uint32_t v = 0; v < (1u << 24); ++v) {
    std::string s{char(v >> 16), char(v >> 8), char(v)};
    bool expected = splits(s);
    ASSERT_EQ(is_valid_utf8(s), expected) << std::hex << v;
    valid += expected;
    if (v < (1u << 16)) ASSERT_EQ(is_valid_utf8(s.substr(1)), splits(s.substr(1))) << std::hex << v;
  }
  EXPECT_GT(valid, 0u);
  for (int b = 0; b < 256; ++b) EXPECT_EQ(is_valid_utf8(std::string(1, char(b))), b < 0x80) << b;
}

TEST(Utf8, FourByteCharactersEndAtU10FFFF) {
  for (uint32_t cp : {0x10000u, 0x1f600u, 0xfffffu, 0x100000u, 0x10ffffu}) {
    std::string s = encode_code_point(cp);
    EXPECT_TRUE(is_valid_utf8(s)) << std::hex << cp;
    EXPECT_EQ(utf8_character_length(s), 4u);
    EXPECT_FALSE(is_valid_utf8(s.substr(0, 3))) << "cut short " << std::hex << cp;
  }
  EXPECT_FALSE(is_valid_utf8(encode_code_point(0x110000)));     // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));                // overlong U+FFFF
  EXPECT_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));            // five-byte form
  EXPECT_FALSE(is_valid_utf8(std::string("\xed\xa0\x80", 3)));    // a surrogate
}

TEST(Utf8, WireTextReplacesIllFormedBytes) {
  EXPECT_EQ(to_wire_text("plain text", 100), "plain text");
  EXPECT_EQ(to_wire_text(std::string("a\xff") + "b", 100), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(to_wire_text(std::string("\xe2\x82", 2), 100), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(to_wire_text("s\xc3\xa9nsor \xe2\x82\xac", 100), "s\xc3\xa9nsor \xe2\x82\xac");
}

TEST(Utf8, LongWireTextIsCutAtACharacterBoundary) {
  std::string five_thousand(5000, 'e');
  std::string cut = to_wire_text(five_thousand, 4096);
  EXPECT_EQ(cut, std::string(4093, 'e') + "...");
  EXPECT_EQ(to_wire_text(std::string(4096, 'e'), 4096), std::string(4096, 'e'));
  // Three-byte characters: 4093 is not a boundary (4092 is), so one more byte goes.
  std::string euros;
  for (int i = 0; i < 2000; ++i) euros += "\xe2\x82\xac";
  std::string cut_euros = to_wire_text(euros, 4096);
  EXPECT_EQ(cut_euros.size(), 4092u + 3);
  EXPECT_TRUE(is_valid_utf8(cut_euros));
  EXPECT_EQ(cut_euros.substr(4092), "...");
  EXPECT_EQ(to_wire_text("abcdef", 2), "ab");
}

TEST(Utf8, WireTextOfRandomBytesAlwaysValidates) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 300, '\0');
    for (char& c : s) c = char(rng() % 4 == 0 ? rng() % 128 : 0x80 + rng() % 128);
    size_t max = 3 + rng() % 200;
    std::string out = to_wire_text(s, max);
    ASSERT_TRUE(is_valid_utf8(out)) << round;
    ASSERT_LE(out.size(), max) << round;
    if (is_valid_utf8(s) && s.size() <= max) ASSERT_EQ(out, s);
  }
}

}  // namespace
