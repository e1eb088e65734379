#include "network/transport/transport.h"

#include <boost/asio.hpp>
#include <boost/container/small_vector.hpp>

#include <array>
#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <sodium.h>
#include <thread>
#include <utility>

#include "network/transport/address_rate.h"
#include "network/transport/listen.h"
#include "network/transport/peer_session.h"
#include "network/verified.h"
#include "schema/handshake_generated.h"

namespace strata::network {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr size_t kReadBytes = 64 * 1024;

HandshakeRole peer_role(HandshakeRole self) {
  return self == HandshakeRole::kDialer ? HandshakeRole::kAcceptor : HandshakeRole::kDialer;
}

std::string decimal(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

}  // namespace

struct Session : std::enable_shared_from_this<Session> {
  Session(tcp::socket s, uint32_t max_payload)
      : socket(std::move(s)), timer(socket.get_executor()), keepalive(socket.get_executor()),
        coalesce(socket.get_executor()), decoder(std::min(max_payload, kMaxHandshakePayload)), max_payload(max_payload) {}
  tcp::socket socket;
  asio::steady_timer timer;      // the handshake deadline
  asio::steady_timer keepalive;  // pings and the idle check, once authenticated
  asio::steady_timer coalesce;   // holds back a flush that follows the last one too closely
  std::chrono::steady_clock::time_point last_flush{};
  std::chrono::steady_clock::time_point last_received = std::chrono::steady_clock::now();
  FrameDecoder decoder;  // bounded to a handshake's frames until the peer is authenticated
  uint32_t max_payload;
  // The handshake (network/transport/peer_session.h): this side's Hello as sent and its ephemeral key, the
  // peer's session key and the transcript, until the peer's Auth is verified and the session's
  // keys are derived (a peer that proves nothing costs no Diffie-Hellman).
  EphemeralKey ephemeral;
  std::vector<uint8_t> sent_hello;
  std::array<uint8_t, 32> peer_session_key{};
  Transcript transcript{};
  std::optional<RecordSealer> sealer;
  std::optional<RecordOpener> opener;
  bool reading_records = false;  // the peer's Auth has been read: the rest are records
  // A large frame still arriving: what it holds of the node's budget for those, which frame it
  // is (the decoder's count of frames before it) and since when.
  size_t large_frame_held = 0;
  uint64_t large_frame_index = 0;
  std::chrono::steady_clock::time_point large_frame_since{};
  bool have_hello = false, authenticated = false, timed_out = false, closed = false;
  bool inbound = false;         // it dialled this node
  HandshakeRole role() const { return inbound ? HandshakeRole::kAcceptor : HandshakeRole::kDialer; }
  bool counted_inbound = false;  // one of the authenticated inbound peers
  std::string remote_ip;  // AddressRate::key_of the remote address
  PeerInfo peer;
  using Bytes = std::shared_ptr<const std::vector<uint8_t>>;  // one encoding, shared by every peer it goes to
  std::deque<Bytes> outbox;                 // encoded frames (network thread only)
  size_t plain_frames = 0;                  // the first of them, the handshake's, go in the clear
  size_t front_written = 0;                 // bytes of outbox's front frame already in a record
  std::vector<uint8_t> write_buffer;        // what one write sends: a record, or handshake frames
  bool writing = false;
  // Frames queued by other threads, moved to the outbox by one posted flush per batch.
  std::mutex inbox_mutex;
  std::vector<Bytes> inbox;
  bool flush_posted = false;
  std::atomic<size_t> queued_bytes{0};  // in inbox and outbox: a bound on what a slow peer costs
  bool overflowed = false;              // under inbox_mutex
  std::function<void(Result<PeerInfo>)> on_handshake;  // outbound connections wait on this
};

struct TransportNode::Impl {
  Impl(const Identity& id, Options o, FrameHandler h, PeerHandler p, PeerHandler l)
      : identity(id), options(std::move(o)), on_frame(std::move(h)), on_peer(std::move(p)), on_peer_lost(std::move(l)),
        work(asio::make_work_guard(io)), acceptor(io) {}

