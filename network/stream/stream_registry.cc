#include "network/stream/stream_registry.h"
#include "network/utf8.h"

#include "network/canonical.h"
#include "network/verified.h"
#include "schema/stream_generated.h"

namespace strata::network {
namespace {

void put_ids(std::vector<uint8_t>& out, const std::set<NodeId>& ids) {
  canonical::put_u64(out, ids.size());
  for (const NodeId& id : ids) out.insert(out.end(), id.begin(), id.end());
}

Result<std::set<NodeId>> read_ids(const flatbuffers::Vector<uint8_t>* bytes, const char* what) {
  std::set<NodeId> ids;
  if (!bytes) return ids;
  if (bytes->size() % 32 != 0 || bytes->size() / 32 > kMaxPermissionEntries) {
    return invalid_argument(std::string("stream metadata: ") + what + " must be up to 4096 ids of 32 bytes");
  }
  for (size_t i = 0; i < bytes->size(); i += 32) {
    NodeId id;
    std::copy(bytes->begin() + i, bytes->begin() + i + 32, id.begin());
    ids.insert(id);
  }
  return ids;
}

std::vector<uint8_t> flatten(const std::set<NodeId>& ids) {
  std::vector<uint8_t> out;
  out.reserve(ids.size() * 32);
  for (const NodeId& id : ids) out.insert(out.end(), id.begin(), id.end());
  return out;
}

Status check_shape(const StreamMetadata& m) {
  if (m.id.empty() || m.id.size() > kMaxStreamIdBytes) return invalid_argument("stream id must be 1 to 256 bytes");
  if (!is_valid_utf8(m.id)) return invalid_argument("stream id must be valid UTF-8");
  if (m.partitions == 0 || m.partitions > kMaxPartitions) {
    return invalid_argument("stream '" + m.id + "': partitions must be between 1 and 4096");
  }
  if (m.publishers.size() > kMaxPermissionEntries || m.subscribers.size() > kMaxPermissionEntries) {
    return invalid_argument("stream '" + m.id + "': at most 4096 publishers and 4096 subscribers");
  }
  return Status::ok();
}

}  // namespace

std::string short_id(const NodeId& id) { return to_hex(id).substr(0, 16); }

std::vector<uint8_t> StreamMetadata::signed_bytes() const {
  const char tag[] = "strata-stream-metadata-v1";
  std::vector<uint8_t> out(tag, tag + sizeof tag - 1);
  canonical::put_string(out, id);
  canonical::put_u64(out, partitions);
  canonical::put_bytes(out, owner_key);
  canonical::put_u64(out, version);
  put_ids(out, publishers);
  put_ids(out, subscribers);
  canonical::put_u64(out, public_subscribe ? 1 : 0);
  return out;
}

void StreamMetadata::sign(const Identity& owner) {
  owner_key = owner.public_key();
  signature = owner.sign(signed_bytes());
}

bool StreamMetadata::signature_valid() const { return verify_signature(owner_key, signed_bytes(), signature); }

std::vector<uint8_t> encode(const StreamMetadata& m) {
  flatbuffers::FlatBufferBuilder b(256 + 32 * (m.publishers.size() + m.subscribers.size()));
  auto stream = b.CreateString(m.id);
  auto owner = b.CreateVector(m.owner_key.data(), m.owner_key.size());
  auto publishers = b.CreateVector(flatten(m.publishers));
  auto subscribers = b.CreateVector(flatten(m.subscribers));
  auto sig = b.CreateVector(m.signature.data(), m.signature.size());
  b.Finish(wire::CreateStreamInfo(b, stream, m.partitions, owner, m.version, publishers, subscribers,
                                  m.public_subscribe, sig));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Result<StreamMetadata> decode_stream_metadata(std::span<const uint8_t> bytes) {
  const wire::StreamInfo* w = verified_root<wire::StreamInfo>(bytes, 8, 16);
  if (!w) return invalid_argument("stream metadata: malformed (FlatBuffers verification failed)");
  STRATA_RETURN_IF_ERROR(check_stream_id(w->stream_id(), "stream metadata"));
  if (!w->owner_key() || w->owner_key()->size() != 32) return invalid_argument("stream metadata: the owner key must be 32 bytes");
  if (!w->signature() || w->signature()->size() != 64) return invalid_argument("stream metadata: the signature must be 64 bytes");
  StreamMetadata m;
  m.id = w->stream_id()->str();
  m.partitions = w->partitions();
  std::copy(w->owner_key()->begin(), w->owner_key()->end(), m.owner_key.begin());
  m.version = w->version();
  auto publishers = read_ids(w->publishers(), "publishers");
  if (!publishers.is_ok()) return publishers.status();
  auto subscribers = read_ids(w->subscribers(), "subscribers");
  if (!subscribers.is_ok()) return subscribers.status();
  m.publishers = std::move(*publishers);
  m.subscribers = std::move(*subscribers);
  m.public_subscribe = w->public_subscribe();
  std::copy(w->signature()->begin(), w->signature()->end(), m.signature.begin());
  STRATA_RETURN_IF_ERROR(check_shape(m));
  if (!m.signature_valid()) return invalid_argument("stream metadata for '" + m.id + "': the signature does not match the owner's key");
  return m;
}

Result<bool> StreamRegistry::apply(const StreamMetadata& m) {
  STRATA_RETURN_IF_ERROR(check_shape(m));
  if (!m.signature_valid()) return invalid_argument("stream metadata for '" + m.id + "': the signature does not match the owner's key");
  std::lock_guard lock(mutex_);
  auto it = streams_.find(m.id);
  if (it == streams_.end()) {
    streams_.emplace(m.id, m);
    return true;
  }
  StreamMetadata& known = it->second;
  if (known.owner_key != m.owner_key) {
    return invalid_argument("stream '" + m.id + "': only its owner " + short_id(known.owner()) +
                            " may change it, not " + short_id(m.owner()));
  }
  if (m.version <= known.version) return false;
  if (m.partitions != known.partitions) {
    return invalid_argument("stream '" + m.id + "': the number of partitions cannot change");
  }
  known = m;
  return true;
}

Status StreamRegistry::create(const StreamMetadata& m) {
  {
    std::lock_guard lock(mutex_);
    if (streams_.count(m.id)) return invalid_argument("stream '" + m.id + "' already exists");
  }
  return apply(m).status();
}

Result<StreamMetadata> StreamRegistry::get(const std::string& stream) const {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return not_found("stream '" + stream + "' does not exist");
  return it->second;
}

std::vector<StreamMetadata> StreamRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<StreamMetadata> out;
  out.reserve(streams_.size());
  for (const auto& [id, m] : streams_) out.push_back(m);
  return out;
}

Status StreamRegistry::check_publisher(const StreamMessage& message) const {
  std::lock_guard lock(mutex_);  // looked up in place: this runs for every message
  auto it = streams_.find(message.stream_id);
  if (it == streams_.end()) return not_found("stream '" + message.stream_id + "' does not exist");
  const StreamMetadata& meta = it->second;
  if (message.partition >= meta.partitions) {
    return invalid_argument("stream '" + message.stream_id + "' has " + std::to_string(meta.partitions) +
                            " partitions; partition " + std::to_string(message.partition) + " does not exist");
  }
  if (message.publisher == meta.owner_key) return Status::ok();  // the owner (same key, same id)
  NodeId publisher = message.publisher_id();
  if (!meta.publishers.count(publisher)) {
    return invalid_argument("key " + short_id(publisher) + " may not publish to stream '" + message.stream_id + "'");
  }
  return Status::ok();
}

Status StreamRegistry::check_publish(const StreamMessage& message) const {
  STRATA_RETURN_IF_ERROR(check_publisher(message));
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
  if (meta->public_subscribe || subscriber == meta->owner() || meta->subscribers.count(subscriber)) return Status::ok();
  return invalid_argument("key " + short_id(subscriber) + " may not subscribe to stream '" + stream + "'");
}

}  // namespace strata::network
