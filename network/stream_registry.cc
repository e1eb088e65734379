#include "network/stream_registry.h"

namespace strata::network {
namespace {

std::string short_id(const NodeId& id) { return to_hex(id).substr(0, 16); }

}  // namespace

Status StreamRegistry::create(StreamMetadata m) {
  if (m.id.empty() || m.id.size() > kMaxStreamIdBytes) return invalid_argument("stream id must be 1 to 256 bytes");
  if (m.partitions == 0 || m.partitions > 4096) {
    return invalid_argument("stream '" + m.id + "': partitions must be between 1 and 4096");
  }
  std::lock_guard lock(mutex_);
  if (streams_.count(m.id)) return invalid_argument("stream '" + m.id + "' already exists");
  std::string id = m.id;
  streams_.emplace(std::move(id), std::move(m));
  return Status::ok();
}

Status StreamRegistry::set_permissions(const std::string& stream, const NodeId& requester, std::set<NodeId> publishers,
                                       std::set<NodeId> subscribers, bool public_subscribe) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return not_found("stream '" + stream + "' does not exist");
  if (it->second.owner != requester) {
    return invalid_argument("stream '" + stream + "': only its owner may change permissions, not " + short_id(requester));
  }
  it->second.publishers = std::move(publishers);
  it->second.subscribers = std::move(subscribers);
  it->second.public_subscribe = public_subscribe;
  return Status::ok();
}

Result<StreamMetadata> StreamRegistry::get(const std::string& stream) const {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return not_found("stream '" + stream + "' does not exist");
  return it->second;
}

Status StreamRegistry::check_publish(const StreamMessage& message) const {
  auto meta = get(message.stream_id);
  if (!meta.is_ok()) return meta.status();
  if (message.partition >= meta->partitions) {
    return invalid_argument("stream '" + message.stream_id + "' has " + std::to_string(meta->partitions) +
                            " partitions; partition " + std::to_string(message.partition) + " does not exist");
  }
  NodeId publisher = message.publisher_id();
  if (publisher != meta->owner && !meta->publishers.count(publisher)) {
    return invalid_argument("key " + short_id(publisher) + " may not publish to stream '" + message.stream_id + "'");
  }
  if (!message.signature_valid()) {
    return invalid_argument("message on stream '" + message.stream_id + "': the signature does not match the publisher's key");
  }
  return Status::ok();
}

Status StreamRegistry::check_subscribe(const std::string& stream, uint32_t partition, const NodeId& subscriber) const {
  auto meta = get(stream);
  if (!meta.is_ok()) return meta.status();
  if (partition >= meta->partitions) {
    return invalid_argument("stream '" + stream + "' has no partition " + std::to_string(partition));
  }
  if (meta->public_subscribe || subscriber == meta->owner || meta->subscribers.count(subscriber)) return Status::ok();
  return invalid_argument("key " + short_id(subscriber) + " may not subscribe to stream '" + stream + "'");
}

}  // namespace strata::network
