// Items for the proof family from files: JSON lines, one record per line, or a binary file of
// fixed-size items (--raw SIZE). A record's fields are named by the caller: "data" is read from
// "data_hex" or "data_base64", any other name as hex under that key ({"public_key": ...}). A
// bad line is reported by its number and skipped; the others are still read. Everything is
// bounded before memory is spent: a field's size, a line's length, the number of records.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "host/status.h"
#include "host/text_codec.h"

namespace strata::proof {

inline constexpr size_t kMaxProofItemBytes = size_t(1) << 20;  // 1 MiB per field
inline constexpr size_t kMaxProofItems = size_t(1) << 24;

// A line left out, and why.
struct LineError {
  uint64_t line = 0;  // 1-based
  std::string why;
};

struct ItemsRead {
  size_t fields = 1;                               // per record
  std::vector<std::vector<uint8_t>> values;        // record r's field f at r * fields + f
  std::vector<uint64_t> lines;                     // per record: its line (1-based), or its index in a raw file
  std::vector<LineError> errors;                   // in file order
  size_t records() const { return lines.size(); }
};

Result<ItemsRead> read_json_lines(std::istream& in, const std::vector<std::string>& fields = {"data"},
                                  size_t max_records = kMaxProofItems, size_t max_field_bytes = kMaxProofItemBytes);
Result<ItemsRead> read_raw_items(const std::string& path, size_t item_size, size_t max_records = kMaxProofItems);

// The codecs the fields are read with (host/text_codec.h), where the proof family's callers
// look for them.
using strata::from_base64;
using strata::from_hex;
using strata::to_hex;

}  // namespace strata::proof
