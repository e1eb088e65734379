// Framing of the wire protocol: a fixed 12-byte header (magic "STRA", version, type, payload
// length, little-endian) and a FlatBuffers payload. Lengths are bounded and checked as soon as a
// header arrives, unknown types and versions are refused, and payloads pass the FlatBuffers
// verifier (with the message's own checks) before anything reads them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "host/status.h"

namespace strata::network {

inline constexpr uint8_t kFrameMagic[4] = {'S', 'T', 'R', 'A'};
inline constexpr uint16_t kWireVersion = 1;
inline constexpr size_t kFrameHeaderBytes = 12;
inline constexpr uint32_t kMaxFramePayload = 64u << 20;
inline constexpr uint32_t kMaxHandshakePayload = 1024;  // before the handshake: a Hello or an Auth
inline constexpr size_t kLargeFrameBytes = 2u << 20;  // over this, a frame counts against the large-frame budget

enum class FrameType : uint16_t {
  kRenderTask = 1,    // compute/schema/render.fbs: a render family's task and result, direct
  kRenderResult = 2,
  kHello = 3,  // network/schema/handshake.fbs
  kAuth = 4,
  kSubscribe = 5,  // stream.fbs
  kPublish = 6,    // a StreamMessage
  kResend = 7,     // stream.fbs
  kPeers = 8,      // handshake.fbs: peer exchange
  kPing = 9,       // keep-alive, empty
  kStreamInfo = 10,  // stream.fbs: signed stream metadata
  kBlobRequest = 11,  // blob.fbs
  kBlobChunk = 12,
  kOffer = 13,          // compute/schema/market.fbs: a provider's signed offer, passed on to every node
  kTaskProposal = 14,   // compute/schema/compute.fbs
  kTaskReply = 15,
  kReceipt = 16,        // ledger/schema/receipt.fbs: a payment receipt, requestor to provider
  kChunkRequest = 17,   // compute.fbs: one chunk of a kept result, with its inclusion proof
  kChunkReply = 18,
  kTaskCancel = 19,     // compute.fbs: a requestor withdraws a job
};
const char* frame_type_name(FrameType type);

struct Frame {
  FrameType type;
  std::vector<uint8_t> payload;
};

// A frame whose payload lies in someone else's buffer (the decoder's), valid until that changes.
struct FrameView {
  FrameType type;
  std::span<const uint8_t> payload;
};

std::vector<uint8_t> encode_frame(FrameType type, std::span<const uint8_t> payload);

// Checks a frame's payload with the verified decoder of its message type: the stream layer's own
// here, the others' as their modules registered them (compute's market and task messages, the
// ledger's receipts). A type nobody here registered is not read by anyone here, so it passes.
Status verify_frame_payload(FrameView frame);

// The check of one frame type's payload, registered once, before the first transport starts, by
// the module that owns the message.
using PayloadCheck = Status (*)(std::span<const uint8_t> payload);
void register_payload_check(FrameType type, PayloadCheck check);
inline Status verify_frame_payload(const Frame& frame) { return verify_frame_payload(FrameView{frame.type, frame.payload}); }

// Splits a byte stream into frames. After an error the stream is unusable: the peer that sent it
// is to be dropped.
class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_payload = kMaxFramePayload) : max_payload_(max_payload) {}
  // A new bound for the frames not yet handed out (raised once a peer is known).
  void set_max_payload(uint32_t max_payload) { max_payload_ = max_payload; }

  void feed(std::span<const uint8_t> bytes);
  // Or without a copy: room for up to `max` bytes to read into, then commit what arrived. Views
  // handed out before stay valid until the next prepare() or feed().
  std::span<uint8_t> prepare(size_t max);
  void commit(size_t n);
  // The next complete frame, nullopt until one has arrived, or the reason the stream is malformed.
  Result<std::optional<Frame>> next();
  // The same without copying the payload out: the view is valid until the next feed(). Its
  // payload is 8-byte aligned, as FlatBuffers reads its scalars in place (one that lies
  // unaligned in the stream, behind a payload of another length, is copied to where it is).
  Result<std::optional<FrameView>> next_view();
  // The bytes that arrived after the last frame handed out, taken out of the decoder (the
  // transport's handshake ends with them: they are the first records of the session).
  std::vector<uint8_t> take_unread();
  // The size (header included) of a frame whose header has arrived and its payload not all of it,
  // or 0; and how many frames have been handed out, which tells one such frame from the next.
  size_t pending_frame_bytes() const;
  uint64_t frames_decoded() const { return frames_decoded_; }

 private:
  uint32_t max_payload_;
  std::vector<uint8_t> buffer_;
  size_t consumed_ = 0;  // bytes of buffer_ already handed out
  size_t filled_ = 0;    // bytes of buffer_ holding data (the rest is room prepared for a read)
  uint64_t frames_decoded_ = 0;
  std::vector<std::unique_ptr<uint64_t[]>> aligned_;  // copies of unaligned payloads handed out
  void compact();
};

}  // namespace strata::network
