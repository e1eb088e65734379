// The transport on loopback: authenticated handshakes, frames between peers, and peers that
// break the protocol (garbage, a claimed key they cannot sign for, oversized frames, silence,
// bad payloads) dropped with a named reason while the node keeps serving.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <sys/resource.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <chrono>
#include <cstring>
#include <thread>

#include "compute/render/messages.h"
#include "tests/network/hand_peer.h"
#include "tests/network/network_support.h"
#include "network/transport/transport.h"
#include "schema/handshake_generated.h"

namespace {

using namespace strata;
using namespace strata::network;
using namespace strata::compute;
namespace asio = boost::asio;
using asio::ip::tcp;

Identity identity(uint8_t n) { return tests::test_identity(n); }

std::unique_ptr<TransportNode> start(uint8_t n, TransportNode::FrameHandler h = {},
                                     std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
  TransportNode::Options o;
  o.handshake_timeout = timeout;
  auto node = TransportNode::start(identity(n), o, std::move(h));
  EXPECT_TRUE(node.is_ok()) << node.status().to_string();
  return node.is_ok() ? std::move(node.value()) : nullptr;
}

using tests::eventually;

bool rejected_with(const TransportNode& node, const std::string& needle) {
  for (const std::string& r : node.rejections())
    if (r.find(needle) != std::string::npos) return true;
  return false;
}

// A raw TCP client for speaking the protocol wrongly on purpose.
struct RawClient {
  asio::io_context io;
  tcp::socket socket{io};
  explicit RawClient(uint16_t port) { socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)); }
  void send(const std::vector<uint8_t>& bytes) { asio::write(socket, asio::buffer(bytes)); }
  // Reads until the peer closes; returns whether it did within the time limit.
  bool closed_by_peer() {
    socket.non_blocking(false);
    std::array<uint8_t, 4096> buf;
    boost::system::error_code ec;
    for (int i = 0; i < 100 && !ec; ++i) socket.read_some(asio::buffer(buf), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
};

// Sends 1 MiB frames to a peer that does not read them, up to `tries` times; whether a send was
// refused by then.
bool sends_until_refused(TransportNode& node, const NodeId& peer, int tries) {
  std::vector<uint8_t> chunk(1u << 20, 0);
  for (int i = 0; i < tries; ++i) {
    if (!node.send(peer, FrameType::kPing, chunk).is_ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// A well-formed Hello claiming `key`, with a fresh session key.
std::vector<uint8_t> hello_frame(const PublicKey& key) {
  return encode_frame(FrameType::kHello, tests::hello_payload(key, EphemeralKey::generate().public_key));
}

TEST(Transport, HandshakeAuthenticatesBothSides) {
  auto a = start(1), b = start(2);
  ASSERT_TRUE(a && b);
  auto peer = a->connect("127.0.0.1", b->port());
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  EXPECT_EQ(peer->id, b->node_id());
  EXPECT_EQ(peer->key, identity(2).public_key());
  ASSERT_TRUE(eventually([&] { return b->peers().size() == 1; }));
  EXPECT_EQ(b->peers()[0].id, a->node_id());
  // A second connection to the same node is refused.
  auto twice = a->connect("127.0.0.1", b->port());
  EXPECT_FALSE(twice.is_ok());
}

TEST(Transport, VerifiedFramesReachTheHandlerAndBadOnesDropThePeer) {
  std::atomic<int> tasks{0};
  auto b = start(4, [&](const PeerInfo&, const FrameView& f) {
    Status checked = verify_frame_payload(f);
    if (checked.is_ok() && f.type == FrameType::kRenderTask) ++tasks;
    return checked;
  });
  auto a = start(3);
  ASSERT_TRUE(a && b);
  auto peer = a->connect("127.0.0.1", b->port());
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  RenderTask t = tests::small_render_task("j");
  ASSERT_TRUE(a->send(peer->id, FrameType::kRenderTask, encode(t)).is_ok());
  EXPECT_TRUE(eventually([&] { return tasks == 1; }));
  // A payload that fails verification drops the sender.
  ASSERT_TRUE(a->send(peer->id, FrameType::kRenderTask, {1, 2, 3, 4, 5, 6, 7, 8, 9}).is_ok());
  EXPECT_TRUE(eventually([&] { return b->peers().empty(); }));
  EXPECT_TRUE(rejected_with(*b, "malformed message"));
  EXPECT_EQ(tasks, 1);
}

TEST(Transport, ProtocolBreakersAreDroppedAndTheNodeKeepsServing) {
  auto b = start(6, {}, std::chrono::milliseconds(300));
  ASSERT_TRUE(b);
  {
    RawClient garbage(b->port());
    garbage.send({'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n'});
    EXPECT_TRUE(garbage.closed_by_peer());
  }
  EXPECT_TRUE(eventually([&] { return rejected_with(*b, "bad magic"); }));
  {
    // Claims node 1's key but cannot sign for it.
    RawClient impostor(b->port());
    impostor.send(hello_frame(identity(1).public_key()));
    flatbuffers::FlatBufferBuilder fb;
    std::array<uint8_t, 64> sig{};
    sig.fill(7);
    auto sv = fb.CreateVector(sig.data(), sig.size());
    fb.Finish(wire::CreateAuth(fb, sv));
    impostor.send(encode_frame(FrameType::kAuth, std::span(fb.GetBufferPointer(), fb.GetSize())));
    EXPECT_TRUE(impostor.closed_by_peer());
  }
  EXPECT_TRUE(eventually([&] { return rejected_with(*b, "signature does not match"); }));
  {
    RawClient huge(b->port());
    std::vector<uint8_t> header = encode_frame(FrameType::kRenderTask, {});
    header[11] = 0x7f;  // a 2 GiB payload
    huge.send(header);
    EXPECT_TRUE(huge.closed_by_peer());
  }
  EXPECT_TRUE(eventually([&] { return rejected_with(*b, "over the"); }));
  {
    RawClient early(b->port());
    early.send(encode_frame(FrameType::kRenderTask, {}));
    EXPECT_TRUE(early.closed_by_peer());
  }
  EXPECT_TRUE(eventually([&] { return rejected_with(*b, "before the handshake"); }));
  {
    RawClient silent(b->port());
    EXPECT_TRUE(silent.closed_by_peer());  // after the 300 ms handshake timeout
  }
  EXPECT_TRUE(eventually([&] { return rejected_with(*b, "timed out"); }));
  EXPECT_TRUE(b->peers().empty());
  // After all that, an honest node still connects.
  auto a = start(5);
  ASSERT_TRUE(a);
  auto peer = a->connect("127.0.0.1", b->port());
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  EXPECT_EQ(peer->id, b->node_id());
}

TEST(Transport, ClearErrorsForBadAddresses) {
  TransportNode::Options o;
  o.listen_host = "not-an-address";
  auto bad = TransportNode::start(identity(9), o);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("not-an-address"), std::string::npos);
  auto a = start(8);
  ASSERT_TRUE(a);
  auto refused = a->connect("127.0.0.1", 1);  // nothing listens on port 1
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("cannot connect"), std::string::npos) << refused.status().message();
  auto unknown = a->connect("no-such-host.invalid", 7700);  // .invalid never resolves (RFC 2606)
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("cannot resolve 'no-such-host.invalid'"), std::string::npos)
      << unknown.status().message();
}

// Peers are dialled by name too (container and machine names), resolved first.
TEST(Transport, ConnectsByHostName) {
  auto a = start(10), b = start(11);
  ASSERT_TRUE(a && b);
  auto peer = a->connect("localhost", b->port());
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  EXPECT_EQ(peer->id, b->node_id());
}

}  // namespace