  Identity identity;
  Options options;
  FrameHandler on_frame;
  PeerHandler on_peer;
  PeerHandler on_peer_lost;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  tcp::acceptor acceptor;
  std::thread thread;
  uint16_t port = 0;
  std::set<std::shared_ptr<Session>> sessions;  // network thread only
  // Network thread only:
  size_t unauthenticated = 0;                    // inbound sessions still in their handshake
  std::map<std::string, size_t> handshaking_from;  // the same, by AddressRate::key_of
  uint64_t refused_unauthenticated = 0;          // connections closed for the caps on those
  AddressRate handshake_rate{options.handshakes_per_second_per_address, options.handshake_burst_per_address};
  uint64_t refused_for_rate = 0;                 // connections closed for handshake_rate
  size_t inbound_peers = 0;                      // authenticated sessions that dialled this node
  size_t exchange_dials = 0;                     // dials started by peer exchange, not yet done
  size_t large_frames_held = 0;                  // of options.max_large_frames_total

  // A frame over kLargeFrameBytes that is still arriving holds its declared size of the budget
  // for such frames (all peers together) until it is complete: a few peers that each start a
  // 64 MiB frame and trickle it cannot make the node hold gigabytes. A frame that would go over
  // the budget drops its peer, as does one still arriving after options.large_frame_timeout.
  Status track_large_frame(const std::shared_ptr<Session>& s) {
    size_t pending = s->decoder.pending_frame_bytes();
    if (pending <= kLargeFrameBytes) {
      release_large_frame(s);
      return Status::ok();
    }
    if (s->large_frame_held > 0 && s->large_frame_index == s->decoder.frames_decoded()) return Status::ok();
    release_large_frame(s);
    if (large_frames_held + pending > options.max_large_frames_total) {
      return unavailable("a frame of " + std::to_string(pending >> 20) + " MiB would take the node over the " +
                         std::to_string(options.max_large_frames_total >> 20) +
                         " MiB it holds for large frames still arriving (all peers together)");
    }
    large_frames_held += pending;
    s->large_frame_held = pending;
    s->large_frame_index = s->decoder.frames_decoded();
    s->large_frame_since = std::chrono::steady_clock::now();
    return Status::ok();
  }
  void release_large_frame(const std::shared_ptr<Session>& s) {
    large_frames_held -= s->large_frame_held;
    s->large_frame_held = 0;
  }

  // The handshake slot of an inbound session, given back when it authenticates or goes.
  void release_handshake_slot(const std::shared_ptr<Session>& s) {
    if (!s->inbound) return;
    --unauthenticated;
    auto it = handshaking_from.find(s->remote_ip);
    if (it != handshaking_from.end() && --it->second == 0) handshaking_from.erase(it);
  }
  mutable std::mutex mutex;                      // guards peers and rejections
  std::map<NodeId, std::shared_ptr<Session>> peers;
  std::vector<std::string> rejections;

  // Frames queued before the peer is authenticated are the handshake's, and go in the clear.
  void queue(const std::shared_ptr<Session>& s, FrameType type, std::span<const uint8_t> payload) {
    if (s->closed) return;
    s->outbox.push_back(std::make_shared<const std::vector<uint8_t>>(encode_frame(type, payload)));
    add_queued(s, s->outbox.back()->size());
    if (!s->authenticated) ++s->plain_frames;
    if (!s->writing) write_next(s);
  }

