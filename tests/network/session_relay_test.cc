// A man in the middle between two real nodes on loopback. The attack the handshake used to
// allow: a peer that relays another node's handshake signature to pose as that node (and then
// read the streams meant for it). Now a signature covers this connection's ephemeral keys and
// both Hellos, so a relayed one fails on both sides; a relay that forwards every byte unchanged
// joins the two real nodes, but sees only ciphertext, and an altered byte ends the session.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "compute/render/messages.h"
#include "network/transport/transport.h"
#include "tests/network/hand_peer.h"
#include "tests/network/network_support.h"

namespace {

using namespace strata;
using namespace strata::network;
using namespace strata::compute;
namespace asio = boost::asio;
using asio::ip::tcp;
using tests::eventually;

const asio::ip::address kLoopback = asio::ip::make_address("127.0.0.1");

bool rejected_with(const TransportNode& node, const std::string& needle) {
  for (const std::string& r : node.rejections())
    if (r.find(needle) != std::string::npos) return true;
  return false;
}

bool has_peer(const TransportNode& node, const NodeId& id) {
  for (const PeerInfo& p : node.peers())
    if (p.id == id) return true;
  return false;
}

std::unique_ptr<TransportNode> start(uint8_t n, TransportNode::FrameHandler h = {}) {
  TransportNode::Options o;
  o.peer_exchange = false;
  auto node = TransportNode::start(tests::test_identity(n), o, std::move(h));
  EXPECT_TRUE(node.is_ok()) << node.status().to_string();
  return node.is_ok() ? std::move(node.value()) : nullptr;
}

// Reads one plaintext frame (the handshake's) from a blocking socket.
Frame read_plain_frame(tcp::socket& socket, FrameDecoder& decoder) {
  for (;;) {
    auto next = decoder.next();
    EXPECT_TRUE(next.is_ok());
    if (!next.is_ok()) return Frame{FrameType::kPing, {}};
    if (next->has_value()) return std::move(**next);
    std::array<uint8_t, 4096> buffer;
    size_t n = socket.read_some(asio::buffer(buffer));
    decoder.feed(std::span<const uint8_t>(buffer.data(), n));
  }
}

// The old relay attack. M dials B claiming to be A, with a session key of its own (so that it
// could read the session), and gets A to dial M, answering A with B's own Hello; A's signature,
// passed on to B, is over A's transcript, which holds A's session key and not M's. B refuses it,
// and A refuses B's signature for the same reason.
TEST(SessionRelay, ARelayedHandshakeSignatureIsRefusedOnBothSides) {
  auto a = start(41), b = start(42);
  ASSERT_TRUE(a && b);
  asio::io_context io;
  tcp::acceptor m_listen(io, tcp::endpoint(kLoopback, 0));

  tests::HandPeer to_b(b->port());
  to_b.send_hello(tests::test_identity(41).public_key());  // claims A, with M's own session key
  auto b_hello = to_b.read_hello();
  ASSERT_TRUE(b_hello.is_ok()) << b_hello.status().to_string();

  auto a_dials = std::async(std::launch::async, [&] { return a->connect("127.0.0.1", m_listen.local_endpoint().port()); });
  tcp::socket from_a = m_listen.accept();
  FrameDecoder from_a_frames;
  Frame a_hello = read_plain_frame(from_a, from_a_frames);
  ASSERT_EQ(a_hello.type, FrameType::kHello);
  asio::write(from_a, asio::buffer(encode_frame(FrameType::kHello, *b_hello)));  // B's Hello, as it is
  Frame a_auth = read_plain_frame(from_a, from_a_frames);
  ASSERT_EQ(a_auth.type, FrameType::kAuth);
  to_b.send_frame(FrameType::kAuth, a_auth.payload);  // A's signature, relayed to B

  EXPECT_TRUE(eventually([&] { return rejected_with(*b, "the handshake signature does not match"); }));
  EXPECT_FALSE(has_peer(*b, a->node_id()));
  auto b_auth = to_b.read_frame();  // B sent its Auth before it read the relayed one
  ASSERT_TRUE(b_auth.is_ok()) << b_auth.status().to_string();
  ASSERT_EQ(b_auth->type, FrameType::kAuth);
  asio::write(from_a, asio::buffer(encode_frame(FrameType::kAuth, b_auth->payload)));
  auto dialled = a_dials.get();
  EXPECT_FALSE(dialled.is_ok());
  EXPECT_TRUE(rejected_with(*a, "the handshake signature does not match"));
  EXPECT_FALSE(has_peer(*a, b->node_id()));

  // Both still serve: A and B connect directly.
  auto direct = a->connect("127.0.0.1", b->port());
  ASSERT_TRUE(direct.is_ok()) << direct.status().to_string();
  EXPECT_EQ(direct->id, b->node_id());
}

// A TCP relay on loopback: takes one connection and forwards it to `target` both ways, keeping
// every byte it passes, and flipping one bit of the dialler's next read when told to.
class Relay {
 public:
  explicit Relay(uint16_t target) : acceptor_(io_, tcp::endpoint(kLoopback, 0)) {
    thread_ = std::thread([this, target] {
      boost::system::error_code ec;
      acceptor_.accept(dialer_, ec);
      if (ec) return;
      upstream_.connect(tcp::endpoint(kLoopback, target), ec);
      if (ec) return;
      std::thread back([this] { pump(upstream_, dialer_, false); });
      pump(dialer_, upstream_, true);
      back.join();
    });
  }
  ~Relay() {
    for (int fd : {acceptor_.native_handle(), dialer_.native_handle(), upstream_.native_handle()}) {
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);  // ends blocked reads and the accept
    }
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void flip_next_from_dialer() { flip_ = true; }
  std::vector<uint8_t> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void pump(tcp::socket& from, tcp::socket& to, bool from_dialer) {
    std::array<uint8_t, 65536> buffer;
    for (;;) {
      boost::system::error_code ec;
      size_t n = from.read_some(asio::buffer(buffer), ec);
      if (ec) break;
      if (from_dialer && flip_.exchange(false)) buffer[n - 1] ^= 0x01;
      {
        std::lock_guard lock(mutex_);
        seen_.insert(seen_.end(), buffer.begin(), buffer.begin() + n);
      }
      asio::write(to, asio::buffer(buffer.data(), n), ec);
      if (ec) break;
    }
    ::shutdown(to.native_handle(), SHUT_WR);
  }
  asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::socket dialer_{io_}, upstream_{io_};
  std::thread thread_;
  std::atomic<bool> flip_{false};
  std::mutex mutex_;
  std::vector<uint8_t> seen_;
};

bool contains(const std::vector<uint8_t>& haystack, const std::string& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

TEST(SessionRelay, AByteForByteRelaySeesOnlyCiphertextAndCannotAlterIt) {
  const std::string secret = "job-for-node-B-only-7c1d";
  std::mutex mutex;
  std::vector<std::string> received;
  auto b = start(44, [&](const PeerInfo&, const FrameView& f) {
    STRATA_RETURN_IF_ERROR(verify_frame_payload(f));
    if (f.type == FrameType::kRenderTask) {
      auto task = decode_render_task(f.payload);
      std::lock_guard lock(mutex);
      received.push_back(task->job_id);
    }
    return Status::ok();
  });
  auto a = start(43);
  ASSERT_TRUE(a && b);
  Relay relay(b->port());
  auto peer = a->connect("127.0.0.1", relay.port());
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  EXPECT_EQ(peer->id, b->node_id());  // the relay only carries the bytes: A has reached B itself

  RenderTask task = tests::small_render_task(secret);
  ASSERT_TRUE(a->send(peer->id, FrameType::kRenderTask, encode(task)).is_ok());
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return received.size() == 1;
  }));
  EXPECT_EQ(received[0], secret);
  EXPECT_FALSE(contains(relay.seen(), secret));  // encrypted on the wire
  EXPECT_TRUE(contains(relay.seen(), "STRA"));   // only the handshake's frames are in the clear

  relay.flip_next_from_dialer();
  task.job_id = "second";
  ASSERT_TRUE(a->send(peer->id, FrameType::kRenderTask, encode(task)).is_ok());
  EXPECT_TRUE(eventually([&] { return rejected_with(*b, "does not authenticate"); }));
  EXPECT_TRUE(eventually([&] { return !has_peer(*b, a->node_id()); }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(received.size(), 1u);  // the altered task never reached the handler
}

}  // namespace

