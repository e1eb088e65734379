// Content-addressed blobs (scenes, their buffers and textures, job inputs) in RocksDB: a blob's
// id is the BLAKE2b-256 hash of its bytes, so whoever fetches one can check it, and storing the
// same bytes twice keeps one copy. Blobs are kept in 1 MiB chunks; a write is acknowledged only
// when all of it is in the synced write-ahead log (unless asked not to sync).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "host/status.h"

namespace strata::network {

using BlobId = std::array<uint8_t, 32>;

BlobId blob_id_of(std::span<const uint8_t> bytes);
std::string to_string(const BlobId& id);  // 64 hex digits
Result<BlobId> parse_blob_id(const std::string& hex);

inline constexpr size_t kBlobChunkBytes = 1u << 20;
inline constexpr uint64_t kMaxBlobBytes = uint64_t(4) << 30;

class BlobStore {
 public:
  // Its own database at `dir`, or its column family in the node's database.
  static Result<std::unique_ptr<BlobStore>> open(const std::string& dir);
  static Result<std::unique_ptr<BlobStore>> open(std::shared_ptr<class NodeDb> db);
  ~BlobStore();

  // kBuffered skips the sync, for blobs that can be made again (a provider's results): a crash
  // may lose them, never half of one.
  enum class Durability { kSynced, kBuffered };
  Result<BlobId> put(std::span<const uint8_t> bytes, Durability durability = Durability::kSynced);
  bool has(const BlobId& id);
  Result<uint64_t> size(const BlobId& id);
  // The whole blob, checked against its id (a damaged store is an error, never wrong bytes).
  Result<std::vector<uint8_t>> get(const BlobId& id);
  // One chunk (index * kBlobChunkBytes onwards), for sending; not checked on its own.
  Result<std::vector<uint8_t>> chunk(const BlobId& id, uint64_t index);

  struct Impl;

 private:
  explicit BlobStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::network