  // Writes what is queued with one system call. After the handshake that is one record: up to
  // kMaxRecordPlaintext bytes of frames (small ones together, a large one in slices) copied into
  // the write buffer and sealed there. Copying is cheap next to a send and a seal per frame, and
  // the receiver gets fewer, larger reads.
  void write_next(const std::shared_ptr<Session>& s) {
    if (s->outbox.empty() || s->closed) {
      s->writing = false;
      return;
    }
    s->writing = true;
    s->write_buffer.clear();
    size_t taken = 0;  // bytes of queued frames this write carries
    if (s->plain_frames > 0) {
      for (; s->plain_frames > 0 && !s->outbox.empty(); --s->plain_frames) {
        const auto& frame = *s->outbox.front();
        s->write_buffer.insert(s->write_buffer.end(), frame.begin(), frame.end());
        taken += frame.size();
        s->outbox.pop_front();
      }
    } else if (!s->sealer) {
      drop(s, "a frame was queued before the session's keys");  // unreachable: frames wait for the handshake
      return;
    } else {
      size_t record = s->sealer->begin(s->write_buffer);
      while (!s->outbox.empty() && taken < kMaxRecordPlaintext) {
        const auto& frame = *s->outbox.front();
        size_t n = std::min(frame.size() - s->front_written, kMaxRecordPlaintext - taken);
        const uint8_t* from = frame.data() + s->front_written;
        s->write_buffer.insert(s->write_buffer.end(), from, from + n);
        taken += n;
        s->front_written += n;
        if (s->front_written == frame.size()) {
          s->outbox.pop_front();
          s->front_written = 0;
        }
      }
      Status sealed = s->sealer->end(s->write_buffer, record);
      if (!sealed.is_ok()) {
        drop(s, sealed.message());
        return;
      }
    }
    asio::async_write(s->socket, asio::buffer(s->write_buffer), [this, s, taken](boost::system::error_code ec, size_t) {
      if (s->closed) return;  // what it had queued was given back when it was dropped
      remove_queued(s, taken);
      if (ec) {
        drop(s, "write failed: " + ec.message());
        return;
      }
      write_next(s);
    });
  }

  Status enqueue(const std::shared_ptr<Session>& s, Session::Bytes frame, size_t peer_count);

  // What waits to be written, per peer and for all of them (any thread).
  std::atomic<size_t> queued_total{0};
  void add_queued(const std::shared_ptr<Session>& s, size_t n) {
    s->queued_bytes += n;
    queued_total += n;
  }
  void remove_queued(const std::shared_ptr<Session>& s, size_t n) {
    s->queued_bytes -= n;
    queued_total -= n;
  }

  // Moves frames queued by other threads to the outbox (network thread). Under load, flushes
  // come at most once per flush_interval: frames sent meanwhile wait in the inbox without
  // waking this thread, and go out together, which saves a wake-up and a write per message
  // (and the receivers a read each). A lone message after a quiet spell goes at once.
  void flush_inbox(const std::shared_ptr<Session>& s, bool timer_fired = false) {
    auto now = std::chrono::steady_clock::now();
    if (!timer_fired && options.flush_interval.count() > 0 && now - s->last_flush < options.flush_interval) {
      s->coalesce.expires_at(s->last_flush + options.flush_interval);
      s->coalesce.async_wait([this, s](boost::system::error_code ec) {
        if (!ec) flush_inbox(s, true);
      });
      return;  // flush_posted stays set: senders keep adding without posting
    }
    s->last_flush = now;
    std::vector<Session::Bytes> frames;
    {
      std::lock_guard lock(s->inbox_mutex);
      frames.swap(s->inbox);
      s->flush_posted = false;
    }
    if (s->closed) return;
    for (auto& f : frames) s->outbox.push_back(std::move(f));
    if (!s->writing) write_next(s);
  }

  void drop(const std::shared_ptr<Session>& s, const std::string& reason) {
    if (s->closed) return;
    s->closed = true;
    boost::system::error_code ignored;
    s->timer.cancel();
    s->keepalive.cancel();
    s->coalesce.cancel();
    s->socket.close(ignored);
    {
      std::lock_guard lock(s->inbox_mutex);  // nothing more is queued for it
      s->overflowed = true;
      remove_queued(s, s->queued_bytes);
      s->inbox.clear();
    }
    s->outbox.clear();
    release_large_frame(s);
    if (sessions.erase(s)) {
      if (!s->authenticated) release_handshake_slot(s);
      if (s->counted_inbound) --inbound_peers;
    }
    bool was_peer = false;
    {
      std::lock_guard lock(mutex);
      auto it = peers.find(s->peer.id);
      if (it != peers.end() && it->second == s) {
        peers.erase(it);
        was_peer = true;
      }
      rejections.push_back((s->peer.address.empty() ? std::string("peer") : s->peer.address) + ": " + reason);
      if (rejections.size() > 1000) rejections.erase(rejections.begin());  // the most recent are kept
    }
    if (options.on_drop) options.on_drop((s->peer.address.empty() ? std::string("peer") : s->peer.address) + ": " + reason);
    if (was_peer && on_peer_lost) on_peer_lost(s->peer);
    if (s->on_handshake) {
      auto done = std::move(s->on_handshake);
      s->on_handshake = nullptr;
      done(unavailable("connection to " + s->peer.address + " failed: " + reason));
    }
  }

