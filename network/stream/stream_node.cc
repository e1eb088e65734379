#include "network/stream/stream_node.h"

#include "network/stream/signature_batcher.h"

#include <boost/container/small_vector.hpp>

#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string_view>
#include <utility>

#include "network/clock.h"

namespace strata::network {
namespace {

constexpr size_t kRefusedKept = 1000;
constexpr size_t kPendingSubscribesKept = 1024;

// 48 random bits in 12 hex digits: unique per publisher in practice, and short enough that every
// copy of it stays inside std::string's own buffer (no allocation per message).
std::string random_chain_id() {
  std::random_device rd;
  uint64_t v = ((uint64_t(rd()) << 32) ^ rd()) & 0xffffffffffffull;
  char buf[13];
  std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(v));
  return buf;
}

// Orders partitions, and finds them by (stream id view, partition) without copying the id.
struct PartitionLess {
  using is_transparent = void;
  using View = std::pair<std::string_view, uint32_t>;
  static View view(const Subscription& s) { return {s.stream_id, s.partition}; }
  static const View& view(const View& v) { return v; }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return view(a) < view(b);
  }
};

}  // namespace

struct StreamNode::Impl {
  Impl(const Identity& id, Options o) : identity(id), options(std::move(o)), chain_id(random_chain_id()) {}

  Identity identity;
  Options options;
  std::string chain_id;  // this node's message chain, one per start
  StreamRegistry registry;
  std::unique_ptr<StreamStore> store;
  std::unique_ptr<TransportNode> transport;
  std::promise<void> transport_ready;  // set once `transport` is stored
  std::mutex publish_mutex;  // serializes this node's own chain
  mutable std::mutex mutex;  // guards everything below
  ChainTracker tracker;
  uint64_t next_handle = 1;
  // Shared, so delivering copies a pointer rather than the function.
  std::map<Subscription, std::map<uint64_t, std::shared_ptr<const Listener>>, PartitionLess> local;
  std::map<Subscription, std::set<NodeId>, PartitionLess> remote;  // peers that asked for a partition
  std::set<Subscription> interest;                  // partitions this node asked its peers for
  std::map<Subscription, std::set<NodeId>> asked;   // which peers it asked, per partition
  std::map<Subscription, MessageRef> own_last;      // this node's chain, per partition
  std::deque<std::string> refused;
  uint64_t refused_total = 0;
  std::map<FrameType, TransportNode::FrameHandler> other_frames;
  // Subscribe requests for streams whose metadata has not arrived yet, retried when it does.
  std::deque<std::pair<NodeId, Subscription>> pending_subscribes;
  // Last, so that it stops (delivering what it holds) before everything it delivers to goes.
  std::unique_ptr<SignatureBatcher> batcher;

  void refuse(const NodeId* from, const std::string& reason) {
    std::string line = (from ? short_id(*from) : std::string("local")) + ": " + reason;
    if (options.on_refuse) options.on_refuse(line);
    std::lock_guard lock(mutex);
    refused.push_back(std::move(line));
    if (refused.size() > kRefusedKept) refused.pop_front();
    ++refused_total;
  }

  // Asks every peer but `except` for the partition, each peer once. A node that relays a peer's
  // interest does not ask that peer back; once it wants the partition itself (except null), it
  // asks every peer, that one included.
  void spread_interest(const Subscription& sub, const NodeId* except) {
    std::vector<NodeId> to_ask;
    {
      std::lock_guard lock(mutex);
      interest.insert(sub);
      std::set<NodeId>& done = asked[sub];
      for (const PeerInfo& p : transport->peers()) {
        if ((except && p.id == *except) || done.count(p.id)) continue;
        done.insert(p.id);
        to_ask.push_back(p.id);
      }
    }
    for (const NodeId& id : to_ask) (void)transport->send(id, FrameType::kSubscribe, encode(sub));
  }

  // Sends stream metadata to every peer but `except`.
  void spread_metadata(const StreamMetadata& m, const NodeId* except) {
    std::vector<uint8_t> bytes = encode(m);
    for (const PeerInfo& p : transport->peers()) {
      if (except && p.id == *except) continue;
      (void)transport->send(p.id, FrameType::kStreamInfo, bytes);
    }
  }

