#include "host/analytics/events.h"

#include <cfenv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "host/json_depth.h"

namespace strata::analytics {

const char* malformed_name(Malformed reason) {
  switch (reason) {
    case Malformed::kNone: return "none";
    case Malformed::kNotJson: return "not_json";
    case Malformed::kNotObject: return "not_object";
    case Malformed::kNoTime: return "missing_time";
    case Malformed::kBadTime: return "bad_time";
    case Malformed::kNoKey: return "missing_key";
    case Malformed::kBadKey: return "bad_key";
    case Malformed::kNoValue: return "missing_value";
    case Malformed::kBadValue: return "bad_value";
    case Malformed::kValueRange: return "value_out_of_range";
  }
  return "unknown";
}

Malformed fixed_point_of(const nlohmann::json& number, int scale, int64_t& out) {
  __int128 power = 1;
  for (int i = 0; i < scale; ++i) power *= 10;
  if (number.is_number_integer()) {
    const __int128 v = number.is_number_unsigned() ? __int128(number.get<uint64_t>()) : __int128(number.get<int64_t>());
    const __int128 scaled = v * power;  // |v| < 2^64 and power <= 10^12: no overflow
    if (scaled > INT64_MAX || scaled < INT64_MIN) return Malformed::kValueRange;
    out = static_cast<int64_t>(scaled);
    return Malformed::kNone;
  }
  if (!number.is_number_float()) return Malformed::kBadValue;
  const long double v = static_cast<long double>(number.get<double>()) * static_cast<long double>(power);
  // 2^63 is exactly representable; anything at or past it (or not finite) does not fit.
  if (!std::isfinite(v) || v >= 9223372036854775808.0L || v < -9223372036854775808.0L) return Malformed::kValueRange;
  out = static_cast<int64_t>(std::nearbyint(v));  // the default rounding: to nearest, ties to even
  return Malformed::kNone;
}

Event parse_event(const nlohmann::json& json, const Query& query) {
  Event e;
  if (!json.is_object()) {
    e.malformed = Malformed::kNotObject;
    return e;
  }
  auto time = json.find(query.time_field);
  if (time == json.end()) {
    e.malformed = Malformed::kNoTime;
  } else if (!time->is_number_integer() || (time->is_number_unsigned() && time->get<uint64_t>() > uint64_t(kMaxEventTimeMs)) ||
             time->get<int64_t>() < 0 || time->get<int64_t>() > kMaxEventTimeMs) {
    e.malformed = Malformed::kBadTime;
  } else {
    e.has_time = true;
    e.time_ms = time->get<int64_t>();
  }
  if (e.malformed != Malformed::kNone) return e;
  auto key = json.find(query.key_field);
  if (key == json.end()) {
    e.malformed = Malformed::kNoKey;
    return e;
  }
  if (key->is_string()) {
    e.key = key->get<std::string>();
  } else if (key->is_number_integer()) {
    e.key = key->dump();
  } else {
    e.malformed = Malformed::kBadKey;
    return e;
  }
  if (e.key.size() > kMaxKeyBytes) {
    e.malformed = Malformed::kBadKey;
    return e;
  }
  auto value = json.find(query.value_field);
  if (value == json.end()) {
    e.malformed = Malformed::kNoValue;
    return e;
  }
  e.malformed = fixed_point_of(*value, query.scale, e.value);
  return e;
}

Event parse_event_text(std::string_view text, const Query& query) {
  Event e;
  // An event is a flat object; deep nesting is refused before a recursive parser sees it.
  if (text.size() > kMaxEventBytes || json_depth(text) > 32) {
    e.malformed = Malformed::kNotJson;
    return e;
  }
  // Strict JSON: no NaN or Infinity literals, no comments.
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    e.malformed = Malformed::kNotJson;
    return e;
  }
  return parse_event(json, query);
}

}  // namespace strata::analytics
