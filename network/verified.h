// How every layer's decoders read the wire: a payload passes the FlatBuffers verifier before any
// field is read, and fields are copied out bounded and checked.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "host/status.h"
#include "network/utf8.h"
#include "network/stream/stream_message.h"

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

// Copies a fixed-size byte field (a key, a hash, a signature); false when it is absent or of
// another size.
template <size_t N>
bool copy_fixed(const flatbuffers::Vector<uint8_t>* in, std::array<uint8_t, N>& out) {
  if (!in || in->size() != N) return false;
  std::copy(in->begin(), in->end(), out.begin());
  return true;
}

// A text field of at most `max` bytes of valid UTF-8; an error names `what` when it is missing
// (or empty) and `required`, too long, or not UTF-8.
inline Result<std::string> read_text(const flatbuffers::String* s, const char* what, size_t max, bool required) {
  if (!s || s->size() == 0) {
    if (required) return invalid_argument(std::string(what) + (s ? " is empty" : " is missing"));
    return std::string();
  }
  if (s->size() > max) return invalid_argument(std::string(what) + " is over " + std::to_string(max) + " bytes");
  if (!is_valid_utf8(s->string_view())) return invalid_argument(std::string(what) + " is not valid UTF-8");
  return s->str();
}

// Every job id on the wire, in receipts and in the job store is 1 to kMaxJobIdBytes bytes of UTF-8
// (a requestor makes 16 hex digits).
inline constexpr size_t kMaxJobIdBytes = 128;
inline Result<std::string> read_job_id(const flatbuffers::String* s, const char* what) {
  return read_text(s, what, kMaxJobIdBytes, true);
}

}  // namespace strata::network
