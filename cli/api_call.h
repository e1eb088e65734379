// Calls to a node's HTTP API from the command line.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "host/status.h"
#include "network/api_client.h"

namespace strata::cli {

// Sends one request to the node at `api` (HOST:PORT); the parsed body of a 2xx answer, or an
// error carrying the node's reason and the HTTP status (kUnavailable for 503).
Result<nlohmann::json> api_call(const std::string& api, const std::string& method, const std::string& target,
                                const std::string& body = "");
inline Result<nlohmann::json> api_call(const std::string& api, const std::string& method, const std::string& target,
                                       const nlohmann::json& body) {
  return api_call(api, method, target, body.is_null() ? std::string() : body.dump());
}

}  // namespace strata::cli