// The handshake attacked frame by frame: what arrives with the Auth, around it and instead of it.
namespace {

std::string last_rejection(const TransportNode& node) {
  auto r = node.rejections();
  return r.empty() ? "" : r.back();
}

TEST(SessionRelay, RecordsInTheSameSegmentAsTheAuthAreHandled) {
  std::mutex mutex;
  std::vector<std::string> received;
  auto b = start(52, [&](const PeerInfo&, const FrameView& f) {
    STRATA_RETURN_IF_ERROR(verify_frame_payload(f));
    if (f.type == FrameType::kRenderTask) {
      std::lock_guard lock(mutex);
      received.push_back(decode_render_task(f.payload)->job_id);
    }
    return Status::ok();
  });
  ASSERT_TRUE(b);
  Identity me = tests::test_identity(53);
  tests::HandPeer d(b->port());
  d.send_hello(me.public_key());
  ASSERT_TRUE(d.read_hello().is_ok());
  std::vector<uint8_t> segment = d.auth_frame(me);
  RenderTask task = tests::small_render_task("");
  for (int i = 0; i < 3; ++i) {
    task.job_id = "job" + std::to_string(i);
    auto f = encode_frame(FrameType::kRenderTask, encode(task));
    // a frame split across two records, then an empty record
    ASSERT_TRUE(d.seal(std::span(f).first(5), segment).is_ok());
    ASSERT_TRUE(d.seal(std::span(f).subspan(5), segment).is_ok());
    ASSERT_TRUE(d.seal({}, segment).is_ok());
  }
  d.send_raw(segment);  // Auth and records in one write
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return received.size() == 3;
  })) << last_rejection(*b);
  EXPECT_TRUE(has_peer(*b, me.node_id()));
}

