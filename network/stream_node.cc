#include "network/stream_node.h"

#include <map>
#include <mutex>
#include <set>

namespace strata::network {

struct StreamNode::Impl {
  Impl(const Identity& id, StreamRegistry& reg) : identity(id), registry(reg) {}

  Identity identity;
  StreamRegistry& registry;
  std::unique_ptr<StreamStore> store;
  std::unique_ptr<TransportNode> transport;
  mutable std::mutex mutex;  // guards everything below
  ChainTracker tracker;
  std::map<Subscription, std::vector<Listener>> local;
  std::map<Subscription, std::set<NodeId>> remote;  // peers that asked for a partition
  std::set<Subscription> interest;                  // partitions this node asked its peers for
  std::vector<std::string> refused;
  std::vector<std::pair<NodeId, ResendRequest>> gap_requests;  // to send, outside the lock

  void refuse(const NodeId* from, const std::string& reason) {
    std::lock_guard lock(mutex);
    refused.push_back((from ? to_hex(*from).substr(0, 16) : std::string("local")) + ": " + reason);
  }

  // Asks every peer but `except` for the partition, once.
  void spread_interest(const Subscription& sub, const NodeId* except) {
    {
      std::lock_guard lock(mutex);
      if (!interest.insert(sub).second) return;
    }
    for (const PeerInfo& p : transport->peers()) {
      if (except && p.id == *except) continue;
      (void)transport->send(p.id, FrameType::kSubscribe, encode(sub));
    }
  }

  void on_peer(const PeerInfo& peer) {
    std::set<Subscription> subs;
    {
      std::lock_guard lock(mutex);
      subs = interest;
    }
    for (const Subscription& sub : subs) (void)transport->send(peer.id, FrameType::kSubscribe, encode(sub));
  }

  void on_frame(const PeerInfo& from, const Frame& frame) {
    if (frame.type == FrameType::kSubscribe) {
      auto sub = decode_subscribe(frame.payload);
      if (!sub.is_ok()) return refuse(&from.id, sub.status().message());
      Status allowed = registry.check_subscribe(sub->stream_id, sub->partition, from.id);
      if (!allowed.is_ok()) return refuse(&from.id, allowed.message());
      {
        std::lock_guard lock(mutex);
        remote[*sub].insert(from.id);
      }
      spread_interest(*sub, &from.id);
    } else if (frame.type == FrameType::kResend) {
      auto request = decode_resend(frame.payload);
      if (!request.is_ok()) return refuse(&from.id, request.status().message());
      const Subscription& sub = request->partition;
      Status allowed = registry.check_subscribe(sub.stream_id, sub.partition, from.id);
      if (!allowed.is_ok()) return refuse(&from.id, allowed.message());
      if (!store) return;  // only storage nodes answer
      auto messages = store->range(sub.stream_id, sub.partition, request->from, request->to);
      if (!messages.is_ok()) return refuse(&from.id, messages.status().message());
      for (const StreamMessage& m : *messages) (void)transport->send(from.id, FrameType::kPublish, encode(m));
    } else if (frame.type == FrameType::kPublish) {
      auto message = decode_stream_message(frame.payload);
      if (!message.is_ok()) return refuse(&from.id, message.status().message());
      (void)accept(*message, &from.id);
    }
  }

  // Checks, deduplicates, stores, delivers and forwards one message.
  Status accept(const StreamMessage& m, const NodeId* from) {
    Status allowed = registry.check_publish(m);
    if (!allowed.is_ok()) {
      refuse(from, allowed.message());
      return allowed;
    }
    Subscription sub{m.stream_id, m.partition};
    std::vector<Listener> listeners;
    std::vector<NodeId> targets;
    {
      std::lock_guard lock(mutex);
      ChainTracker::Outcome outcome = tracker.observe(m);
      if (outcome.verdict == ChainTracker::Verdict::kDuplicate) return Status::ok();
      // A gap: ask the peer that sent this message for what is missing.
      if (outcome.verdict == ChainTracker::Verdict::kGap && from) {
        gap_requests.push_back({*from, ResendRequest{sub, outcome.gap_from, outcome.gap_to}});
      }
      if (auto it = local.find(sub); it != local.end()) listeners = it->second;
      if (auto it = remote.find(sub); it != remote.end()) {
        for (const NodeId& id : it->second)
          if (!from || id != *from) targets.push_back(id);
      }
    }
    std::vector<std::pair<NodeId, ResendRequest>> requests;
    {
      std::lock_guard lock(mutex);
      requests.swap(gap_requests);
    }
    for (const auto& [peer, request] : requests) (void)transport->send(peer, FrameType::kResend, encode(request));
    if (store) STRATA_RETURN_IF_ERROR(store->put(m));
    for (const Listener& l : listeners) l(m);
    if (!targets.empty()) {
      std::vector<uint8_t> bytes = encode(m);
      for (const NodeId& id : targets) (void)transport->send(id, FrameType::kPublish, bytes);
    }
    return Status::ok();
  }
};

StreamNode::StreamNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StreamNode::~StreamNode() {
  impl_->transport.reset();  // stops the network thread before the rest goes
}

Result<std::unique_ptr<StreamNode>> StreamNode::start(const Identity& identity, StreamRegistry& registry,
                                                      Options options) {
  auto impl = std::make_unique<Impl>(identity, registry);
  if (!options.storage_dir.empty()) {
    auto store = StreamStore::open(options.storage_dir);
    if (!store.is_ok()) return store.status();
    impl->store = std::move(store.value());
  }
  Impl* raw = impl.get();
  auto transport = TransportNode::start(
      identity, options.transport, [raw](const PeerInfo& from, const Frame& f) { raw->on_frame(from, f); },
      [raw](const PeerInfo& peer) { raw->on_peer(peer); });
  if (!transport.is_ok()) return transport.status();
  impl->transport = std::move(transport.value());
  return std::unique_ptr<StreamNode>(new StreamNode(std::move(impl)));
}

TransportNode& StreamNode::transport() { return *impl_->transport; }
StreamStore* StreamNode::store() { return impl_->store.get(); }

Status StreamNode::publish(StreamMessage message) {
  message.sign(impl_->identity);
  return impl_->accept(message, nullptr);
}

Status StreamNode::subscribe(const std::string& stream, uint32_t partition, Listener listener) {
  STRATA_RETURN_IF_ERROR(impl_->registry.check_subscribe(stream, partition, impl_->identity.node_id()));
  Subscription sub{stream, partition};
  {
    std::lock_guard lock(impl_->mutex);
    impl_->local[sub].push_back(std::move(listener));
  }
  impl_->spread_interest(sub, nullptr);
  return Status::ok();
}

std::vector<std::string> StreamNode::refused() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->refused;
}

size_t StreamNode::peer_interest(const std::string& stream, uint32_t partition) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->remote.find(Subscription{stream, partition});
  return it == impl_->remote.end() ? 0 : it->second.size();
}

}  // namespace strata::network
