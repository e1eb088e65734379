// Stream messages: building, signing, verifying and (de)serializing them, and the per-chain
// bookkeeping that drops duplicates and finds gaps to fill by resend.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "host/status.h"
#include "network/transport/identity.h"

namespace strata::network {

// A position in a message chain: ordered by timestamp, then sequence number.
struct MessageRef {
  uint64_t timestamp = 0;
  uint32_t sequence = 0;
  auto operator<=>(const MessageRef&) const = default;
};

struct StreamMessage {
  std::string stream_id;
  uint32_t partition = 0;
  MessageRef ref;
  PublicKey publisher{};
  std::string chain_id;
  bool has_prev = false;
  MessageRef prev;
  std::string content_type;
  std::vector<uint8_t> payload;
  Signature signature{};

  NodeId publisher_id() const { return node_id_of(publisher); }
  // The bytes the signature covers: every field but the signature, each length-prefixed.
  std::vector<uint8_t> signed_bytes() const;
  void sign(const Identity& identity);  // sets publisher and signature
  bool signature_valid() const;
};

inline constexpr size_t kMaxStreamIdBytes = 256;
inline constexpr size_t kMaxStreamPayload = 1u << 20;

std::vector<uint8_t> encode(const StreamMessage& message);
// Verifies the FlatBuffer, the field bounds and, unless told to skip it, the signature. Skipping
// is for bytes whose signature was already checked (a node's own store) or is checked later on
// the same path (the stream node, after permissions and duplicates), so a message costs one
// signature verification per hop.
enum class SignatureCheck { kVerify, kSkip };
// The same checks as decoding, signature aside, without copying anything out.
Status check_stream_message(std::span<const uint8_t> bytes);
// The field bounds decoding enforces, for a message built here rather than received.
Status check_bounds(const StreamMessage& message);
Result<StreamMessage> decode_stream_message(std::span<const uint8_t> bytes,
                                            SignatureCheck check = SignatureCheck::kVerify);

struct Subscription {
  std::string stream_id;
  uint32_t partition = 0;
  auto operator<=>(const Subscription&) const = default;
};
std::vector<uint8_t> encode(const Subscription& subscription);
Result<Subscription> decode_subscribe(std::span<const uint8_t> bytes);

struct ResendRequest {
  Subscription partition;
  MessageRef from, to;  // inclusive
};
std::vector<uint8_t> encode(const ResendRequest& request);
Result<ResendRequest> decode_resend(std::span<const uint8_t> bytes);

// Tracks, per (stream, partition, publisher, chain), what has been delivered: duplicates are
// dropped, a message whose predecessor was never seen opens a gap to be filled by resend, and
// messages that fill a gap are delivered once.
class ChainTracker {
 public:
  enum class Verdict { kDeliver, kDuplicate, kGap };
  struct Outcome {
    Verdict verdict;
    MessageRef gap_from, gap_to;  // for kGap: the missing messages lie after gap_from, before gap_to
  };
  // A message that reveals a gap is still delivered (kGap); the gap is for a resend to fill.
  Outcome observe(const StreamMessage& message);

 private:
  struct Chain {
    MessageRef last;
    std::vector<std::pair<MessageRef, MessageRef>> gaps;  // open intervals (from, to)
    std::set<MessageRef> filled;                          // delivered inside a gap
  };
  using ChainKey = std::tuple<std::string, uint32_t, PublicKey, std::string>;
  // Orders keys and their views alike, both compared as views (clang cannot compare tuples of
  // different element types through std::less<>).
  struct ChainLess {
    using is_transparent = void;
    using View = std::tuple<std::string_view, uint32_t, const PublicKey&, std::string_view>;
    static View view(const ChainKey& k) { return {std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k)}; }
    static const View& view(const View& v) { return v; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const { return view(a) < view(b); }
  };
  std::map<ChainKey, Chain, ChainLess> chains_;  // looked up by views, without copying the key
};

}  // namespace strata::network
