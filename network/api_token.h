// The API's bearer token: 256 random bits as 64 hexadecimal digits in DATA/api.token (mode
// 0600), made on a node's first start and kept. Every API request carries it as
// "Authorization: Bearer <token>"; whoever can read the file may act as the node.
#pragma once

#include <string>

#include "host/status.h"

namespace strata::network {

inline constexpr const char* kApiTokenFile = "api.token";

// The node's token, created in `data_dir` when it has none. A damaged file is an error that
// names it, never silently replaced.
Result<std::string> load_or_create_api_token(const std::string& data_dir);

// A client's reading of a token file: 64 hexadecimal digits, a trailing newline allowed.
Result<std::string> read_api_token(const std::string& path);

}  // namespace strata::network