  void send_hello(const std::shared_ptr<Session>& s) {
    s->ephemeral = EphemeralKey::generate();
    std::array<uint8_t, 32> nonce_bytes{};
    randombytes_buf(nonce_bytes.data(), nonce_bytes.size());
    flatbuffers::FlatBufferBuilder b(192);
    auto key = b.CreateVector(identity.public_key().data(), identity.public_key().size());
    auto nonce = b.CreateVector(nonce_bytes.data(), nonce_bytes.size());
    auto session_key = b.CreateVector(s->ephemeral.public_key.data(), s->ephemeral.public_key.size());
    b.Finish(wire::CreateHello(b, key, nonce, port, session_key));
    s->sent_hello.assign(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
    queue(s, FrameType::kHello, s->sent_hello);
  }

  // The peer's Hello gives the transcript, which this side's Auth signs. The acceptor sends its
  // own Hello only now, so a connection that sends nothing costs it no key: the dialer waits no
  // longer for that, as the acceptor's Auth goes out with it.
  Status answer_hello(const std::shared_ptr<Session>& s, const FrameView& frame) {
    const wire::Hello* hello = verified_root<wire::Hello>(frame.payload, 8, 64);
    if (!hello || !hello->public_key() || hello->public_key()->size() != 32 || !hello->nonce() ||
        hello->nonce()->size() != 32 || !hello->session_key() || hello->session_key()->size() != 32) {
      return invalid_argument(
          "malformed hello (a 32-byte key, a 32-byte nonce and a 32-byte session key are required)");
    }
    std::copy(hello->public_key()->begin(), hello->public_key()->end(), s->peer.key.begin());
    std::copy(hello->session_key()->begin(), hello->session_key()->end(), s->peer_session_key.begin());
    s->peer.listen_port = hello->listen_port();
    s->have_hello = true;
    if (s->inbound) send_hello(s);
    s->transcript = s->inbound ? handshake_transcript(frame.payload, s->sent_hello)
                               : handshake_transcript(s->sent_hello, frame.payload);
    Signature sig = identity.sign(auth_message(s->role(), s->transcript));
    flatbuffers::FlatBufferBuilder b(128);
    auto sv = b.CreateVector(sig.data(), sig.size());
    b.Finish(wire::CreateAuth(b, sv));
    queue(s, FrameType::kAuth, std::span(b.GetBufferPointer(), b.GetSize()));
    return Status::ok();
  }

  // Advances the handshake or hands a verified frame on; an error drops the peer.
  Status handle(const std::shared_ptr<Session>& s, const FrameView& frame) {
    if (s->authenticated) {
      if (frame.type == FrameType::kHello || frame.type == FrameType::kAuth) {
        return invalid_argument("a second handshake on an open connection");
      }
      if (frame.type == FrameType::kPeers) return learn_peers(frame);
      if (frame.type == FrameType::kPing) return verify_frame_payload(frame);
      // The handler checks the payloads it takes (the stream node decodes them fully anyway);
      // without one, the transport does. Either way a bad payload drops the peer.
      // A handler that throws drops the peer with the reason rather than ending the network thread.
      if (on_frame) return status_of([&] { return on_frame(s->peer, frame); }, "handling a frame");
      return verify_frame_payload(frame);
    }
    if (!s->have_hello) {
      if (frame.type != FrameType::kHello) {
        return invalid_argument(std::string("a ") + frame_type_name(frame.type) + " frame before the handshake");
      }
      return answer_hello(s, frame);
    }
    if (frame.type != FrameType::kAuth) {
      return invalid_argument(std::string("a ") + frame_type_name(frame.type) + " frame before the handshake");
    }
    const wire::Auth* auth = verified_root<wire::Auth>(frame.payload, 8, 64);
    if (!auth || !auth->signature() || auth->signature()->size() != 64) {
      return invalid_argument("malformed auth (a 64-byte signature is required)");
    }
    Signature sig{};
    std::copy(auth->signature()->begin(), auth->signature()->end(), sig.begin());
    if (!verify_signature(s->peer.key, auth_message(peer_role(s->role()), s->transcript), sig)) {
      return invalid_argument("the handshake signature does not match the claimed key");
    }
    auto keys = derive_session_keys(s->role(), s->ephemeral, s->peer_session_key, s->transcript);
    if (!keys.is_ok()) return keys.status();
    s->ephemeral = EphemeralKey();  // its secret is not needed again
    s->sealer.emplace(keys->send);
    s->opener.emplace(keys->receive);
    s->peer.id = node_id_of(s->peer.key);
    if (s->peer.id == identity.node_id()) return invalid_argument("the peer is this node itself");
    {
      std::lock_guard lock(mutex);
      if (peers.count(s->peer.id)) return invalid_argument("already connected to node " + to_hex(s->peer.id).substr(0, 16));
      peers[s->peer.id] = s;
    }
    if (s->inbound && inbound_peers >= options.max_inbound_peers) {
      std::lock_guard lock(mutex);
      peers.erase(s->peer.id);
      return unavailable("this node takes at most " + std::to_string(options.max_inbound_peers) +
                         " peers that dial it, and has them");
    }
    s->authenticated = true;
    release_handshake_slot(s);
    if (s->inbound) {
      s->counted_inbound = true;
      ++inbound_peers;
    }
    s->decoder.set_max_payload(s->max_payload);
    s->timer.cancel();
    arm_keepalive(s);
    if (options.peer_exchange) send_peers(s);
    if (on_peer) on_peer(s->peer);
    if (s->on_handshake) {
      auto done = std::move(s->on_handshake);
      s->on_handshake = nullptr;
      done(s->peer);
    }
    return Status::ok();
  }

  // Every tick: drop the peer if it has been silent too long, else send a ping (if enabled).
  void arm_keepalive(const std::shared_ptr<Session>& s) {
    auto tick = options.keepalive_interval.count() > 0 ? options.keepalive_interval : options.idle_timeout;
    s->keepalive.expires_after(std::min(tick, options.idle_timeout));
    s->keepalive.async_wait([this, s](boost::system::error_code ec) {
      if (ec || s->closed) return;
      auto now = std::chrono::steady_clock::now();
      auto silent = now - s->last_received;
      if (silent >= options.idle_timeout) {
        drop(s, "no traffic for " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(silent).count()) +
                    " ms");
        return;
      }
      if (s->large_frame_held > 0 && now - s->large_frame_since > options.large_frame_timeout) {
        drop(s, "a frame of " + std::to_string(s->large_frame_held >> 20) + " MiB has been arriving for over " +
                    std::to_string(options.large_frame_timeout.count()) + " s");
        return;
      }
      if (options.keepalive_interval.count() > 0) queue(s, FrameType::kPing, {});
      arm_keepalive(s);
    });
  }

