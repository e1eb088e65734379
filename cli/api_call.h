// Calls to a node's HTTP API from the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "host/status.h"
#include "network/api_client.h"

namespace strata::cli {

// Where a command finds the node's API, HOST:PORT (--api, or STRATA_API), and the token to call
// it with: from --token-file PATH, else --data DIR (DIR/api.token), else STRATA_API_TOKEN, else
// the api.token of the node's default data directory (strata-node) if there is one.
struct ApiOptions {
  std::string api;
  std::string token_file;
  std::string data_dir;
};
// The options --api, --token-file and --data on `cmd`.
void add_api_options(CLI::App* cmd, ApiOptions& o);
Result<network::ApiAddress> api_address(const ApiOptions& o);

// Sends one request to the node; the parsed body of a 2xx answer, or an error carrying the
// node's reason and the HTTP status (kUnavailable for 503).
Result<nlohmann::json> api_call(const ApiOptions& o, const std::string& method, const std::string& target,
                                const std::string& body = "");
inline Result<nlohmann::json> api_call(const ApiOptions& o, const std::string& method, const std::string& target,
                                       const nlohmann::json& body) {
  return api_call(o, method, target, body.is_null() ? std::string() : body.dump());
}

}  // namespace strata::cli
