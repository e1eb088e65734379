#include "network/stream/stream_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <algorithm>

#include "network/node_db.h"
#include "network/rocks.h"

namespace strata::network {
namespace {

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Keys sort by stream, partition, timestamp, sequence (big-endian), then publisher and chain, so
// a partition's messages are one contiguous, time-ordered run.
std::string partition_prefix(const std::string& stream, uint32_t partition) {
  std::string key;
  put_be(key, stream.size(), 2);
  key += stream;
  put_be(key, partition, 4);
  return key;
}

std::string position_key(const std::string& stream, uint32_t partition, MessageRef ref) {
  std::string key = partition_prefix(stream, partition);
  put_be(key, ref.timestamp, 8);
  put_be(key, ref.sequence, 4);
  return key;
}

// The first key after every message of the partition.
std::string partition_end(const std::string& stream, uint32_t partition) {
  if (partition != UINT32_MAX) return partition_prefix(stream, partition + 1);
  std::string end = partition_prefix(stream, partition);
  end.append(13, '\xff');  // past any timestamp, sequence and publisher
  return end;
}

Status check(const rocksdb::Status& s, const std::string& what) { return rocks_status(s, "stream store", what); }

}  // namespace

struct StreamStore::Impl {
  StoreColumn db;        // messages
  StoreColumn metadata;  // stream metadata

  // Reads the messages whose keys lie in [begin, end), oldest first, at most `limit` from the end
  // when `from_end`.
  // The messages with keys in [begin, end), from the start or from the end, until `bound`.
  Result<std::vector<StreamMessage>> scan(const std::string& begin, const std::string& end, ReadBound bound,
                                          bool from_end, bool* cut_short) {
    std::vector<StreamMessage> out;
    size_t payload_bytes = 0;
    bool stopped = false;
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
    auto take = [&]() -> Status {
      if (out.size() == bound.messages) {
        stopped = true;
        return Status::ok();
      }
      // FlatBuffers reads need an aligned buffer; RocksDB's value slices have no alignment.
      const uint8_t* data = reinterpret_cast<const uint8_t*>(it->value().data());
      std::vector<uint8_t> value(data, data + it->value().size());
      auto m = decode_stream_message(value, SignatureCheck::kSkip);  // verified before it was stored
      if (!m.is_ok()) return internal_error("stream store: a stored message is damaged: " + m.status().message());
      if (payload_bytes + m->payload.size() > bound.payload_bytes) {
        stopped = true;
        return Status::ok();
      }
      payload_bytes += m->payload.size();
      out.push_back(std::move(m.value()));
      return Status::ok();
    };
    if (from_end) {
      for (it->SeekForPrev(end); !stopped && it->Valid() && it->key().compare(begin) >= 0; it->Prev()) {
        if (it->key().compare(end) >= 0) continue;
        STRATA_RETURN_IF_ERROR(take());
      }
      std::reverse(out.begin(), out.end());
    } else {
      for (it->Seek(begin); !stopped && it->Valid() && it->key().compare(end) < 0; it->Next()) {
        STRATA_RETURN_IF_ERROR(take());
      }
    }
    STRATA_RETURN_IF_ERROR(check(it->status(), "reading"));
    if (cut_short) *cut_short = stopped;
    return out;
  }
};

StreamStore::StreamStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamStore::~StreamStore() = default;

Result<std::unique_ptr<StreamStore>> StreamStore::open(const std::string& dir) {
  auto db = NodeDb::open(dir);
  if (!db.is_ok()) return db.status();
  return open(std::move(*db));
}

Result<std::unique_ptr<StreamStore>> StreamStore::open(std::shared_ptr<NodeDb> db) {
  auto impl = std::make_unique<Impl>();
  impl->db = StoreColumn(db, NodeDb::kStreams);
  impl->metadata = StoreColumn(std::move(db), NodeDb::kStreamMetadata);
  return std::unique_ptr<StreamStore>(new StreamStore(std::move(impl)));
}

Status StreamStore::put(const StreamMessage& m) {
  std::string key = position_key(m.stream_id, m.partition, m.ref);
  key.append(reinterpret_cast<const char*>(m.publisher.data()), m.publisher.size());
  key += m.chain_id;
  std::vector<uint8_t> value = encode(m);
  rocksdb::WriteOptions options;
  options.sync = true;  // acknowledged means on disk
  return check(impl_->db.Put(options, key, rocksdb::Slice(reinterpret_cast<const char*>(value.data()), value.size())),
               "writing");
}

Status StreamStore::put_metadata(const StreamMetadata& metadata) {
  std::vector<uint8_t> value = encode(metadata);
  rocksdb::WriteOptions options;
  options.sync = true;
  return check(impl_->metadata.Put(options, metadata.id,
                              rocksdb::Slice(reinterpret_cast<const char*>(value.data()), value.size())),
               "writing stream metadata");
}

Result<std::vector<StreamMetadata>> StreamStore::all_metadata() {
  std::vector<StreamMetadata> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->metadata.NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint8_t* data = reinterpret_cast<const uint8_t*>(it->value().data());
    std::vector<uint8_t> value(data, data + it->value().size());  // aligned for FlatBuffers
    auto m = decode_stream_metadata(value);
    if (!m.is_ok()) return internal_error("stream store: stored metadata is damaged: " + m.status().message());
    out.push_back(std::move(m.value()));
  }
  STRATA_RETURN_IF_ERROR(check(it->status(), "reading stream metadata"));
  return out;
}

Result<std::vector<StreamMessage>> StreamStore::last(const std::string& stream, uint32_t partition, size_t count,
                                                     ReadBound bound, bool* cut_short) {
  // The newest `count` are wanted: stopping once there is not cutting short.
  bool stopped = false;
  ReadBound b{std::min(count, bound.messages), bound.payload_bytes};
  auto out = impl_->scan(partition_prefix(stream, partition), partition_end(stream, partition), b, true, &stopped);
  if (cut_short) *cut_short = stopped && out.is_ok() && out->size() < count;
  return out;
}

Result<std::vector<StreamMessage>> StreamStore::from(const std::string& stream, uint32_t partition, MessageRef first,
                                                     ReadBound bound, bool* cut_short) {
  return impl_->scan(position_key(stream, partition, first), partition_end(stream, partition), bound, false, cut_short);
}

Result<std::vector<StreamMessage>> StreamStore::range(const std::string& stream, uint32_t partition, MessageRef first,
                                                      MessageRef last, ReadBound bound, bool* cut_short) {
  if (last < first) return invalid_argument("stream store: the range ends before it starts");
  // Just past `last`: the next sequence number (or the next timestamp).
  if (last == MessageRef{UINT64_MAX, UINT32_MAX}) return from(stream, partition, first, bound, cut_short);  // nothing lies after it
  MessageRef after = last.sequence == UINT32_MAX ? MessageRef{last.timestamp + 1, 0} : MessageRef{last.timestamp, last.sequence + 1};
  return impl_->scan(position_key(stream, partition, first), position_key(stream, partition, after), bound, false,
                     cut_short);
}

}  // namespace strata::network
