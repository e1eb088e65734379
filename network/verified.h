// Private to network/: the one place a wire payload passes the FlatBuffers verifier before any
// field is read.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <span>
#include <string>

#include "host/status.h"
#include "network/utf8.h"
#include "network/stream_message.h"

namespace strata::network {

// The payload's root table, or null when the bytes are not a valid `Message` within the given
// nesting depth and table count.
template <typename Message>
const Message* verified_root(std::span<const uint8_t> bytes, uint32_t max_depth, uint32_t max_tables) {
  if (bytes.size() < 8) return nullptr;  // smaller than any root offset and table
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), max_depth, max_tables);
  if (!verifier.VerifyBuffer<Message>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<Message>(bytes.data());
}

// Every stream id on the wire is 1 to kMaxStreamIdBytes bytes.
inline Status check_stream_id(const flatbuffers::String* id, const char* what) {
  if (!id || id->size() == 0 || id->size() > kMaxStreamIdBytes) {
    return invalid_argument(std::string(what) + ": the stream id must be 1 to 256 bytes");
  }
  if (!is_valid_utf8(id->string_view())) return invalid_argument(std::string(what) + ": the stream id is not valid UTF-8");
  return Status::ok();
}

}  // namespace strata::network
