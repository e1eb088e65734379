#include "network/blob_store.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sodium.h>

#include <cstring>

#include "network/transport/identity.h"
#include "network/node_db.h"
#include "network/rocks.h"

namespace strata::network {
namespace {

// Keys: "s" + id holds the size (8 bytes, big-endian); "c" + id + chunk index (8 bytes,
// big-endian) holds a chunk, so a blob's chunks are one ordered run.
std::string keyed(char kind, const BlobId& id) {
  std::string key(1 + id.size(), kind);
  std::copy(id.begin(), id.end(), key.begin() + 1);
  return key;
}
std::string size_key(const BlobId& id) { return keyed('s', id); }
std::string chunk_key(const BlobId& id, uint64_t index) {
  std::string key = keyed('c', id);
  for (int i = 7; i >= 0; --i) key.push_back(static_cast<char>((index >> (8 * i)) & 0xff));
  return key;
}

Status check(const rocksdb::Status& s, const std::string& what) { return rocks_status(s, "blob store", what); }

}  // namespace

BlobId blob_id_of(std::span<const uint8_t> bytes) {
  BlobId id;
  crypto_generichash(id.data(), id.size(), bytes.data(), bytes.size(), nullptr, 0);
  return id;
}

std::string to_string(const BlobId& id) { return to_hex(id); }

Result<BlobId> parse_blob_id(const std::string& hex) {
  BlobId id{};
  size_t length = 0;
  if (hex.size() != 64 ||
      sodium_hex2bin(id.data(), id.size(), hex.data(), hex.size(), nullptr, &length, nullptr) != 0 || length != 32) {
    return invalid_argument("a blob id is 64 hexadecimal digits, got '" + hex.substr(0, 80) + "'");
  }
  return id;
}

struct BlobStore::Impl {
  StoreColumn db;
};

BlobStore::BlobStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BlobStore::~BlobStore() = default;

Result<std::unique_ptr<BlobStore>> BlobStore::open(const std::string& dir) {
  auto db = NodeDb::open(dir);
  if (!db.is_ok()) return db.status();
  return open(std::move(*db));
}

Result<std::unique_ptr<BlobStore>> BlobStore::open(std::shared_ptr<NodeDb> db) {
  if (sodium_init() < 0) return internal_error("libsodium failed to initialize");
  auto impl = std::make_unique<Impl>();
  impl->db = StoreColumn(std::move(db), NodeDb::kBlobs);
  return std::unique_ptr<BlobStore>(new BlobStore(std::move(impl)));
}

Result<BlobId> BlobStore::put(std::span<const uint8_t> bytes, Durability durability) {
  if (bytes.size() > kMaxBlobBytes) return invalid_argument("a blob is at most 4 GiB");
  BlobId id = blob_id_of(bytes);
  if (has(id)) return id;
  // Chunks first, the size last: a blob is present only once all of it is. The write-ahead log is
  // sequential, so syncing the last write makes every chunk before it durable too: one sync.
  rocksdb::WriteOptions options;
  options.sync = false;
  for (uint64_t index = 0; index * kBlobChunkBytes < bytes.size() || index == 0; ++index) {
    size_t begin = index * kBlobChunkBytes;
    size_t n = std::min(kBlobChunkBytes, bytes.size() - begin);
    STRATA_RETURN_IF_ERROR(check(impl_->db.Put(options, chunk_key(id, index),
                                                rocksdb::Slice(reinterpret_cast<const char*>(bytes.data()) + begin, n)),
                                 "writing"));
    if (bytes.empty()) break;
  }
  std::string size(8, '\0');
  for (int i = 0; i < 8; ++i) size[i] = static_cast<char>((uint64_t(bytes.size()) >> (8 * (7 - i))) & 0xff);
  options.sync = durability == Durability::kSynced;
  STRATA_RETURN_IF_ERROR(check(impl_->db.Put(options, size_key(id), size), "writing"));
  return id;
}

bool BlobStore::has(const BlobId& id) { return size(id).is_ok(); }

Result<uint64_t> BlobStore::size(const BlobId& id) {
  std::string value;
  rocksdb::Status s = impl_->db.Get(rocksdb::ReadOptions(), size_key(id), &value);
  if (s.IsNotFound()) return not_found("blob " + to_string(id) + " is not here");
  STRATA_RETURN_IF_ERROR(check(s, "reading"));
  if (value.size() != 8) return internal_error("blob store: the size record of " + to_string(id) + " is damaged");
  uint64_t n = 0;
  for (char c : value) n = (n << 8) | static_cast<uint8_t>(c);
  return n;
}

Result<std::vector<uint8_t>> BlobStore::chunk(const BlobId& id, uint64_t index) {
  auto total = size(id);
  if (!total.is_ok()) return total.status();
  uint64_t chunks = std::max<uint64_t>(1, (*total + kBlobChunkBytes - 1) / kBlobChunkBytes);
  if (index >= chunks) {
    return invalid_argument("blob " + to_string(id) + " has " + std::to_string(chunks) + " chunks; there is no chunk " +
                            std::to_string(index));
  }
  std::string value;
  STRATA_RETURN_IF_ERROR(check(impl_->db.Get(rocksdb::ReadOptions(), chunk_key(id, index), &value), "reading"));
  uint64_t expected = std::min<uint64_t>(kBlobChunkBytes, *total - index * kBlobChunkBytes);
  if (value.size() != expected) return internal_error("blob store: chunk " + std::to_string(index) + " of " + to_string(id) + " is damaged");
  return std::vector<uint8_t>(value.begin(), value.end());
}

Result<std::vector<uint8_t>> BlobStore::get(const BlobId& id) {
  auto total = size(id);
  if (!total.is_ok()) return total.status();
  std::vector<uint8_t> out;
  out.reserve(*total);
  for (uint64_t index = 0; out.size() < *total; ++index) {
    auto part = chunk(id, index);
    if (!part.is_ok()) return part.status();
    out.insert(out.end(), part->begin(), part->end());
  }
  if (blob_id_of(out) != id) return internal_error("blob store: blob " + to_string(id) + " is damaged (its hash differs)");
  return out;
}

}  // namespace strata::network
