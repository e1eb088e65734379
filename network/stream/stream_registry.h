// Stream metadata and permissions: who owns a stream, how many partitions it has, and which keys
// may publish to it and subscribe to it. Metadata is signed by the stream's owner and versioned,
// so nodes can pass it on to each other and every node ends with the owner's newest word. A node
// consults it before it stores, delivers or forwards a message, and refuses what a key is not
// allowed to do, saying why.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/transport/identity.h"
#include "network/stream/stream_message.h"

namespace strata::network {

inline constexpr uint32_t kMaxPartitions = 4096;
inline constexpr size_t kMaxPermissionEntries = 4096;

struct StreamMetadata {
  std::string id;
  uint32_t partitions = 1;
  PublicKey owner_key{};
  uint64_t version = 0;           // a newer signed version replaces an older one
  std::set<NodeId> publishers;    // the owner may always publish
  std::set<NodeId> subscribers;   // the owner may always subscribe
  bool public_subscribe = false;  // anyone may subscribe
  Signature signature{};

  NodeId owner() const { return node_id_of(owner_key); }
  std::vector<uint8_t> signed_bytes() const;
  void sign(const Identity& owner);  // sets owner_key and signature
  bool signature_valid() const;
  bool operator==(const StreamMetadata&) const = default;
};

std::vector<uint8_t> encode(const StreamMetadata& metadata);
// Verifies the FlatBuffer, the bounds and the owner's signature.
Result<StreamMetadata> decode_stream_metadata(std::span<const uint8_t> bytes);

class StreamRegistry {
 public:
  // Takes signed metadata: a stream not seen before, or a newer version from the same owner.
  // Returns whether it changed anything (false for an old or repeated version).
  Result<bool> apply(const StreamMetadata& metadata);
  // Like apply, but a stream that already exists is an error.
  Status create(const StreamMetadata& metadata);
  Result<StreamMetadata> get(const std::string& stream) const;
  std::vector<StreamMetadata> all() const;

  // Whether `message` may be accepted: the stream exists, the partition is in range, the
  // publisher may publish, and the signature is valid.
  Status check_publish(const StreamMessage& message) const;
  // The same without the signature, for callers that verify it themselves.
  Status check_publisher(const StreamMessage& message) const;
  Status check_subscribe(const std::string& stream, uint32_t partition, const NodeId& subscriber) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, StreamMetadata> streams_;
};

std::string short_id(const NodeId& id);  // the first 16 hex digits, for messages

}  // namespace strata::network
