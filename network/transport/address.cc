#include "network/transport/address.h"

#include <cstdio>

namespace strata::network {

Result<HostPort> parse_host_port(const std::string& text, bool allow_any_port) {
  auto colon = text.rfind(':');
  unsigned long port = 0;
  char extra = 0;
  if (colon == std::string::npos || colon == 0 || std::sscanf(text.c_str() + colon + 1, "%lu%c", &port, &extra) != 1 ||
      port > 65535 || (port == 0 && !allow_any_port)) {
    return invalid_argument("'" + text + "' must be HOST:PORT" + (allow_any_port ? " (port 0: any free port)" : ""));
  }
  return HostPort{text.substr(0, colon), static_cast<uint16_t>(port)};
}

}  // namespace strata::network