TEST(SessionRelay, PlaintextAfterTheAuthIsRefused) {
  auto b = start(54);
  ASSERT_TRUE(b);
  Identity me = tests::test_identity(55);
  tests::HandPeer d(b->port());
  d.send_hello(me.public_key());
  ASSERT_TRUE(d.read_hello().is_ok());
  std::vector<uint8_t> segment = d.auth_frame(me);
  auto ping = encode_frame(FrameType::kPing, {});
  segment.insert(segment.end(), ping.begin(), ping.end());  // a plaintext frame right after the Auth
  d.send_raw(segment);
  EXPECT_TRUE(eventually([&] { return rejected_with(*b, "record: a length"); })) << last_rejection(*b);
  EXPECT_TRUE(eventually([&] { return !has_peer(*b, me.node_id()); }));
}

TEST(SessionRelay, AuthBeforeHelloTwoHellosAndLowOrderKeysAreRefused) {
  auto b = start(56);
  ASSERT_TRUE(b);
  Identity me = tests::test_identity(57);
  {
    tests::HandPeer d(b->port());
    d.send_frame(FrameType::kAuth, tests::auth_payload(Signature{}));
    EXPECT_TRUE(eventually([&] { return rejected_with(*b, "auth frame before the handshake"); })) << last_rejection(*b);
  }
  {
    tests::HandPeer d(b->port());
    auto h = encode_frame(FrameType::kHello, tests::hello_payload(me.public_key(), d.session_key()));
    h.insert(h.end(), h.begin(), h.end());
    d.send_raw(h);
    EXPECT_TRUE(eventually([&] { return rejected_with(*b, "hello frame before the handshake"); })) << last_rejection(*b);
  }
  {
    // A low-order session key is found when the keys are derived, once the Auth has verified.
    tests::HandPeer d(b->port());
    d.send_hello(me.public_key(), std::array<uint8_t, 32>{});
    ASSERT_TRUE(d.read_hello().is_ok());
    d.send_auth(me);
    EXPECT_TRUE(eventually([&] { return rejected_with(*b, "not a usable X25519 key"); })) << last_rejection(*b);
  }
}

