// The stream layer of a node: publish and subscribe over the authenticated transport. Every
// message is checked against the stream's permissions and its signature before it is stored,
// delivered or forwarded; duplicates are dropped per message chain, so a message published at
// any node reaches every subscriber of its partition once. Interest in a partition spreads to
// neighbours, which forward that partition's messages towards the subscribers. A message whose
// predecessor never arrived opens a gap, which the node fills by asking the peer that sent it for
// the missing range; storage nodes answer from their store.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/stream_message.h"
#include "network/stream_registry.h"
#include "network/stream_store.h"
#include "network/transport.h"

namespace strata::network {

class StreamNode {
 public:
  using Listener = std::function<void(const StreamMessage& message)>;

  struct Options {
    TransportNode::Options transport;
    std::string storage_dir;  // empty: no storage
  };

  // `registry` holds the streams this node knows; it must outlive the node.
  static Result<std::unique_ptr<StreamNode>> start(const Identity& identity, StreamRegistry& registry, Options options);
  ~StreamNode();

  TransportNode& transport();

  // Signs and publishes a message from this node's identity.
  Status publish(StreamMessage message);
  // Delivers the partition's messages to `listener` from now on (on the thread that accepts each
  // message: the network thread, or the publisher's for local messages).
  Status subscribe(const std::string& stream, uint32_t partition, Listener listener);
  // Messages refused from peers, with the reason ("<node>: <reason>").
  std::vector<std::string> refused() const;
  // The node's storage (null without one).
  StreamStore* store();
  // How many peers asked this node for the partition's messages.
  size_t peer_interest(const std::string& stream, uint32_t partition) const;

  struct Impl;

 private:
  explicit StreamNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::network
