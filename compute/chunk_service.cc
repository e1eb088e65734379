#include "compute/chunk_service.h"

#include "compute/render/result_chunks.h"

namespace strata::compute {

using network::FrameType;

Status ChunkService::handle(const network::PeerInfo& from, const network::FrameView& frame) {
  if (frame.type == FrameType::kChunkRequest) {
    auto request = compute::decode_chunk_request(frame.payload);
    if (!request.is_ok()) return request.status();
    compute::ChunkReply reply;
    reply.result_id = request->result_id;
    reply.index = request->index;
    auto bytes = store_.get(request->result_id);
    auto result = bytes.is_ok() ? compute::decode_render_result(*bytes) : Result<compute::RenderResult>(bytes.status());
    if (!result.is_ok()) {
      reply.error = "no such result here: " + result.status().message();
    } else {
      auto leaves = compute::render_chunk_leaves(*result);
      reply.chunks = static_cast<uint32_t>(leaves.size());
      if (request->index >= leaves.size()) {
        reply.error = "the result has " + std::to_string(leaves.size()) + " chunks";
      } else {
        reply.data = compute::render_chunk(*result, request->index);
        reply.proof = verifier::merkle_inclusion_proof(leaves, request->index);
      }
    }
    return transport_.send(from.id, FrameType::kChunkReply, encode(reply));
  }
  if (frame.type != FrameType::kChunkReply) return invalid_argument("the chunk service handles chunk frames only");
  auto reply = compute::decode_chunk_reply(frame.payload);
  if (!reply.is_ok()) return reply.status();
  auto key = std::make_tuple(from.id, reply->result_id, reply->index);
  std::lock_guard lock(mutex_);
  if (!waiting_.count(key)) return Status::ok();  // nobody asked, or gave up
  answers_[key] = std::move(*reply);
  arrived_.notify_all();
  return Status::ok();
}

Result<std::vector<uint8_t>> ChunkService::fetch(const network::NodeId& peer, const network::BlobId& result_id,
                                                  uint32_t index, const verifier::Digest& root, uint32_t chunks,
                                                  std::chrono::milliseconds timeout) {
  auto key = std::make_tuple(peer, result_id, index);
  {
    std::lock_guard lock(mutex_);
    ++waiting_[key];
  }
  Status sent = transport_.send(peer, FrameType::kChunkRequest, encode(compute::ChunkRequest{result_id, index}));
  std::unique_lock lock(mutex_);
  bool got = sent.is_ok() && arrived_.wait_for(lock, timeout, [&] { return answers_.count(key) > 0; });
  compute::ChunkReply reply;
  if (got) {
    reply = std::move(answers_[key]);
    answers_.erase(key);
  }
  if (--waiting_[key] == 0) waiting_.erase(key);
  lock.unlock();
  std::string what = "chunk " + std::to_string(index) + " of result " + network::to_string(result_id).substr(0, 16);
  if (!sent.is_ok()) return sent;
  if (!got) return unavailable(what + ": no answer within the time limit");
  if (!reply.error.empty()) return not_found(what + ": " + reply.error);
  if (reply.chunks != chunks) {
    return invalid_argument(what + ": the peer says the result has " + std::to_string(reply.chunks) + " chunks, not " +
                            std::to_string(chunks));
  }
  if (!verifier::merkle_verify_inclusion(verifier::merkle_leaf_hash(reply.data), index, chunks, reply.proof, root)) {
    return invalid_argument(what + ": the chunk and its proof do not lead to the announced root");
  }
  return std::move(reply.data);
}

}  // namespace strata::compute
