// Files only the node's user may read (its identity key, its API token): created with mode 0600
// from the start, written beside their place and renamed in, so a crash never leaves half a key.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "host/status.h"

namespace strata::network {

Status write_private_file(const std::string& path, std::span<const uint8_t> bytes);

}  // namespace strata::network
