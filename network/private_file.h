// Files only the node's user may read (its identity key, its API token): created with mode 0600
// from the start, written beside their place and renamed in, so a crash never leaves half a key.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "host/status.h"

namespace strata::network {

Status write_private_file(const std::string& path, std::span<const uint8_t> bytes);

// An existing private file must be a regular file of this user that no one else may read or
// write (mode 0600 or stricter); anything else is an error that says how to fix it.
Status check_private_file(const std::string& path);

// Creates the node's data directory if needed and makes it the user's alone (mode 0700): its
// database holds private streams and jobs.
Status make_private_directory(const std::string& dir);

}  // namespace strata::network
