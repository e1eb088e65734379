#include "network/transport/frame.h"

#include <cstring>
#include <string>

#include <array>
#include <atomic>

#include "network/blob_service.h"
#include "network/stream/stream_message.h"
#include "network/stream/stream_registry.h"

namespace strata::network {
namespace {

void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint16_t get_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t get_u32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

bool known_type(uint16_t type) { return type >= 1 && type <= static_cast<uint16_t>(FrameType::kTaskCancel); }

// The other modules' checks, by type.
std::array<std::atomic<PayloadCheck>, 64> registered_checks{};

}  // namespace

const char* frame_type_name(FrameType type) {
  switch (type) {
    case FrameType::kRenderTask: return "render task";
    case FrameType::kRenderResult: return "render result";
    case FrameType::kHello: return "hello";
    case FrameType::kAuth: return "auth";
    case FrameType::kSubscribe: return "subscribe";
    case FrameType::kPublish: return "publish";
    case FrameType::kResend: return "resend";
    case FrameType::kPeers: return "peers";
    case FrameType::kPing: return "ping";
    case FrameType::kStreamInfo: return "stream info";
    case FrameType::kBlobRequest: return "blob request";
    case FrameType::kBlobChunk: return "blob chunk";
    case FrameType::kOffer: return "offer";
    case FrameType::kTaskProposal: return "task proposal";
    case FrameType::kTaskReply: return "task reply";
    case FrameType::kReceipt: return "payment receipt";
    case FrameType::kChunkRequest: return "chunk request";
    case FrameType::kChunkReply: return "chunk reply";
    case FrameType::kTaskCancel: return "task cancel";
  }
  return "unknown";
}

std::vector<uint8_t> encode_frame(FrameType type, std::span<const uint8_t> payload) {
  std::vector<uint8_t> out(std::begin(kFrameMagic), std::end(kFrameMagic));
  out.reserve(kFrameHeaderBytes + payload.size());
  put_u16(out, kWireVersion);
  put_u16(out, static_cast<uint16_t>(type));
  put_u32(out, static_cast<uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

void register_payload_check(FrameType type, PayloadCheck check) {
  registered_checks.at(static_cast<uint16_t>(type)).store(check);
}

Status verify_frame_payload(FrameView frame) {
  switch (frame.type) {
    case FrameType::kHello:
    case FrameType::kAuth:
    case FrameType::kPeers: return Status::ok();  // checked by the transport itself
    case FrameType::kSubscribe: return decode_subscribe(frame.payload).status();
    case FrameType::kPublish:  // the stream node checks the signature once it knows the message is new
      return check_stream_message(frame.payload);
    case FrameType::kResend: return decode_resend(frame.payload).status();
    case FrameType::kStreamInfo: return decode_stream_metadata(frame.payload).status();
    case FrameType::kBlobRequest: return decode_blob_request(frame.payload).status();
    case FrameType::kBlobChunk: return decode_blob_chunk(frame.payload).status();
    case FrameType::kPing:
      return frame.payload.empty() ? Status::ok() : invalid_argument("ping: a keep-alive carries no payload");
    default: break;
  }
  uint16_t type = static_cast<uint16_t>(frame.type);
  PayloadCheck check = type < registered_checks.size() ? registered_checks[type].load() : nullptr;
  return check ? check(frame.payload) : Status::ok();
}

// Drops what was handed out once it is most of the data: the move is then amortized over many
// frames, and the buffer stays within about twice a frame and a read.
void FrameDecoder::compact() {
  if (consumed_ > 0 && consumed_ * 2 >= filled_) {
    std::memmove(buffer_.data(), buffer_.data() + consumed_, filled_ - consumed_);
    filled_ -= consumed_;
    consumed_ = 0;
  }
}

void FrameDecoder::feed(std::span<const uint8_t> bytes) {
  std::span<uint8_t> room = prepare(bytes.size());
  std::copy(bytes.begin(), bytes.end(), room.begin());
  commit(bytes.size());
}

std::span<uint8_t> FrameDecoder::prepare(size_t max) {
  aligned_.clear();  // the views handed out are invalid from here
  compact();
  if (buffer_.size() < filled_ + max) buffer_.resize(filled_ + max);
  return {buffer_.data() + filled_, max};
}

void FrameDecoder::commit(size_t n) { filled_ += n; }

Result<std::optional<FrameView>> FrameDecoder::next_view() {
  size_t available = filled_ - consumed_;
  if (available < kFrameHeaderBytes) return std::optional<FrameView>();
  const uint8_t* h = buffer_.data() + consumed_;
  if (std::memcmp(h, kFrameMagic, 4) != 0) return invalid_argument("frame: bad magic (not a Strata stream)");
  uint16_t version = get_u16(h + 4), type = get_u16(h + 6);
  uint32_t length = get_u32(h + 8);
  if (version != kWireVersion) {
    return invalid_argument("frame: unsupported wire version " + std::to_string(version) + " (this node speaks " +
                            std::to_string(kWireVersion) + ")");
  }
  if (!known_type(type)) return invalid_argument("frame: unknown type " + std::to_string(type));
  if (length > max_payload_) {
    return invalid_argument("frame: payload of " + std::to_string(length) + " bytes is over the " +
                            std::to_string(max_payload_) + "-byte bound");
  }
  if (available < kFrameHeaderBytes + length) return std::optional<FrameView>();
  consumed_ += kFrameHeaderBytes + length;
  ++frames_decoded_;
  const uint8_t* payload = h + kFrameHeaderBytes;
  if (length > 0 && reinterpret_cast<uintptr_t>(payload) % alignof(uint64_t) != 0) {
    aligned_.emplace_back(new uint64_t[(length + 7) / 8]);
    std::memcpy(aligned_.back().get(), payload, length);
    payload = reinterpret_cast<const uint8_t*>(aligned_.back().get());
  }
  return std::optional<FrameView>(FrameView{static_cast<FrameType>(type), {payload, length}});
}

size_t FrameDecoder::pending_frame_bytes() const {
  size_t available = filled_ - consumed_;
  if (available < kFrameHeaderBytes) return 0;
  size_t frame = kFrameHeaderBytes + get_u32(buffer_.data() + consumed_ + 8);
  return available < frame ? frame : 0;
}

std::vector<uint8_t> FrameDecoder::take_unread() {
  std::vector<uint8_t> rest(buffer_.begin() + consumed_, buffer_.begin() + filled_);
  consumed_ = filled_ = 0;
  return rest;
}

Result<std::optional<Frame>> FrameDecoder::next() {
  auto view = next_view();
  if (!view.is_ok()) return view.status();
  if (!view->has_value()) return std::optional<Frame>();
  const FrameView& v = **view;
  return std::optional<Frame>(Frame{v.type, std::vector<uint8_t>(v.payload.begin(), v.payload.end())});
}

}  // namespace strata::network
