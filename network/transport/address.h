// HOST:PORT addresses, as the command line and the API client take them.
#pragma once

#include <cstdint>
#include <string>

#include "host/status.h"

namespace strata::network {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// "HOST:PORT" with a port from 1 to 65535, or 0 as well where `allow_any_port` (a listen address:
// any free port).
Result<HostPort> parse_host_port(const std::string& text, bool allow_any_port = false);

}  // namespace strata::network
