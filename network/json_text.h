// JSON text that never throws: a string that is not valid UTF-8 (which the wire decoders refuse,
// so none should get this far) comes out with U+FFFD in place of the bad bytes.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace strata::network {

inline std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace strata::network
