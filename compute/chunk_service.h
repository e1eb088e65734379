// Chunks of kept results between nodes: a node answers a request for chunk i of a result in its
// blob store with the chunk and its inclusion proof; a verifier fetches one and checks it against
// the Merkle root the provider announced, without fetching the rest of the result.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <tuple>

#include "network/blob_store.h"
#include "compute/task_messages.h"
#include "network/transport/transport.h"
#include "verifier/merkle.h"

namespace strata::compute {

class ChunkService {
 public:
  // Both must outlive the service.
  ChunkService(network::BlobStore& store, network::TransportNode& transport) : store_(store), transport_(transport) {}

  // For the node's frame dispatch (kChunkRequest, kChunkReply).
  Status handle(const network::PeerInfo& from, const network::FrameView& frame);

  // Chunk `index` of the result `result_id` from `peer`, checked against `root` over `chunks`
  // chunks; an error says whether the peer could not answer or answered something else.
  Result<std::vector<uint8_t>> fetch(const network::NodeId& peer, const network::BlobId& result_id, uint32_t index,
                                     const verifier::Digest& root, uint32_t chunks,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  network::BlobStore& store_;
  network::TransportNode& transport_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::map<std::tuple<network::NodeId, network::BlobId, uint32_t>, compute::ChunkReply> answers_;
  std::map<std::tuple<network::NodeId, network::BlobId, uint32_t>, int> waiting_;
};

}  // namespace strata::compute
