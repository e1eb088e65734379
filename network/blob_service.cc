#include "network/blob_service.h"

#include <algorithm>

#include "network/verified.h"
#include "schema/blob_generated.h"

namespace strata::network {
std::vector<uint8_t> encode(const BlobRequest& r) {
  flatbuffers::FlatBufferBuilder b(96);
  auto id = b.CreateVector(r.id.data(), r.id.size());
  b.Finish(wire::CreateBlobRequest(b, id, r.chunk));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::vector<uint8_t> encode(const BlobChunk& c) {
  flatbuffers::FlatBufferBuilder b(128 + c.data.size());
  auto id = b.CreateVector(c.id.data(), c.id.size());
  auto data = b.CreateVector(c.data);
  auto error = b.CreateString(c.error);
  b.Finish(wire::CreateBlobChunk(b, id, c.chunk, c.total_size, data, error));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Result<BlobRequest> decode_blob_request(std::span<const uint8_t> bytes) {
  const wire::BlobRequest* w = verified_root<wire::BlobRequest>(bytes, 8, 16);
  if (!w) return invalid_argument("blob request: malformed (FlatBuffers verification failed)");
  BlobRequest r;
  if (!copy_fixed(w->id(), r.id)) return invalid_argument("blob request: the id must be 32 bytes");
  r.chunk = w->chunk();
  return r;
}

Result<BlobChunk> decode_blob_chunk(std::span<const uint8_t> bytes) {
  const wire::BlobChunk* w = verified_root<wire::BlobChunk>(bytes, 8, 16);
  if (!w) return invalid_argument("blob chunk: malformed (FlatBuffers verification failed)");
  BlobChunk c;
  if (!copy_fixed(w->id(), c.id)) return invalid_argument("blob chunk: the id must be 32 bytes");
  c.chunk = w->chunk();
  c.total_size = w->total_size();
  if (c.total_size > kMaxBlobBytes) return invalid_argument("blob chunk: a blob is at most 4 GiB");
  if (w->data()) {
    if (w->data()->size() > kBlobChunkBytes) return invalid_argument("blob chunk: over 1 MiB of data");
    c.data.assign(w->data()->begin(), w->data()->end());
  }
  if (w->error()) {
    // At most 1024 bytes, cut where a character starts; an error that is not UTF-8 is refused.
    std::string_view error = w->error()->string_view();
    size_t cut = std::min<size_t>(error.size(), 1024);
    while (cut > 0 && cut < error.size() && (static_cast<uint8_t>(error[cut]) & 0xc0) == 0x80) --cut;
    if (!is_valid_utf8(error.substr(0, cut))) return invalid_argument("blob chunk: the error is not valid UTF-8");
    c.error = std::string(error.substr(0, cut));
  }
  return c;
}

BlobService::BlobService(BlobStore& store, TransportNode& transport) : store_(store), transport_(transport) {}

Status BlobService::handle(const PeerInfo& from, const FrameView& frame) {
  if (frame.type == FrameType::kBlobRequest) {
    auto request = decode_blob_request(frame.payload);
    if (!request.is_ok()) return request.status();
    BlobChunk answer;
    answer.id = request->id;
    answer.chunk = request->chunk;
    auto total = store_.size(request->id);
    auto data = total.is_ok() ? store_.chunk(request->id, request->chunk) : Result<std::vector<uint8_t>>(total.status());
    if (data.is_ok()) {
      answer.total_size = *total;
      answer.data = std::move(*data);
    } else {
      answer.error = data.status().message();
    }
    (void)transport_.send(from.id, FrameType::kBlobChunk, encode(answer));
    return Status::ok();
  }
  if (frame.type == FrameType::kBlobChunk) {
    auto chunk = decode_blob_chunk(frame.payload);
    if (!chunk.is_ok()) return chunk.status();
    auto key = std::make_tuple(from.id, chunk->id, chunk->chunk);
    std::lock_guard lock(mutex_);
    if (!waiting_.count(key)) return Status::ok();  // unasked for: ignored
    answers_[key] = std::move(*chunk);
    arrived_.notify_all();
    return Status::ok();
  }
  return invalid_argument(std::string("the blob service does not take ") + frame_type_name(frame.type) + " frames");
}

Result<std::vector<uint8_t>> BlobService::fetch(const NodeId& peer, const BlobId& id, std::chrono::milliseconds timeout,
                                                uint64_t max_bytes) {
  if (store_.has(id)) return store_.get(id);
  std::vector<uint8_t> blob;
  uint64_t total = 0;
  for (uint64_t index = 0;; ++index) {
    auto key = std::make_tuple(peer, id, index);
    {
      std::lock_guard lock(mutex_);
      ++waiting_[key];
    }
    Status sent = transport_.send(peer, FrameType::kBlobRequest, encode(BlobRequest{id, index}));
    // Waits in short slices, so a peer that leaves ends the wait at once rather than at the limit.
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool gone = false;
    std::unique_lock lock(mutex_);
    bool got = false;
    while (sent.is_ok() && !got && !gone && std::chrono::steady_clock::now() < deadline) {
      got = arrived_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)),
                                [&] { return answers_.count(key) > 0; });
      if (!got) {
        lock.unlock();
        auto peers = transport_.peers();
        gone = std::none_of(peers.begin(), peers.end(), [&](const PeerInfo& p) { return p.id == peer; });
        lock.lock();
      }
    }
    BlobChunk answer;
    if (got) {
      answer = std::move(answers_[key]);
      answers_.erase(key);
    }
    if (--waiting_[key] == 0) waiting_.erase(key);
    lock.unlock();
    if (!sent.is_ok()) return sent;
    std::string what = "blob " + to_string(id) + " from " + to_hex(peer).substr(0, 16);
    if (!got && gone) return unavailable(what + ": the peer left before it sent chunk " + std::to_string(index));
    if (!got) return unavailable(what + ": no answer for chunk " + std::to_string(index) + " within the time limit");
    if (!answer.error.empty()) return not_found(what + ": " + answer.error);
    if (index == 0) {
      total = answer.total_size;
      if (total > max_bytes || total > kMaxBlobBytes) {
        return invalid_argument(what + ": the peer says it has " + std::to_string(total) + " bytes, over the " +
                                std::to_string(std::min(max_bytes, kMaxBlobBytes)) + " expected");
      }
      blob.reserve(total);
    } else if (answer.total_size != total) {
      return invalid_argument(what + ": the peer changed the blob's size between chunks");
    }
    uint64_t expected = std::min<uint64_t>(kBlobChunkBytes, total - blob.size());
    if (answer.data.size() != expected) {
      return invalid_argument(what + ": chunk " + std::to_string(index) + " has " + std::to_string(answer.data.size()) +
                              " bytes, not " + std::to_string(expected));
    }
    blob.insert(blob.end(), answer.data.begin(), answer.data.end());
    if (blob.size() == total) break;
  }
  if (blob_id_of(blob) != id) {
    return invalid_argument("blob " + to_string(id) + " from " + to_hex(peer).substr(0, 16) +
                            ": the bytes sent do not match the id (their hash differs); nothing was kept");
  }
  auto stored = store_.put(blob);
  if (!stored.is_ok()) return stored.status();
  return blob;
}

}  // namespace strata::network