namespace {

// Peer exchange: B and C each know only A; A tells C about B, and C connects to B itself.
TEST(Transport, PeerExchangeGrowsTheOverlay) {
  auto a = start(21), b = start(22), c = start(23);
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(b->connect("127.0.0.1", a->port()).is_ok());
  ASSERT_TRUE(c->connect("127.0.0.1", a->port()).is_ok());
  auto knows = [](const TransportNode& n, const NodeId& id) {
    for (const PeerInfo& p : n.peers())
      if (p.id == id) return true;
    return false;
  };
  EXPECT_TRUE(eventually([&] { return knows(*c, b->node_id()) && knows(*b, c->node_id()); }));
  for (const PeerInfo& p : c->peers()) {
    if (p.id == b->node_id()) {
      EXPECT_EQ(p.listen_port, b->port());
    }
  }
  // With peer exchange off, nobody is introduced.
  TransportNode::Options quiet;
  quiet.peer_exchange = false;
  auto d = TransportNode::start(identity(24), quiet);
  ASSERT_TRUE(d.is_ok());
  ASSERT_TRUE((*d)->connect("127.0.0.1", a->port()).is_ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ((*d)->peers().size(), 1u);
}

}  // namespace

namespace {

// Keep-alives: peers that ping each other stay connected past the idle timeout; a peer that
// sends nothing is dropped once the timeout passes.
TEST(Transport, KeepAlivesAndIdlePeers) {
  TransportNode::Options lively;
  lively.keepalive_interval = std::chrono::milliseconds(50);
  lively.idle_timeout = std::chrono::milliseconds(300);
  lively.peer_exchange = false;
  auto a = TransportNode::start(identity(31), lively), b = TransportNode::start(identity(32), lively);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  ASSERT_TRUE((*a)->connect("127.0.0.1", (*b)->port()).is_ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  EXPECT_EQ((*a)->peers().size(), 1u) << ((*a)->rejections().empty() ? "" : (*a)->rejections()[0]);
  EXPECT_EQ((*b)->peers().size(), 1u);

  TransportNode::Options mute;
  mute.keepalive_interval = std::chrono::milliseconds(0);  // never pings
  mute.idle_timeout = std::chrono::milliseconds(60000);
  mute.peer_exchange = false;
  auto m = TransportNode::start(identity(33), mute);
  ASSERT_TRUE(m.is_ok());
  ASSERT_TRUE((*a)->connect("127.0.0.1", (*m)->port()).is_ok());
  EXPECT_TRUE(eventually([&] { return rejected_with(**a, "no traffic for"); }));
  EXPECT_EQ((*a)->peers().size(), 1u);  // b is still there
}

}  // namespace

namespace {

// A peer that completes the handshake and then never reads: once more than max_queued_bytes wait
// for it, it is dropped with the reason, and sends to it fail rather than queue without end.
TEST(Transport, APeerThatDoesNotReadIsDroppedAtTheQueueBound) {
  TransportNode::Options o;
  o.max_queued_bytes = 1u << 20;
  auto a = TransportNode::start(identity(31), o);
  ASSERT_TRUE(a.is_ok());
  // The handshake by hand, then nothing read.
  tests::HandPeer lazy((*a)->port());
  Identity me = identity(32);
  Status handshake = lazy.handshake(me);
  ASSERT_TRUE(handshake.is_ok()) << handshake.to_string();
  ASSERT_TRUE(eventually([&] { return (*a)->peers().size() == 1; }));

  // Far more than the socket buffers and the bound together; the client reads none of it.
  EXPECT_TRUE(sends_until_refused(**a, me.node_id(), 200));
  EXPECT_TRUE(eventually([&] { return rejected_with(**a, "reads too slowly"); }));
  EXPECT_TRUE(eventually([&] { return (*a)->peers().empty(); }));
}

}  // namespace

namespace {

// A Hello that declares a 60 MiB payload: before the handshake a frame may be only a few hundred
// bytes, so it is refused from its header, with nothing of it read or kept.
TEST(Transport, MemoryIsNotSpentBeforeThePeerIsKnown) {
  auto b = start(7);
  ASSERT_TRUE(b);
  {
    RawClient big(b->port());
    std::vector<uint8_t> header = encode_frame(FrameType::kHello, {});
    uint32_t declared = 60u << 20;
    std::memcpy(header.data() + 8, &declared, 4);
    big.send(header);
    EXPECT_TRUE(big.closed_by_peer());
  }
  EXPECT_TRUE(eventually([&] { return rejected_with(*b, "over the"); }));
  // Connections that prove nothing are capped, per address too: the ninth held open from one
  // address is closed at once, while another address is still taken.
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(std::make_unique<RawClient>(b->port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // accepted by now
  auto before = std::chrono::steady_clock::now();
  RawClient one_more(b->port());
  EXPECT_TRUE(one_more.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));  // not the 3 s handshake timeout
  asio::io_context io;
  tcp::socket other(io);
  other.open(tcp::v4());
  other.bind(tcp::endpoint(asio::ip::make_address("127.0.0.2"), 0));
  other.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), b->port()));
  asio::write(other, asio::buffer(hello_frame(identity(19).public_key())));
  std::array<uint8_t, 64> hello{};  // the node answers with its own Hello
  boost::system::error_code ec;
  EXPECT_GT(other.read_some(asio::buffer(hello), ec), 0u) << "another address was refused too: " << ec.message();
  idle.clear();
  // Once they are gone, an honest node connects.
  auto a = start(8);
  ASSERT_TRUE(a);
  EXPECT_TRUE(eventually([&] { return a->connect("127.0.0.1", b->port()).is_ok(); }, 5000));
}

// Each handshake costs the acceptor a key exchange before anyone is known, so an address may
// start only so many a second: past its burst, its connections are closed unanswered, while
// another address is still answered, and its own bucket fills again with time.
TEST(Transport, HandshakesAreRateLimitedPerAddress) {
  std::mutex mutex;
  std::vector<std::string> logged;
  TransportNode::Options o;
  o.handshakes_per_second_per_address = 2;
  o.handshake_burst_per_address = 5;
  o.log = [&](const std::string& line) {
    std::lock_guard lock(mutex);
    logged.push_back(line);
  };
  auto b = TransportNode::start(identity(24), o);
  ASSERT_TRUE(b.is_ok());
  // Whether the node answers a Hello from `from` with its own.
  auto answered = [&](const char* from) {
    asio::io_context io;
    tcp::socket s(io);
    s.open(tcp::v4());
    s.bind(tcp::endpoint(asio::ip::make_address(from), 0));
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), (*b)->port()));
    boost::system::error_code ec;
    asio::write(s, asio::buffer(hello_frame(identity(25).public_key())), ec);
    std::array<uint8_t, 64> hello{};
    return !ec && s.read_some(asio::buffer(hello), ec) > 0 && !ec;
  };
  auto began = std::chrono::steady_clock::now();
  int answers = 0;
  for (int i = 0; i < 30; ++i) answers += answered("127.0.0.1");
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  EXPECT_GE(answers, 5);
  EXPECT_LE(answers, 5 + int(2 * elapsed) + 1) << "over " << elapsed << " s";
  EXPECT_TRUE(answered("127.0.0.2")) << "another address was refused too";
  {
    std::lock_guard lock(mutex);
    ASSERT_FALSE(logged.empty());
    EXPECT_NE(logged.front().find("more than 2 handshakes per second"), std::string::npos) << logged.front();
    // One line per burst of refusals: a new burst only after a connection was let through.
    EXPECT_LE(logged.size(), size_t(answers - 5 + 1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(answered("127.0.0.1")) << "the bucket did not fill again";
}

// Found by hostile review: the cap on handshakes in progress from one address counted IPv6 hosts
// by their whole address, while one host holds a whole /64 (as the rate counts them): a host
// that uses eight of its addresses held all 64 slots, 8 from each, for the handshake timeout, and
// every other node's inbound connections were refused meanwhile. Needs addresses of one /64 on
// this machine (as root: ip -6 addr add fd00:5ee::N/64 dev lo, for N in 1..8); skipped elsewhere.
TEST(Transport, OneIpv6HostCannotTakeEveryHandshakeSlot) {
  asio::io_context io;
  std::vector<asio::ip::address> host;
  for (int n = 1; n <= 8; ++n) {
    auto a = asio::ip::make_address("fd00:5ee::" + std::to_string(n));
    tcp::socket probe(io);
    boost::system::error_code ec;
    probe.open(tcp::v6(), ec);
    if (!ec) probe.bind(tcp::endpoint(a, 0), ec);
    if (ec) GTEST_SKIP() << "fd00:5ee::" << n << " is not an address of this machine";
    host.push_back(a);
  }
  TransportNode::Options o;
  o.listen_host = "::";  // dual-stack: the honest node below comes over IPv4
  auto b = TransportNode::start(identity(26), o);
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (size_t i = 0; i < o.max_unauthenticated; ++i) {
    if (i >= 30) std::this_thread::sleep_for(std::chrono::milliseconds(60));  // within the handshake rate
    auto s = std::make_unique<tcp::socket>(io);
    s->open(tcp::v6());
    s->bind(tcp::endpoint(host[i % host.size()], 0));
    s->connect(tcp::endpoint(host[0], (*b)->port()));
    idle.push_back(std::move(s));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // accepted by now
  auto a = start(27);
  ASSERT_TRUE(a);
  auto peer = a->connect("127.0.0.1", (*b)->port());
  EXPECT_TRUE(peer.is_ok()) << "one IPv6 host holds every handshake slot: " << peer.status().to_string();
}

}  // namespace

namespace {

// Running out of file descriptors (EMFILE) stops neither the peer port nor its accept loop: it
// backs off, says so once, and accepts again when descriptors are free.
TEST(Transport, TheAcceptLoopSurvivesRunningOutOfDescriptors) {
  std::mutex mutex;
  std::vector<std::string> logged;
  TransportNode::Options o;
  o.log = [&](const std::string& line) {
    std::lock_guard lock(mutex);
    logged.push_back(line);
  };
  auto b = TransportNode::start(identity(9), o);
  ASSERT_TRUE(b.is_ok());
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> waiting;
  for (int i = 0; i < 5; ++i) {
    waiting.push_back(std::make_unique<tcp::socket>(io));
    waiting.back()->open(tcp::v4());
  }
  bool reported = false;
  {
    tests::NoFreeDescriptors exhausted;  // not one more descriptor to accept into
    ASSERT_TRUE(exhausted.ok());
    for (auto& s : waiting) s->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), (*b)->port()));
    reported = eventually([&] {
      std::lock_guard lock(mutex);
      return !logged.empty();
    }, 3000);
  }
  ASSERT_TRUE(reported) << "the accept failures were not reported";
  {
    std::lock_guard lock(mutex);
    EXPECT_NE(logged.front().find("accepting connections failed"), std::string::npos) << logged.front();
  }
  // Descriptors free again: the waiting connections are taken, and an honest node connects.
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return logged.size() >= 2 && logged.back().find("accepting connections again") != std::string::npos;
  }, 5000));
  waiting.clear();
  auto a = start(10);
  ASSERT_TRUE(a);
  auto peer = a->connect("127.0.0.1", (*b)->port());
  EXPECT_TRUE(peer.is_ok()) << peer.status().to_string();
}

}  // namespace

