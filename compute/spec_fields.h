// Reading the fields of a job spec (JSON) with a clear error for each that is missing or out of
// range, shared by the jobs API and the families.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "host/status.h"

namespace strata::compute {

// An unsigned integer field from 0 to `max`; `fallback` when absent, an error when absent without one.
inline Result<uint64_t> spec_number(const nlohmann::json& spec, const char* field, std::optional<uint64_t> fallback,
                                    uint64_t max) {
  if (!spec.contains(field)) {
    if (fallback) return *fallback;
    return invalid_argument(std::string("\"") + field + "\" is required");
  }
  if (!spec[field].is_number_unsigned() || spec[field].get<uint64_t>() > max) {
    return invalid_argument(std::string("\"") + field + "\" must be an integer from 0 to " + std::to_string(max));
  }
  return spec[field].get<uint64_t>();
}

// A string field, required.
inline Result<std::string> spec_string(const nlohmann::json& spec, const char* field, const char* what) {
  if (!spec.contains(field) || !spec[field].is_string()) {
    return invalid_argument(std::string("\"") + field + "\" (" + what + ") is required");
  }
  return spec[field].get<std::string>();
}

}  // namespace strata::compute