  // Peer exchange: the other authenticated peers that accept connections, with their addresses.
  void send_peers(const std::shared_ptr<Session>& to) {
    flatbuffers::FlatBufferBuilder b(256);
    std::vector<flatbuffers::Offset<wire::PeerEntry>> entries;
    {
      std::lock_guard lock(mutex);
      for (const auto& [id, s] : peers) {
        if (s == to || s->peer.listen_port == 0) continue;
        std::string host = s->peer.address.substr(0, s->peer.address.rfind(':'));
        auto key = b.CreateVector(s->peer.key.data(), s->peer.key.size());
        auto h = b.CreateString(host);
        entries.push_back(wire::CreatePeerEntry(b, key, h, s->peer.listen_port));
      }
    }
    if (entries.empty()) return;
    auto list = b.CreateVector(entries);
    b.Finish(wire::CreatePeers(b, list));
    queue(to, FrameType::kPeers, std::span(b.GetBufferPointer(), b.GetSize()));
  }

  Status learn_peers(const FrameView& frame) {
    const wire::Peers* list = verified_root<wire::Peers>(frame.payload, 8, 64);
    if (!list) return invalid_argument("malformed peers message");
    if (!options.peer_exchange || !list->entries()) return Status::ok();
    size_t started = 0;
    for (const wire::PeerEntry* e : *list->entries()) {
      if (!e->public_key() || e->public_key()->size() != 32 || !e->host() || e->host()->size() == 0 ||
          e->host()->size() > 255 || e->port() == 0) {
        return invalid_argument("malformed peer entry");
      }
      // A host is an address or a name: letters, digits and . - : _ only.
      std::string_view host = e->host()->string_view();
      if (host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:_") != std::string_view::npos) {
        return invalid_argument("malformed peer entry: the host is not an address or a name");
      }
      // One peer's list starts a few dials at most, and dials in progress count against max_peers.
      if (started >= options.max_dials_per_exchange) break;
      PublicKey key{};
      std::copy(e->public_key()->begin(), e->public_key()->end(), key.begin());
      NodeId id = node_id_of(key);
      {
        std::lock_guard lock(mutex);
        if (id == identity.node_id() || peers.count(id) || peers.size() + exchange_dials >= options.max_peers) continue;
      }
      ++started;
      ++exchange_dials;
      start_connect(std::string(host), e->port(), [this](Result<PeerInfo>) { --exchange_dials; });
    }
    return Status::ok();
  }

