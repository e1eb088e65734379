#include "network/stream/stream_message.h"
#include "network/utf8.h"

#include "network/canonical.h"
#include "network/verified.h"
#include "schema/stream_generated.h"

namespace strata::network {
namespace {

using canonical::put_bytes;
using canonical::put_string;
using canonical::put_u64;


}  // namespace

std::vector<uint8_t> StreamMessage::signed_bytes() const {
  const char tag[] = "strata-stream-message-v1";
  std::vector<uint8_t> out(tag, tag + sizeof tag - 1);
  put_string(out, stream_id);
  put_u64(out, partition);
  put_u64(out, ref.timestamp);
  put_u64(out, ref.sequence);
  put_bytes(out, publisher);
  put_string(out, chain_id);
  put_u64(out, has_prev ? 1 : 0);
  put_u64(out, prev.timestamp);
  put_u64(out, prev.sequence);
  put_string(out, content_type);
  put_bytes(out, payload);
  return out;
}

void StreamMessage::sign(const Identity& identity) {
  publisher = identity.public_key();
  signature = identity.sign(signed_bytes());
}

bool StreamMessage::signature_valid() const { return verify_signature(publisher, signed_bytes(), signature); }

std::vector<uint8_t> encode(const StreamMessage& m) {
  flatbuffers::FlatBufferBuilder b(256 + m.payload.size());
  auto stream = b.CreateString(m.stream_id);
  auto key = b.CreateVector(m.publisher.data(), m.publisher.size());
  auto chain = b.CreateString(m.chain_id);
  auto content = b.CreateString(m.content_type);
  auto payload = b.CreateVector(m.payload);
  auto sig = b.CreateVector(m.signature.data(), m.signature.size());
  b.Finish(wire::CreateStreamMessage(b, stream, m.partition, m.ref.timestamp, m.ref.sequence, key, chain,
                                     m.prev.timestamp, m.prev.sequence, m.has_prev, content, payload, sig));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

namespace {

// The verified root with every field within bounds, or the reason it is not.
// The bounds every message must keep, wherever it comes from; sizes of absent fields are 0.
// Strings are valid UTF-8 too: they go into JSON and to every subscriber.
Status check_field_bounds(std::string_view stream_id, std::string_view chain_id, std::string_view content_type,
                          size_t payload, bool has_prev, MessageRef prev, MessageRef ref) {
  if (stream_id.empty() || stream_id.size() > kMaxStreamIdBytes) {
    return invalid_argument("stream message: the stream id must be 1 to 256 bytes");
  }
  if (chain_id.size() > kMaxStreamIdBytes) return invalid_argument("stream message: chain id too long");
  if (content_type.size() > kMaxStreamIdBytes) return invalid_argument("stream message: content type too long");
  if (!is_valid_utf8(stream_id) || !is_valid_utf8(chain_id) || !is_valid_utf8(content_type)) {
    return invalid_argument("stream message: the stream id, chain id and content type must be valid UTF-8");
  }
  if (payload > kMaxStreamPayload) return invalid_argument("stream message: payload over 1 MiB");
  if (has_prev && !(prev < ref)) return invalid_argument("stream message: the previous reference is not earlier than the message");
  return Status::ok();
}

std::string_view view_of(const flatbuffers::String* field) { return field ? field->string_view() : std::string_view(); }

Result<const wire::StreamMessage*> checked_root(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8 || bytes.size() > kMaxStreamPayload + 4096) {
    return invalid_argument("stream message: " + std::to_string(bytes.size()) + " bytes is outside the allowed size");
  }
  const wire::StreamMessage* w = verified_root<wire::StreamMessage>(bytes, 8, 64);
  if (!w) return invalid_argument("stream message: malformed (FlatBuffers verification failed)");
  if (!w->publisher_key() || w->publisher_key()->size() != 32) return invalid_argument("stream message: the publisher key must be 32 bytes");
  if (!w->signature() || w->signature()->size() != 64) return invalid_argument("stream message: the signature must be 64 bytes");
  STRATA_RETURN_IF_ERROR(check_field_bounds(view_of(w->stream_id()), view_of(w->chain_id()), view_of(w->content_type()),
                                            w->payload() ? w->payload()->size() : 0, w->has_prev(), {w->prev_timestamp(), w->prev_sequence()},
                                            {w->timestamp(), w->sequence()}));
  return w;
}

}  // namespace

Status check_stream_message(std::span<const uint8_t> bytes) { return checked_root(bytes).status(); }

Status check_bounds(const StreamMessage& m) {
  return check_field_bounds(m.stream_id, m.chain_id, m.content_type, m.payload.size(), m.has_prev,
                            m.prev, m.ref);
}

Result<StreamMessage> decode_stream_message(std::span<const uint8_t> bytes, SignatureCheck check) {
  auto root = checked_root(bytes);
  if (!root.is_ok()) return root.status();
  const wire::StreamMessage* w = *root;
  StreamMessage m;
  m.stream_id = w->stream_id()->str();
  m.partition = w->partition();
  m.ref = {w->timestamp(), w->sequence()};
  std::copy(w->publisher_key()->begin(), w->publisher_key()->end(), m.publisher.begin());
  m.chain_id = w->chain_id() ? w->chain_id()->str() : "";
  m.has_prev = w->has_prev();
  m.prev = {w->prev_timestamp(), w->prev_sequence()};
  m.content_type = w->content_type() ? w->content_type()->str() : "";
  if (w->payload()) m.payload.assign(w->payload()->begin(), w->payload()->end());
  std::copy(w->signature()->begin(), w->signature()->end(), m.signature.begin());
  if (check == SignatureCheck::kVerify && !m.signature_valid()) {
    return invalid_argument("stream message: the signature does not match the publisher's key");
  }
  return m;
}

std::vector<uint8_t> encode(const Subscription& sub) {
  flatbuffers::FlatBufferBuilder b(64);
  auto stream = b.CreateString(sub.stream_id);
  b.Finish(wire::CreateSubscribe(b, stream, sub.partition));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Result<Subscription> decode_subscribe(std::span<const uint8_t> bytes) {
  const wire::Subscribe* w = verified_root<wire::Subscribe>(bytes, 8, 16);
  if (!w) return invalid_argument("subscribe: malformed (FlatBuffers verification failed)");
  STRATA_RETURN_IF_ERROR(check_stream_id(w->stream_id(), "subscribe"));
  return Subscription{w->stream_id()->str(), w->partition()};
}

std::vector<uint8_t> encode(const ResendRequest& r) {
  flatbuffers::FlatBufferBuilder b(96);
  auto stream = b.CreateString(r.partition.stream_id);
  b.Finish(wire::CreateResend(b, stream, r.partition.partition, r.from.timestamp, r.from.sequence, r.to.timestamp,
                              r.to.sequence));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Result<ResendRequest> decode_resend(std::span<const uint8_t> bytes) {
  const wire::Resend* w = verified_root<wire::Resend>(bytes, 8, 16);
  if (!w) return invalid_argument("resend: malformed (FlatBuffers verification failed)");
  STRATA_RETURN_IF_ERROR(check_stream_id(w->stream_id(), "resend"));
  ResendRequest r{{w->stream_id()->str(), w->partition()},
                  {w->from_timestamp(), w->from_sequence()},
                  {w->to_timestamp(), w->to_sequence()}};
  if (r.to < r.from) return invalid_argument("resend: the range ends before it starts");
  return r;
}

ChainTracker::Outcome ChainTracker::observe(const StreamMessage& m) {
  // Keyed by the publisher's key (its id is the key's hash: the same chains, without hashing).
  const PublicKey& publisher = m.publisher;
  auto view = std::make_tuple(std::string_view(m.stream_id), m.partition, std::cref(publisher), std::string_view(m.chain_id));
  auto it = chains_.find(view);
  bool is_new = it == chains_.end();
  if (is_new) it = chains_.try_emplace(ChainKey{m.stream_id, m.partition, publisher, m.chain_id}).first;
  Chain& chain = it->second;
  if (is_new || chain.last < m.ref) {
    MessageRef from = is_new ? MessageRef{} : chain.last;
    chain.last = m.ref;
    // The predecessor is newer than anything delivered: the messages between are missing.
    if (m.has_prev && (is_new || from < m.prev)) {
      chain.gaps.emplace_back(from, m.ref);
      return {Verdict::kGap, from, m.ref};
    }
    return {Verdict::kDeliver, {}, {}};
  }
  // At or before the newest: new only if it fills a gap and was not delivered before.
  for (const auto& [from, to] : chain.gaps) {
    if ((from < m.ref || (from == MessageRef{} && m.ref == MessageRef{})) && m.ref < to) {
      if (chain.filled.insert(m.ref).second) return {Verdict::kDeliver, {}, {}};
      break;
    }
  }
  return {Verdict::kDuplicate, {}, {}};
}

}  // namespace strata::network
