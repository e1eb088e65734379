// The stream layer of a node: publish and subscribe over the authenticated transport. Every
// message is checked against the stream's permissions and its signature before it is stored,
// delivered or forwarded; duplicates are dropped per message chain, so a message published at
// any node reaches every subscriber of its partition once. Interest in a partition spreads to
// neighbours, which forward that partition's messages towards the subscribers. A message whose
// predecessor never arrived opens a gap, which the node fills by asking the peer that sent it for
// the missing range; storage nodes answer from their store. A storage node is assigned every
// partition of every stream it knows and joins their overlays by itself. Stream metadata, signed
// by each stream's owner, spreads the same way to every node.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/stream/stream_message.h"
#include "network/stream/stream_registry.h"
#include "network/stream/stream_store.h"
#include "network/transport/transport.h"

namespace strata::network {

// What a storage node sends for one peer's Resend (a gap to fill): at most this many messages
// and payload bytes, from the gap's start.
inline constexpr ReadBound kMaxPeerResend{4096, size_t(8) << 20};

class StreamNode {
 public:
  using Listener = std::function<void(const StreamMessage& message)>;

  struct Options {
    TransportNode::Options transport;
    std::string storage_dir;  // empty: no storage
    // With storage: the node's database to keep messages in (its own at storage_dir otherwise).
    std::shared_ptr<class NodeDb> storage_db;
    // For the transport benchmark only: publish unsigned and accept without checking signatures.
    bool signatures = true;
    // Where the signatures of peers' messages are checked in batches, off the network thread
    // (network/stream/signature_batcher.h: "auto", or open_device's spec); empty: one at a time on the
    // network thread with libsodium.
    std::string verify_device = "auto";
    // Told of every refusal ("<node>: <reason>"), on the thread that refused.
    std::function<void(const std::string&)> on_refuse;
  };

  static Result<std::unique_ptr<StreamNode>> start(const Identity& identity, Options options);
  ~StreamNode();

  TransportNode& transport();
  const Identity& identity() const;
  const StreamRegistry& registry() const;

  // Creates a stream owned by this node's key and announces it to the network. The metadata's
  // owner, version and signature are filled in here.
  Result<StreamMetadata> create_stream(StreamMetadata metadata);
  // Replaces a stream's permissions; only for streams this node's key owns.
  Result<StreamMetadata> set_permissions(const std::string& stream, std::set<NodeId> publishers,
                                         std::set<NodeId> subscribers, bool public_subscribe);

  // Signs and publishes a message whose identification the caller has set.
  Status publish(StreamMessage message);
  // Publishes a message signed elsewhere (a client holding its own key): checked like a message
  // from a peer, permission and signature, before it goes anywhere.
  Status publish_signed(const StreamMessage& message);
  // The same for a client that publishes many: the message joins the node's next signature batch
  // (on its verify device, with the peers' messages) instead of being checked on the caller's
  // thread, in order with the others it queued. Returns once it is queued; a refusal of the message
  // goes to on_refuse, as a peer's does. Local messages may fill half the queue, so peers always
  // have room: beyond that it returns unavailable at once and the caller tries again later (it
  // never waits, so a listener may call it). Without a verify device it is publish_signed.
  Status publish_signed_queued(StreamMessage message);
  // Publishes the next message of this node's chain on the partition: timestamp (ms, never going
  // back), sequence number and previous reference are filled in. Returns what was published.
  Result<StreamMessage> publish(const std::string& stream, uint32_t partition, std::string content_type,
                                std::vector<uint8_t> payload);

  // Delivers the partition's messages to `listener` from now on, on the thread that accepts each
  // message (the network thread, or the publisher's for local messages), so it must not block.
  // Returns a handle for unsubscribe.
  Result<uint64_t> subscribe(const std::string& stream, uint32_t partition, Listener listener);
  void unsubscribe(uint64_t handle);

  // Frames of other kinds (blobs, and later market messages) go to `handler`, on the network
  // thread; an error from it drops the peer. Types with no handler are checked and ignored.
  // Whatever the handler uses must stay valid until transport().stop() or the node's end.
  void handle_frames(std::vector<FrameType> types, TransportNode::FrameHandler handler);

  // Messages and metadata refused from peers, with the reason ("<node>: <reason>"), the most
  // recent 1000, and how many in all.
  std::vector<std::string> refused() const;
  uint64_t refused_count() const;
  // The node's storage (null without one).
  StreamStore* store();
  // How many peers asked this node for the partition's messages.
  size_t peer_interest(const std::string& stream, uint32_t partition) const;
  struct Interest {
    Subscription partition;
    size_t local_listeners = 0;
    size_t peers = 0;  // peers that asked for it
    std::vector<NodeId> peer_ids;
  };
  // Every partition this node or a peer is interested in.
  std::vector<Interest> interests() const;

  struct Impl;

 private:
  explicit StreamNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::network