  // Dials host:port on the network thread; `done` gets the authenticated peer or the failure.
  void start_connect(const std::string& host, uint16_t port, std::function<void(Result<PeerInfo>)> done) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) {
      dial(std::vector<tcp::endpoint>{tcp::endpoint(address, port)}, host, port, std::move(done));
      return;
    }
    // A name (a container's, a machine's): resolved first, then its addresses tried in turn.
    auto resolver = std::make_shared<tcp::resolver>(io);
    resolver->async_resolve(host, std::to_string(port),
                            [this, resolver, host, port, done](boost::system::error_code rec, tcp::resolver::results_type r) {
                              if (rec || r.empty()) {
                                done(unavailable("cannot resolve '" + host + "': " + (rec ? rec.message() : "no address")));
                                return;
                              }
                              std::vector<tcp::endpoint> endpoints;
                              for (const auto& e : r) endpoints.push_back(e.endpoint());
                              dial(std::move(endpoints), host, port, done);
                            });
  }

  void dial(std::vector<tcp::endpoint> endpoints, const std::string& host, uint16_t port,
            std::function<void(Result<PeerInfo>)> done) {
    auto socket = std::make_shared<tcp::socket>(io);
    asio::async_connect(*socket, endpoints, [this, socket, done, host, port](boost::system::error_code cec, const tcp::endpoint&) {
      if (cec) {
        done(unavailable("cannot connect to " + host + ":" + std::to_string(port) + ": " + cec.message()));
        return;
      }
      auto s = std::make_shared<Session>(std::move(*socket), options.max_payload);
      s->on_handshake = done;
      asio::co_spawn(io, run(s), asio::detached);
    });
  }

  asio::awaitable<void> run(std::shared_ptr<Session> s) {
    sessions.insert(s);
    if (s->inbound) {
      ++unauthenticated;
      ++handshaking_from[s->remote_ip];
    }
    boost::system::error_code ec;
    s->socket.set_option(tcp::no_delay(true), ec);  // frames are batched by write_next already
    auto remote = s->socket.remote_endpoint(ec);
    if (!ec) s->peer.address = remote.address().to_string() + ":" + std::to_string(remote.port());
    s->timer.expires_after(options.handshake_timeout);
    s->timer.async_wait([this, s](boost::system::error_code wait_ec) {
      if (!wait_ec && !s->authenticated) {
        s->timed_out = true;
        drop(s, "the handshake timed out");
      }
    });
    if (!s->inbound) send_hello(s);  // the acceptor answers the dialer's Hello with its own
    for (;;) {
      size_t n = 0;
      // Handshake frames are read straight into the decoder, records into their opener.
      std::span<uint8_t> space = s->reading_records ? s->opener->prepare(kReadBytes) : s->decoder.prepare(kReadBytes);
      try {
        n = co_await s->socket.async_read_some(asio::buffer(space.data(), space.size()), asio::use_awaitable);
      } catch (const boost::system::system_error& e) {
        drop(s, e.code() == asio::error::eof ? "connection closed by the peer" : "read failed: " + e.code().message());
        co_return;
      }
      if (s->closed) co_return;
      s->last_received = std::chrono::steady_clock::now();
      Status st = Status::ok();
      if (s->reading_records) {
        s->opener->commit(n);
        st = s->opener->open_into(s->decoder);
      } else {
        s->decoder.commit(n);
      }
      if (st.is_ok()) st = handle_frames(s);
      if (st.is_ok() && !s->closed) st = track_large_frame(s);
      if (!st.is_ok()) {
        drop(s, st.message());
        co_return;
      }
    }
  }

  // Handles every complete frame in the decoder. Once the peer's Auth is accepted, the bytes
  // behind it are records: they go to the opener, and their frames are handled in turn.
  Status handle_frames(const std::shared_ptr<Session>& s) {
    for (;;) {
      auto frame = s->decoder.next_view();
      if (!frame.is_ok()) return frame.status();
      if (!frame->has_value()) return Status::ok();
      STRATA_RETURN_IF_ERROR(handle(s, **frame));
      if (s->closed) return Status::ok();  // a handler dropped it: nothing more is read
      if (s->authenticated && !s->reading_records) {
        s->reading_records = true;
        s->opener->feed(s->decoder.take_unread());
        STRATA_RETURN_IF_ERROR(s->opener->open_into(s->decoder));
      }
    }
  }

  asio::awaitable<void> accept_loop() {
    co_await accept_connections(
        acceptor,
        [this](tcp::socket socket) {
          boost::system::error_code ec;
          auto remote = socket.remote_endpoint(ec);
          // Counted as the rate counts it: an IPv6 host by its /64 (it holds all of it), an
          // IPv4-mapped address as the IPv4 address.
          std::string ip = ec ? std::string() : AddressRate::key_of(remote.address());
          if (!ec && !handshake_rate.admit(ip)) {
            // Before any crypto is spent; the first refusal of a burst is reported.
            if (refused_for_rate++ == 0 && options.log) {
              options.log("refusing connections from " + ip + ": more than " +
                          decimal(options.handshakes_per_second_per_address) + " handshakes per second");
            }
            boost::system::error_code ignored;
            socket.close(ignored);
            return;
          }
          refused_for_rate = 0;
          auto from = handshaking_from.find(ip);
          if (unauthenticated >= options.max_unauthenticated ||
              (from != handshaking_from.end() && from->second >= options.max_unauthenticated_per_address)) {
            // Connections that have proven nothing yet are capped; the first refusal of a burst
            // is reported, as each would be one more line.
            if (refused_unauthenticated++ == 0 && options.log) {
              options.log("refusing connections: " + std::to_string(unauthenticated) +
                          " are still in their handshake (at most " + std::to_string(options.max_unauthenticated) +
                          ", " + std::to_string(options.max_unauthenticated_per_address) + " from one address)");
            }
            boost::system::error_code ignored;
            socket.close(ignored);
            return;
          }
          refused_unauthenticated = 0;
          auto s = std::make_shared<Session>(std::move(socket), options.max_payload);
          s->inbound = true;
          s->remote_ip = ip;
          asio::co_spawn(io, run(s), asio::detached);
        },
        options.log);
  }
};