// A man in the middle that sends a node's own Hello and Auth back to it.
TEST(SessionRelay, AReflectedHandshakeIsRefused) {
  auto a = start(58);
  ASSERT_TRUE(a);
  asio::io_context io;
  tcp::acceptor m_listen(io, tcp::endpoint(kLoopback, 0));
  auto dialled = std::async(std::launch::async, [&] { return a->connect("127.0.0.1", m_listen.local_endpoint().port()); });
  tcp::socket from_a = m_listen.accept();
  FrameDecoder frames;
  Frame hello = read_plain_frame(from_a, frames);
  asio::write(from_a, asio::buffer(encode_frame(FrameType::kHello, hello.payload)));
  Frame auth = read_plain_frame(from_a, frames);
  ASSERT_EQ(auth.type, FrameType::kAuth);
  asio::write(from_a, asio::buffer(encode_frame(FrameType::kAuth, auth.payload)));
  auto r = dialled.get();
  EXPECT_FALSE(r.is_ok());
  EXPECT_TRUE(rejected_with(*a, "the handshake signature does not match")) << last_rejection(*a);
}

// A node dialling itself (through a relay or directly): both sessions' signatures are valid, the
// id check must stop it.
TEST(SessionRelay, ANodeDiallingItselfIsRefused) {
  auto a = start(59);
  ASSERT_TRUE(a);
  auto r = a->connect("127.0.0.1", a->port());
  EXPECT_FALSE(r.is_ok());
  EXPECT_TRUE(eventually([&] { return rejected_with(*a, "the peer is this node itself"); })) << last_rejection(*a);
  EXPECT_TRUE(a->peers().empty());
}

// Sends from another thread racing the end of the handshake, big and small frames: none in the
// clear, all arrive, in order.
TEST(SessionRelay, FramesSentAsTheHandshakeEndsAreAllSealedAndInOrder) {
  const std::string marker = "MARKER-in-clear-";
  std::mutex mutex;
  std::vector<std::string> received;
  size_t big = 0;
  auto b = start(60, [&](const PeerInfo&, const FrameView& f) {
    if (f.type == FrameType::kRenderResult && f.payload.size() == (3u << 20)) {
      std::lock_guard lock(mutex);
      ++big;
      return Status::ok();
    }
    STRATA_RETURN_IF_ERROR(verify_frame_payload(f));
    if (f.type == FrameType::kRenderTask) {
      std::lock_guard lock(mutex);
      auto t = decode_render_task(f.payload);
      if (t->job_id.size() > 1000) ++big;
      else received.push_back(t->job_id);
    }
    return Status::ok();
  });
  std::atomic<bool> go{false};
  TransportNode* a_ptr = nullptr;
  std::unique_ptr<TransportNode> a;
  {
    TransportNode::Options o;
    o.peer_exchange = true;
    o.keepalive_interval = std::chrono::milliseconds(1);
    auto node = TransportNode::start(tests::test_identity(61), o, {}, [&](const PeerInfo&) { go = true; });
    ASSERT_TRUE(node.is_ok());
    a = std::move(node.value());
    a_ptr = a.get();
  }
  ASSERT_TRUE(b);
  Relay relay(b->port());
  NodeId bid = b->node_id();
  std::thread sender([&] {
    while (!go) std::this_thread::yield();
    RenderTask task = tests::small_render_task("");
    for (int i = 0; i < 300; ++i) {
      if (i % 100 == 50) {
        Status s = a_ptr->send(bid, FrameType::kRenderResult, std::vector<uint8_t>(3u << 20, 'Z'));
        if (!s.is_ok()) ADD_FAILURE() << s.to_string();
      }
      task.job_id = marker + std::to_string(i);
      Status s = a_ptr->send(bid, FrameType::kRenderTask, encode(task));
      if (!s.is_ok()) ADD_FAILURE() << s.to_string();
    }
  });
  auto peer = a->connect("127.0.0.1", relay.port());
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  sender.join();
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return received.size() == 300 && big == 3;
  }, 10000)) << last_rejection(*b);
  std::lock_guard lock(mutex);
  for (size_t i = 0; i < received.size(); ++i) EXPECT_EQ(received[i], marker + std::to_string(i));
  EXPECT_FALSE(contains(relay.seen(), marker));
  EXPECT_FALSE(contains(relay.seen(), "ZZZZZZZZ"));
}

}  // namespace