  // Takes metadata from a peer or from this node: applies, keeps and passes on what is new.
  Status take_metadata(const StreamMetadata& m, const NodeId* from) {
    auto changed = registry.apply(m);
    if (!changed.is_ok()) return changed.status();
    if (!*changed) return Status::ok();
    if (store) STRATA_RETURN_IF_ERROR(store->put_metadata(m));
    spread_metadata(m, from);
    serve_partitions(m);
    std::vector<std::pair<NodeId, Subscription>> retry;
    {
      std::lock_guard lock(mutex);
      for (auto it = pending_subscribes.begin(); it != pending_subscribes.end();) {
        if (it->second.stream_id == m.id) {
          retry.push_back(*it);
          it = pending_subscribes.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (const auto& [peer, sub] : retry) take_subscribe(peer, sub);
    return Status::ok();
  }

  // A storage node is assigned every partition of every stream it knows: it joins each
  // partition's overlay as a subscriber would, so it stores messages nobody else asked for.
  void serve_partitions(const StreamMetadata& m) {
    if (!store) return;
    for (uint32_t p = 0; p < m.partitions; ++p) spread_interest(Subscription{m.id, p}, nullptr);
  }

  void take_subscribe(const NodeId& from, const Subscription& sub) {
    Status allowed = registry.check_subscribe(sub.stream_id, sub.partition, from);
    if (allowed.code() == StatusCode::kNotFound) {
      std::lock_guard lock(mutex);  // the metadata may still be on its way
      pending_subscribes.emplace_back(from, sub);
      if (pending_subscribes.size() > kPendingSubscribesKept) pending_subscribes.pop_front();
      return;
    }
    if (!allowed.is_ok()) return refuse(&from, allowed.message());
    {
      std::lock_guard lock(mutex);
      remote[sub].insert(from);
    }
    spread_interest(sub, &from);
  }

  void on_peer(const PeerInfo& peer) {
    // Metadata first: the peer must know a stream before it can accept interest in it.
    for (const StreamMetadata& m : registry.all()) (void)transport->send(peer.id, FrameType::kStreamInfo, encode(m));
    std::set<Subscription> subs;
    {
      std::lock_guard lock(mutex);
      subs = interest;
      for (const Subscription& sub : subs) asked[sub].insert(peer.id);  // a new connection: ask again
    }
    for (const Subscription& sub : subs) (void)transport->send(peer.id, FrameType::kSubscribe, encode(sub));
  }

  // A payload that does not decode drops the peer (the error); a well-formed message that is
  // not allowed is refused and recorded, and the peer stays.
  // A peer that is gone no longer gets messages, and is asked again when it comes back.
  void on_peer_lost(const PeerInfo& peer) {
    std::lock_guard lock(mutex);
    for (auto it = remote.begin(); it != remote.end();) {
      it->second.erase(peer.id);
      it = it->second.empty() ? remote.erase(it) : std::next(it);
    }
    for (auto& [sub, peers] : asked) peers.erase(peer.id);
  }

  Status on_frame(const PeerInfo& from, const FrameView& frame) {
    switch (frame.type) {
      case FrameType::kSubscribe: {
        auto sub = decode_subscribe(frame.payload);
        if (!sub.is_ok()) return sub.status();
        take_subscribe(from.id, *sub);
        return Status::ok();
      }
      case FrameType::kStreamInfo: {
        auto m = decode_stream_metadata(frame.payload);
        if (!m.is_ok()) return m.status();
        Status s = take_metadata(*m, &from.id);
        if (!s.is_ok()) refuse(&from.id, s.message());
        return Status::ok();
      }
      case FrameType::kResend: {
        auto request = decode_resend(frame.payload);
        if (!request.is_ok()) return request.status();
        const Subscription& sub = request->partition;
        Status allowed = registry.check_subscribe(sub.stream_id, sub.partition, from.id);
        if (!allowed.is_ok()) {
          refuse(&from.id, allowed.message());
          return Status::ok();
        }
        if (!store) return Status::ok();  // only storage nodes answer
        // A gap is filled from its start, at most kMaxPeerResend at a time: a peer asking for a
        // whole stream costs one bounded read; what is still missing shows as a gap again.
        auto messages = store->range(sub.stream_id, sub.partition, request->from, request->to, kMaxPeerResend);
        if (!messages.is_ok()) {
          refuse(&from.id, messages.status().message());
          return Status::ok();
        }
        for (const StreamMessage& m : *messages) (void)transport->send(from.id, FrameType::kPublish, encode(m));
        return Status::ok();
      }
      case FrameType::kPublish: {
        auto message = decode_stream_message(frame.payload, SignatureCheck::kSkip);  // checked in accept
        if (!message.is_ok()) return message.status();
        if (batcher) {
          batcher->submit({std::move(*message), from.id, {frame.payload.begin(), frame.payload.end()}});
        } else {
          (void)accept(*message, &from.id, frame.payload);
        }
        return Status::ok();
      }
      default: {
        TransportNode::FrameHandler handler;
        {
          std::lock_guard lock(mutex);
          if (auto it = other_frames.find(frame.type); it != other_frames.end()) handler = it->second;
        }
        if (handler) return handler(from, frame);
        return verify_frame_payload(frame);  // nobody here takes it; checked all the same
      }
    }
  }

  // Signs (unless signatures are off for a benchmark) and accepts a message from this node.
  Status publish_own(StreamMessage& m) {
    if (options.signatures) {
      m.sign(identity);
    } else {
      m.publisher = identity.public_key();
    }
    return accept(m, nullptr, {}, true);
  }

  // Checks, deduplicates, stores, delivers and forwards one message. `bytes`, when given, is its
  // encoding, forwarded as it came. `signature_checked`: the batcher's verdict on its signature.
  Status accept(const StreamMessage& m, const NodeId* from, std::span<const uint8_t> bytes = {},
                bool signed_here = false, std::optional<bool> signature_checked = std::nullopt) {
    // A message from here (signed here or by a client) keeps the bounds every peer's decoder
    // enforces, or it would be refused by all of them. Messages this node just signed need no
    // check of the signature; all others do (a refused one again with libsodium, for the reason).
    Status allowed = from ? Status::ok() : check_bounds(m);
    if (allowed.is_ok()) {
      bool check_signature = options.signatures && !signed_here && !signature_checked.value_or(false);
      allowed = check_signature ? registry.check_publish(m) : registry.check_publisher(m);
    }
    if (!allowed.is_ok()) {
      refuse(from, allowed.message());
      return allowed;
    }
    PartitionLess::View sub{m.stream_id, m.partition};
    boost::container::small_vector<std::shared_ptr<const Listener>, 4> listeners;  // no allocation per message
    std::vector<NodeId> targets;
    std::optional<ResendRequest> gap;
    {
      std::lock_guard lock(mutex);
      ChainTracker::Outcome outcome = tracker.observe(m);
      if (outcome.verdict == ChainTracker::Verdict::kDuplicate) return Status::ok();
      // A gap: ask the peer that sent this message for what is missing.
      if (outcome.verdict == ChainTracker::Verdict::kGap && from) {
        gap = ResendRequest{{m.stream_id, m.partition}, outcome.gap_from, outcome.gap_to};
      }
      if (auto it = local.find(sub); it != local.end()) {
        for (const auto& [handle, l] : it->second) listeners.push_back(l);
      }
      if (auto it = remote.find(sub); it != remote.end()) {
        targets.reserve(it->second.size());
        for (const NodeId& id : it->second)
          if (!from || id != *from) targets.push_back(id);
      }
    }
    if (gap) (void)transport->send(*from, FrameType::kResend, encode(*gap));
    if (store) STRATA_RETURN_IF_ERROR(store->put(m));
    for (const auto& l : listeners) (*l)(m);
    if (!targets.empty()) {
      if (!bytes.empty()) {
        (void)transport->send_many(targets, FrameType::kPublish, bytes);
      } else {
        (void)transport->send_many(targets, FrameType::kPublish, encode(m));
      }
    }
    return Status::ok();
  }
};

StreamNode::StreamNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StreamNode::~StreamNode() {
  // Stops the network thread before the rest goes; the transport stays valid meanwhile, since
  // handlers still running use it.
  if (impl_->transport) impl_->transport->stop();
}

Result<std::unique_ptr<StreamNode>> StreamNode::start(const Identity& identity, Options options) {
  auto impl = std::make_unique<Impl>(identity, options);
  if (!options.storage_dir.empty() || options.storage_db) {
    auto store = options.storage_db ? StreamStore::open(options.storage_db) : StreamStore::open(options.storage_dir);
    if (!store.is_ok()) return store.status();
    impl->store = std::move(store.value());
    auto known = impl->store->all_metadata();
    if (!known.is_ok()) return known.status();
    for (const StreamMetadata& m : *known) {
      auto applied = impl->registry.apply(m);
      if (!applied.is_ok()) return applied.status();
    }
  }
  Impl* raw = impl.get();
  // A peer may connect before start() has stored the transport: handlers wait until it has.
  std::shared_future<void> ready = raw->transport_ready.get_future().share();
  auto transport = TransportNode::start(
      identity, options.transport,
      [raw, ready](const PeerInfo& from, const FrameView& f) {
        ready.wait();
        return raw->on_frame(from, f);
      },
      [raw, ready](const PeerInfo& peer) {
        ready.wait();
        raw->on_peer(peer);
      },
      [raw, ready](const PeerInfo& peer) {
        ready.wait();
        raw->on_peer_lost(peer);
      });
  if (!transport.is_ok()) return transport.status();
  if (options.signatures && !options.verify_device.empty()) {
    SignatureBatcher::Options batching;
    batching.device = options.verify_device;
    batching.on_error = [raw](const std::string& why) { raw->refuse(nullptr, why); };
    raw->batcher = std::make_unique<SignatureBatcher>(batching, [raw](const SignatureBatcher::Pending& p, bool valid) {
      (void)raw->accept(p.message, p.from ? &*p.from : nullptr, p.bytes, false, valid);
    });
  }
  impl->transport = std::move(transport.value());
  raw->transport_ready.set_value();
  for (const StreamMetadata& m : impl->registry.all()) impl->serve_partitions(m);  // asked of peers as they come
  return std::unique_ptr<StreamNode>(new StreamNode(std::move(impl)));
}

TransportNode& StreamNode::transport() { return *impl_->transport; }
const Identity& StreamNode::identity() const { return impl_->identity; }
const StreamRegistry& StreamNode::registry() const { return impl_->registry; }
StreamStore* StreamNode::store() { return impl_->store.get(); }

Result<StreamMetadata> StreamNode::create_stream(StreamMetadata metadata) {
  metadata.version = now_ms();
  metadata.sign(impl_->identity);
  STRATA_RETURN_IF_ERROR(impl_->registry.create(metadata));
  if (impl_->store) STRATA_RETURN_IF_ERROR(impl_->store->put_metadata(metadata));
  impl_->spread_metadata(metadata, nullptr);
  impl_->serve_partitions(metadata);
  return metadata;
}

Result<StreamMetadata> StreamNode::set_permissions(const std::string& stream, std::set<NodeId> publishers,
                                                   std::set<NodeId> subscribers, bool public_subscribe) {
  auto known = impl_->registry.get(stream);
  if (!known.is_ok()) return known.status();
  StreamMetadata m = *known;
  if (m.owner() != impl_->identity.node_id()) {
    return invalid_argument("stream '" + stream + "': only its owner " + short_id(m.owner()) +
                            " may change permissions, and this node is " + short_id(impl_->identity.node_id()));
  }
  m.publishers = std::move(publishers);
  m.subscribers = std::move(subscribers);
  m.public_subscribe = public_subscribe;
  m.version = std::max(now_ms(), m.version + 1);
  m.sign(impl_->identity);
  STRATA_RETURN_IF_ERROR(impl_->take_metadata(m, nullptr));
  return m;
}

Status StreamNode::publish(StreamMessage message) { return impl_->publish_own(message); }

Status StreamNode::publish_signed(const StreamMessage& message) { return impl_->accept(message, nullptr); }

Status StreamNode::publish_signed_queued(StreamMessage message) {
  if (!impl_->batcher) return publish_signed(message);
  // The bounds are checked now, as publish_signed does first: an oversized message is refused
  // before it takes room in the queue.
  STRATA_RETURN_IF_ERROR(check_bounds(message));
  if (!impl_->batcher->try_submit({std::move(message), std::nullopt, {}}, impl_->batcher->max_queued_bytes() / 2)) {
    return unavailable("the node's signature queue is full: try again once it has checked what it holds");
  }
  return Status::ok();
}

Result<StreamMessage> StreamNode::publish(const std::string& stream, uint32_t partition, std::string content_type,
                                          std::vector<uint8_t> payload) {
  StreamMessage m;
  m.stream_id = stream;
  m.partition = partition;
  m.chain_id = impl_->chain_id;
  m.content_type = std::move(content_type);
  m.payload = std::move(payload);
  Subscription sub{stream, partition};
  std::lock_guard publishing(impl_->publish_mutex);  // one chain, published in order
  {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->own_last.find(sub);
    uint64_t now = now_ms();
    if (it == impl_->own_last.end()) {
      m.ref = {now, 0};
    } else {
      m.has_prev = true;
      m.prev = it->second;
      m.ref = now > m.prev.timestamp ? MessageRef{now, 0} : MessageRef{m.prev.timestamp, m.prev.sequence + 1};
    }
  }
  STRATA_RETURN_IF_ERROR(impl_->publish_own(m));
  std::lock_guard lock(impl_->mutex);
  impl_->own_last[sub] = m.ref;
  return m;
}

Result<uint64_t> StreamNode::subscribe(const std::string& stream, uint32_t partition, Listener listener) {
  STRATA_RETURN_IF_ERROR(impl_->registry.check_subscribe(stream, partition, impl_->identity.node_id()));
  Subscription sub{stream, partition};
  uint64_t handle = 0;
  {
    std::lock_guard lock(impl_->mutex);
    handle = impl_->next_handle++;
    impl_->local[sub].emplace(handle, std::make_shared<const Listener>(std::move(listener)));
  }
  impl_->spread_interest(sub, nullptr);
  return handle;
}

void StreamNode::unsubscribe(uint64_t handle) {
  std::lock_guard lock(impl_->mutex);
  for (auto& [sub, listeners] : impl_->local) listeners.erase(handle);
}

void StreamNode::handle_frames(std::vector<FrameType> types, TransportNode::FrameHandler handler) {
  std::lock_guard lock(impl_->mutex);
  for (FrameType t : types) impl_->other_frames[t] = handler;
}

std::vector<std::string> StreamNode::refused() const {
  std::lock_guard lock(impl_->mutex);
  return {impl_->refused.begin(), impl_->refused.end()};
}

uint64_t StreamNode::refused_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->refused_total;
}

size_t StreamNode::peer_interest(const std::string& stream, uint32_t partition) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->remote.find(Subscription{stream, partition});
  return it == impl_->remote.end() ? 0 : it->second.size();
}

std::vector<StreamNode::Interest> StreamNode::interests() const {
  std::lock_guard lock(impl_->mutex);
  std::map<Subscription, Interest> all;
  for (const auto& [sub, listeners] : impl_->local) {
    all[sub].partition = sub;
    all[sub].local_listeners = listeners.size();
  }
  for (const auto& [sub, peers] : impl_->remote) {
    all[sub].partition = sub;
    all[sub].peers = peers.size();
    all[sub].peer_ids.assign(peers.begin(), peers.end());
  }
  std::vector<Interest> out;
  for (const auto& [sub, interest] : all) out.push_back(interest);
  return out;
}

}  // namespace strata::network