TransportNode::TransportNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TransportNode::~TransportNode() { stop(); }

void TransportNode::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    auto sessions = impl->sessions;
    for (auto& s : sessions) impl->drop(s, "node shutting down");
    impl->work.reset();
  });
  impl_->thread.join();
}

Result<std::unique_ptr<TransportNode>> TransportNode::start(const Identity& identity, Options options,
                                                            FrameHandler on_frame, PeerHandler on_peer,
                                                            PeerHandler on_peer_lost) {
  if (sodium_init() < 0) return internal_error("libsodium failed to initialize");
  auto impl = std::make_unique<Impl>(identity, std::move(options), std::move(on_frame), std::move(on_peer),
                                     std::move(on_peer_lost));
  STRATA_RETURN_IF_ERROR(listen_on(impl->acceptor, impl->options.listen_host, impl->options.listen_port, "for peers"));
  impl->port = impl->acceptor.local_endpoint().port();
  Impl* raw = impl.get();
  asio::co_spawn(impl->io, raw->accept_loop(), asio::detached);
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<TransportNode>(new TransportNode(std::move(impl)));
}

uint16_t TransportNode::port() const { return impl_->port; }
const NodeId& TransportNode::node_id() const { return impl_->identity.node_id(); }

Result<PeerInfo> TransportNode::connect(const std::string& host, uint16_t port) {
  auto promise = std::make_shared<std::promise<Result<PeerInfo>>>();
  auto future = promise->get_future();
  asio::post(impl_->io, [impl = impl_.get(), host, port, promise] {
    impl->start_connect(host, port, [promise](Result<PeerInfo> r) { promise->set_value(std::move(r)); });
  });
  if (future.wait_for(impl_->options.handshake_timeout + std::chrono::seconds(2)) != std::future_status::ready) {
    return unavailable("connecting to " + host + ":" + std::to_string(port) + " timed out");
  }
  return future.get();
}

