// The transport: authenticated TCP sessions between nodes over Boost.Asio (C++20 coroutines).
// Every connection opens with the handshake of schema/handshake.fbs, which proves that the peer
// holds the private key of the identity it claims; every frame after it is bounded and verified
// before it is handed on. A peer that breaks the protocol is dropped with a logged reason and
// the node keeps serving the others.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/transport/frame.h"
#include "network/transport/identity.h"

namespace strata::network {

struct PeerInfo {
  NodeId id{};
  PublicKey key{};
  std::string address;       // host:port of the connection as seen from this node
  uint16_t listen_port = 0;  // where the peer accepts connections, as it announced
};

class TransportNode {
 public:
  struct Options {
    std::string listen_host = "127.0.0.1";
    uint16_t listen_port = 0;  // 0: any free port
    std::chrono::milliseconds handshake_timeout{5000};
    uint32_t max_payload = kMaxFramePayload;
    // Until a peer has proven its key, its frames may be at most kMaxHandshakePayload bytes (a
    // Hello or an Auth is small), and at most this many connections may be in that state; more
    // are closed as they arrive.
    size_t max_unauthenticated = 64;
    size_t max_unauthenticated_per_address = 8;  // so one address cannot take all of them
    // Handshakes each address (an IPv6 host by its /64) may start, per second after a burst:
    // each costs a key exchange and a signature check before anyone is known. 0: no limit.
    double handshakes_per_second_per_address = 20;
    double handshake_burst_per_address = 40;
    // Peers that dialled this node, authenticated; more are dropped after their handshake.
    size_t max_inbound_peers = 64;
    // Peer exchange dials at most this many of the peers one Peers frame names.
    size_t max_dials_per_exchange = 4;
    bool peer_exchange = true;  // tell new peers about known ones, and connect to those learned
    size_t max_peers = 16;      // no new connections from peer exchange beyond this
    // A keep-alive goes out every interval (0: never); a peer silent for idle_timeout is dropped.
    std::chrono::milliseconds keepalive_interval{5000};
    std::chrono::milliseconds idle_timeout{20000};
    // Under load, frames to a peer go out at most this often, batched (0: each at once).
    std::chrono::microseconds flush_interval{250};
    // A peer with more than this waiting to be written to it is dropped as too slow; so is one
    // holding more than its share (this total over the peers) when all together have the total.
    size_t max_queued_bytes = size_t(256) << 20;
    size_t max_queued_bytes_total = size_t(1) << 30;
    // Frames over kLargeFrameBytes still arriving, all peers together, may hold at most this
    // much (their declared sizes), and each may take at most large_frame_timeout to arrive.
    size_t max_large_frames_total = size_t(512) << 20;
    std::chrono::seconds large_frame_timeout{120};
    // Told of every dropped peer ("<address>: <reason>"), on the network thread.
    std::function<void(const std::string&)> on_drop;
    // Told of the listener's troubles (accept failures, connections refused for the cap).
    std::function<void(const std::string&)> log;
  };
  // Called on the node's network thread for every frame after the handshake (the payload is valid
  // during the call). It checks the payload (verify_frame_payload, or its own decoder); an error
  // drops the peer with that reason.
  using FrameHandler = std::function<Status(const PeerInfo& from, const FrameView& frame)>;
  // Called on the node's network thread when a peer has completed the handshake (on_peer), and
  // when an authenticated peer's connection ends (on_peer_lost).
  using PeerHandler = std::function<void(const PeerInfo& peer)>;

  // Listens and runs the node's network thread until destroyed.
  static Result<std::unique_ptr<TransportNode>> start(const Identity& identity, Options options,
                                                      FrameHandler on_frame = {}, PeerHandler on_peer = {},
                                                      PeerHandler on_peer_lost = {});
  ~TransportNode();
  // Drops every peer and ends the network thread; handlers are not called after it returns.
  // Idempotent; the destructor calls it.
  void stop();

  uint16_t port() const;
  const NodeId& node_id() const;

  // Connects and completes the handshake; returns the authenticated peer.
  Result<PeerInfo> connect(const std::string& host, uint16_t port);
  // Queues a frame to an authenticated peer.
  Status send(const NodeId& peer, FrameType type, std::vector<uint8_t> payload);
  // Queues one frame to several peers, encoded once; an error names a peer that is gone (the
  // others still get the frame).
  Status send_many(const std::vector<NodeId>& peers, FrameType type, std::span<const uint8_t> payload);

  std::vector<PeerInfo> peers() const;
  // Why peers were dropped, oldest first, the last 1000 ("<address>: <reason>").
  std::vector<std::string> rejections() const;

  struct Impl;

 private:
  explicit TransportNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::network