namespace {

// A frame handler that throws (a bug a peer found) drops that peer with the reason; the network
// thread, and every other peer, go on.
TEST(Transport, AHandlerThatThrowsDropsThePeerNotTheNode) {
  auto b = start(11, [](const PeerInfo&, const FrameView& f) -> Status {
    if (f.type == FrameType::kRenderTask) throw std::length_error("vector::reserve");
    return Status::ok();
  });
  ASSERT_TRUE(b);
  auto a = start(12);
  ASSERT_TRUE(a);
  auto peer = a->connect("127.0.0.1", b->port());
  ASSERT_TRUE(peer.is_ok());
  compute::RenderTask task;
  task.job_id = "j";
  task.width = task.height = 1;
  task.tile = {0, 0, 1, 1};
  task.sample_count = 1;
  ASSERT_TRUE(a->send(peer->id, FrameType::kRenderTask, encode(task)).is_ok());
  EXPECT_TRUE(eventually([&] { return rejected_with(*b, "vector::reserve"); }));
  auto c = start(13);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->connect("127.0.0.1", b->port()).is_ok());
}

}  // namespace

namespace {

// One peer cannot make this node dial without end: the peers a Peers frame names start a few
// dials at most, and dials in progress count against max_peers (10 frames of 60 entries used to
// open 600 connections to a listener of the attacker's).
TEST(Transport, PeerExchangeCannotBeTurnedIntoADialFlood) {
  asio::io_context sink_io;
  tcp::acceptor sink(sink_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::atomic<int> dialled{0};
  std::atomic<bool> done{false};
  std::vector<std::unique_ptr<tcp::socket>> held;
  std::thread sink_thread([&] {
    sink.non_blocking(true);
    while (!done) {
      boost::system::error_code ec;
      auto s = std::make_unique<tcp::socket>(sink_io);
      sink.accept(*s, ec);
      if (!ec) {
        ++dialled;
        held.push_back(std::move(s));  // silent: never completes a handshake
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  });
  auto victim = start(14);
  auto attacker = start(15);
  ASSERT_TRUE(victim && attacker);
  auto peer = attacker->connect("127.0.0.1", victim->port());
  ASSERT_TRUE(peer.is_ok());
  uint16_t sink_port = sink.local_endpoint().port();
  for (int frame = 0; frame < 10; ++frame) {
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<wire::PeerEntry>> entries;
    for (int i = 0; i < 60; ++i) {
      PublicKey key = identity(uint8_t(100 + (frame * 60 + i) % 150)).public_key();
      key[31] ^= uint8_t(frame);
      entries.push_back(wire::CreatePeerEntry(b, b.CreateVector(key.data(), key.size()), b.CreateString("127.0.0.1"), sink_port));
    }
    b.Finish(wire::CreatePeers(b, b.CreateVector(entries)));
    ASSERT_TRUE(attacker->send(peer->id, FrameType::kPeers, std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize())).is_ok());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_LE(dialled.load(), 16) << "the node dialled every peer it was told of";
  EXPECT_GT(dialled.load(), 0) << "peer exchange dialled nobody";
  // A host that is neither an address nor a name is a malformed entry: the sender is dropped.
  flatbuffers::FlatBufferBuilder bad;
  PublicKey key = identity(99).public_key();
  auto entry = wire::CreatePeerEntry(bad, bad.CreateVector(key.data(), key.size()), bad.CreateString("host\xff/../x"), 7);
  bad.Finish(wire::CreatePeers(bad, bad.CreateVector(std::vector{entry})));
  ASSERT_TRUE(attacker->send(peer->id, FrameType::kPeers, std::vector<uint8_t>(bad.GetBufferPointer(), bad.GetBufferPointer() + bad.GetSize())).is_ok());
  EXPECT_TRUE(eventually([&] { return rejected_with(*victim, "not an address or a name"); }));
  done = true;
  sink_thread.join();
}

// Peers that dial in are capped once authenticated; the node keeps the ones it has.
TEST(Transport, InboundPeersAreCapped) {
  TransportNode::Options o;
  o.max_inbound_peers = 2;
  auto b = TransportNode::start(identity(16), o);
  ASSERT_TRUE(b.is_ok());
  auto x = start(17), y = start(18), z = start(19);
  ASSERT_TRUE(x->connect("127.0.0.1", (*b)->port()).is_ok());
  ASSERT_TRUE(y->connect("127.0.0.1", (*b)->port()).is_ok());
  (void)z->connect("127.0.0.1", (*b)->port());  // z may see its side complete before b drops it
  EXPECT_TRUE(eventually([&] { return rejected_with(**b, "at most 2 peers that dial it"); }));
  EXPECT_TRUE(eventually([&] {
    auto zp = z->peers();
    return std::none_of(zp.begin(), zp.end(), [&](const PeerInfo& p) { return p.id == (*b)->node_id(); });
  }));
  auto kept = (*b)->peers();
  EXPECT_EQ(kept.size(), 2u);
  EXPECT_TRUE(std::none_of(kept.begin(), kept.end(), [&](const PeerInfo& p) { return p.id == z->node_id(); }));
}

}  // namespace

namespace {

// Peers that never read cannot make the node queue without end, even many of them each under
// its own bound: all together may have max_queued_bytes_total waiting, a peer over its share of
// that is dropped, and a peer that reads keeps getting its frames.
TEST(Transport, PeersThatDoNotReadShareOneSendBudget) {
  TransportNode::Options o;
  o.max_queued_bytes = size_t(64) << 20;
  o.max_queued_bytes_total = size_t(4) << 20;
  o.peer_exchange = false;
  auto a = TransportNode::start(identity(51), o);
  ASSERT_TRUE(a.is_ok());
  std::atomic<int> tasks{0};
  auto honest = start(53, [&](const PeerInfo&, const FrameView& f) {
    if (f.type == FrameType::kRenderTask) ++tasks;
    return verify_frame_payload(f);
  });
  ASSERT_TRUE(honest);
  auto to_honest = (*a)->connect("127.0.0.1", honest->port());
  ASSERT_TRUE(to_honest.is_ok()) << to_honest.status().to_string();
  tests::HandPeer lazy((*a)->port());
  Identity me = identity(52);
  ASSERT_TRUE(lazy.handshake(me).is_ok());
  ASSERT_TRUE(eventually([&] { return (*a)->peers().size() == 2; }));

  EXPECT_TRUE(sends_until_refused(**a, me.node_id(), 400));
  EXPECT_TRUE(eventually([&] { return rejected_with(**a, "over its share (2 MiB) of the 4 MiB all peers may have queued"); }));
  RenderTask t = tests::small_render_task("still-served");
  ASSERT_TRUE((*a)->send(honest->node_id(), FrameType::kRenderTask, encode(t)).is_ok());
  EXPECT_TRUE(eventually([&] { return tasks == 1; }));
}

// Large frames still arriving hold a budget for all peers together: peers that each start a big
// frame and trickle it are refused past the budget, a frame that takes too long drops its peer,
// and once they are gone an honest peer's large frame goes through.
TEST(Transport, LargeFramesStillArrivingShareOneBudgetAndADeadline) {
  TransportNode::Options o;
  o.max_large_frames_total = size_t(8) << 20;
  o.large_frame_timeout = std::chrono::seconds(1);
  o.keepalive_interval = std::chrono::milliseconds(100);
  o.peer_exchange = false;
  std::atomic<int> large{0};
  auto b = TransportNode::start(identity(54), o, [&](const PeerInfo&, const FrameView& f) {
    if (f.payload.size() == (6u << 20)) ++large;
    return Status::ok();
  });
  ASSERT_TRUE(b.is_ok());
  // The header of a 6 MiB frame and its first 64 KiB, and no more.
  std::vector<uint8_t> start_of_big = encode_frame(FrameType::kRenderResult, {});
  uint32_t declared = 6u << 20;
  std::memcpy(start_of_big.data() + 8, &declared, 4);
  start_of_big.resize(start_of_big.size() + 65536, 'x');

  tests::HandPeer first((*b)->port()), second((*b)->port());
  ASSERT_TRUE(first.handshake(identity(55)).is_ok());
  ASSERT_TRUE(second.handshake(identity(56)).is_ok());
  ASSERT_TRUE(eventually([&] { return (*b)->peers().size() == 2; }));
  first.send_sealed_bytes(start_of_big);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  second.send_sealed_bytes(start_of_big);  // 12 MiB together: over the 8 MiB
  EXPECT_TRUE(eventually([&] { return rejected_with(**b, "over the 8 MiB it holds for large frames"); }));
  EXPECT_TRUE(eventually([&] { return rejected_with(**b, "a frame of 6 MiB has been arriving for over 1 s"); }, 4000));
  EXPECT_TRUE(eventually([&] { return (*b)->peers().empty(); }));

  auto honest = start(57);
  ASSERT_TRUE(honest);
  auto peer = honest->connect("127.0.0.1", (*b)->port());
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  ASSERT_TRUE(honest->send(peer->id, FrameType::kRenderResult, std::vector<uint8_t>(6u << 20, 'y')).is_ok());
  EXPECT_TRUE(eventually([&] { return large == 1; }));
}

}  // namespace
