// Stream metadata and permissions: who owns a stream, how many partitions it has, and which keys
// may publish to it and subscribe to it. A node consults it before it stores, delivers or
// forwards a message, and refuses what a key is not allowed to do, saying why.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "host/status.h"
#include "network/identity.h"
#include "network/stream_message.h"

namespace strata::network {

struct StreamMetadata {
  std::string id;
  uint32_t partitions = 1;
  NodeId owner{};
  std::set<NodeId> publishers;   // the owner may always publish
  std::set<NodeId> subscribers;  // the owner may always subscribe
  bool public_subscribe = false;  // anyone may subscribe
};

class StreamRegistry {
 public:
  // Registers a new stream owned by `owner`.
  Status create(StreamMetadata metadata);
  // Replaces a stream's permissions; only its owner may.
  Status set_permissions(const std::string& stream, const NodeId& requester, std::set<NodeId> publishers,
                         std::set<NodeId> subscribers, bool public_subscribe);
  Result<StreamMetadata> get(const std::string& stream) const;

  // Whether `message` may be accepted: the stream exists, the partition is in range, the
  // publisher may publish, and the signature is valid.
  Status check_publish(const StreamMessage& message) const;
  Status check_subscribe(const std::string& stream, uint32_t partition, const NodeId& subscriber) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, StreamMetadata> streams_;
};

}  // namespace strata::network
