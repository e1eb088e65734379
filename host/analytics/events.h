// Events of an analytics query read from JSON (a line of a file, or a stream message's content):
// the event time, the group-by key and the value, or why the event is malformed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "host/analytics/query.h"

namespace strata::analytics {

// Why an event was not taken; each is counted and reported by name.
enum class Malformed : uint8_t {
  kNone = 0,
  kNotJson,      // "not_json": the text does not parse (or is longer than kMaxEventBytes, or nests deeper than 32)
  kNotObject,    // "not_object"
  kNoTime,       // "missing_time"
  kBadTime,      // "bad_time": not an integer of milliseconds from 0 to the year 9999
  kNoKey,        // "missing_key"
  kBadKey,       // "bad_key": not a string or an integer, or longer than kMaxKeyBytes
  kNoValue,      // "missing_value"
  kBadValue,     // "bad_value": not a number
  kValueRange,   // "value_out_of_range": not finite, or too large for 64 bits at the query's scale
};
inline constexpr int kMalformedKinds = 10;
const char* malformed_name(Malformed reason);

inline constexpr size_t kMaxEventBytes = 64 << 10;
inline constexpr size_t kMaxKeyBytes = 256;
inline constexpr int64_t kMaxEventTimeMs = 253402300799999;  // 9999-12-31T23:59:59.999Z

struct Event {
  Malformed malformed = Malformed::kNone;
  bool has_time = false;  // a malformed event may still have a good time
  int64_t time_ms = 0;
  std::string key;
  int64_t value = 0;      // in 10^-scale units
};

Event parse_event(const nlohmann::json& json, const Query& query);
Event parse_event_text(std::string_view text, const Query& query);

// A JSON number as an integer of 10^-scale units (rounded to nearest, ties to even), or the
// reason it is not one.
Malformed fixed_point_of(const nlohmann::json& number, int scale, int64_t& out);

}  // namespace strata::analytics