// Queues an encoded frame for a session from any thread; one posted flush carries a batch.
// A peer that does not read what it is sent is dropped once options.max_queued_bytes wait for
// it, rather than letting its queue take the node's memory.
// All peers together may have options.max_queued_bytes_total waiting: past it, a peer holding
// more than its share is dropped the same way, and a send to another is refused for now.
Status TransportNode::Impl::enqueue(const std::shared_ptr<Session>& s, Session::Bytes frame, size_t peer_count) {
  bool post = false;
  std::string overflow;
  size_t size = frame->size();
  {
    std::lock_guard lock(s->inbox_mutex);
    if (s->overflowed) return unavailable("peer " + to_hex(s->peer.id).substr(0, 16) + " is being dropped");
    size_t share = options.max_queued_bytes_total / std::max<size_t>(1, peer_count);
    if (s->queued_bytes + size > options.max_queued_bytes) {
      overflow = "the peer reads too slowly: over " + std::to_string(options.max_queued_bytes >> 20) + " MiB queued for it";
    } else if (queued_total + size > options.max_queued_bytes_total && s->queued_bytes + size > share) {
      overflow = "the peer reads too slowly: over its share (" + std::to_string(share >> 20) + " MiB) of the " +
                 std::to_string(options.max_queued_bytes_total >> 20) + " MiB all peers may have queued";
    } else if (queued_total + size > options.max_queued_bytes_total) {
      return unavailable("the node's send queues are full (" + std::to_string(options.max_queued_bytes_total >> 20) +
                         " MiB for all peers); try again");
    } else {
      add_queued(s, size);
      s->inbox.push_back(std::move(frame));
      post = !std::exchange(s->flush_posted, true);
    }
    if (!overflow.empty()) s->overflowed = true;
  }
  if (!overflow.empty()) {
    asio::post(io, [this, s, overflow] { drop(s, overflow); });
    return unavailable("peer " + to_hex(s->peer.id).substr(0, 16) + ": " + overflow);
  }
  if (post) asio::post(io, [this, s] { flush_inbox(s); });
  return Status::ok();
}

Status TransportNode::send(const NodeId& peer, FrameType type, std::vector<uint8_t> payload) {
  return send_many({peer}, type, payload);
}

Status TransportNode::send_many(const std::vector<NodeId>& peers, FrameType type, std::span<const uint8_t> payload) {
  if (payload.size() > impl_->options.max_payload) return invalid_argument("frame payload over the bound");
  boost::container::small_vector<std::shared_ptr<Session>, 8> sessions;  // no allocation per message
  Status missing;
  size_t peer_count = 0;
  {
    std::lock_guard lock(impl_->mutex);
    peer_count = impl_->peers.size();
    for (const NodeId& peer : peers) {
      auto it = impl_->peers.find(peer);
      if (it == impl_->peers.end()) {
        missing = not_found("no connected peer " + to_hex(peer).substr(0, 16));
      } else {
        sessions.push_back(it->second);
      }
    }
  }
  if (!sessions.empty()) {
    auto frame = std::make_shared<const std::vector<uint8_t>>(encode_frame(type, payload));
    for (const auto& s : sessions) {
      Status queued = impl_->enqueue(s, frame, peer_count);
      if (!queued.is_ok()) missing = queued;
    }
  }
  return missing;
}

std::vector<PeerInfo> TransportNode::peers() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<PeerInfo> out;
  for (const auto& [id, s] : impl_->peers) out.push_back(s->peer);
  return out;
}

std::vector<std::string> TransportNode::rejections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->rejections;
}

}  // namespace strata::network
