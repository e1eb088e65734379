// Blobs between nodes: a node answers requests for the chunks of the blobs in its store, and
// fetches a blob from a peer chunk by chunk, checking the whole against its id before keeping it.
// A peer that sends bytes that do not hash to the id is an error named as such; nothing of it is
// kept.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <span>
#include <vector>

#include "host/status.h"
#include "network/blob_store.h"
#include "network/transport/frame.h"
#include "network/transport/transport.h"

namespace strata::network {

struct BlobRequest {
  BlobId id{};
  uint64_t chunk = 0;
};
struct BlobChunk {
  BlobId id{};
  uint64_t chunk = 0;
  uint64_t total_size = 0;
  std::vector<uint8_t> data;
  std::string error;  // set instead of data when the peer cannot send it
};
std::vector<uint8_t> encode(const BlobRequest& request);
std::vector<uint8_t> encode(const BlobChunk& chunk);
Result<BlobRequest> decode_blob_request(std::span<const uint8_t> bytes);
Result<BlobChunk> decode_blob_chunk(std::span<const uint8_t> bytes);

class BlobService {
 public:
  // Both must outlive the service.
  BlobService(BlobStore& store, TransportNode& transport);

  // For the node's frame dispatch: blob requests and chunks (other types are an error).
  Status handle(const PeerInfo& from, const FrameView& frame);

  // The blob, from the store, or fetched from `peer`, checked and stored. Waits at most
  // `timeout` for each chunk. A blob the peer says is larger than `max_bytes` is refused before
  // any of it is kept.
  Result<std::vector<uint8_t>> fetch(const NodeId& peer, const BlobId& id,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                     uint64_t max_bytes = kMaxBlobBytes);

 private:
  BlobStore& store_;
  TransportNode& transport_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  // Answers that came in, by (peer, blob, chunk), until fetch() takes them.
  std::map<std::tuple<NodeId, BlobId, uint64_t>, BlobChunk> answers_;
  std::map<std::tuple<NodeId, BlobId, uint64_t>, int> waiting_;  // only answers someone waits for are kept
};

}  // namespace strata::network
