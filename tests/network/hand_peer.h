// A peer that speaks the transport's handshake by hand, over a blocking socket, with the same
// session cryptography (network/transport/peer_session.h): for tests that play a peer breaking the protocol
// on purpose, during the handshake or after it.
#pragma once

#include <boost/asio.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <sodium.h>
#include <string>
#include <vector>

#include "network/transport/frame.h"
#include "network/transport/identity.h"
#include "network/transport/peer_session.h"
#include "schema/handshake_generated.h"

namespace strata::tests {

// A Hello's payload: the identity key it claims and the session key it offers.
inline std::vector<uint8_t> hello_payload(const network::PublicKey& identity_key,
                                          const std::array<uint8_t, 32>& session_key, uint16_t listen_port = 0) {
  flatbuffers::FlatBufferBuilder b;
  std::array<uint8_t, 32> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  auto k = b.CreateVector(identity_key.data(), identity_key.size());
  auto n = b.CreateVector(nonce.data(), nonce.size());
  auto e = b.CreateVector(session_key.data(), session_key.size());
  b.Finish(wire::CreateHello(b, k, n, listen_port, e));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

inline std::vector<uint8_t> auth_payload(const network::Signature& signature) {
  flatbuffers::FlatBufferBuilder b;
  auto s = b.CreateVector(signature.data(), signature.size());
  b.Finish(wire::CreateAuth(b, s));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

class HandPeer {
 public:
  // Dials a node on loopback: this side is the dialer.
  explicit HandPeer(uint16_t port) { socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port}); }

  boost::asio::ip::tcp::socket& socket() { return socket_; }
  void send_raw(const std::vector<uint8_t>& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
  void send_frame(network::FrameType type, std::span<const uint8_t> payload) {
    send_raw(network::encode_frame(type, payload));
  }

  // The next frame: in the clear until the handshake is done, then opened from its records.
  Result<network::Frame> read_frame() {
    for (;;) {
      auto next = frames_.next();
      if (!next.is_ok()) return next.status();
      if (next->has_value()) return std::move(**next);
      std::array<uint8_t, 65536> buffer;
      boost::system::error_code ec;
      size_t n = socket_.read_some(boost::asio::buffer(buffer), ec);
      if (ec) return unavailable("read: " + ec.message());
      std::span<const uint8_t> got(buffer.data(), n);
      if (!opener_) {
        frames_.feed(got);
        continue;
      }
      opener_->feed(got);
      STRATA_RETURN_IF_ERROR(opener_->open_into(frames_));
    }
  }

  // Sends this side's Hello, claiming `claimed_key` and offering this connection's own session key
  // (or `session_key` instead).
  void send_hello(const network::PublicKey& claimed_key,
                  std::optional<std::array<uint8_t, 32>> session_key = std::nullopt) {
    sent_hello_ = hello_payload(claimed_key, session_key.value_or(ephemeral_.public_key));
    send_frame(network::FrameType::kHello, sent_hello_);
  }
  const std::array<uint8_t, 32>& session_key() const { return ephemeral_.public_key; }
  // Reads the node's Hello and derives the session's keys from both.
  Result<std::vector<uint8_t>> read_hello() {
    auto hello = read_frame();
    if (!hello.is_ok()) return hello.status();
    if (hello->type != network::FrameType::kHello) return invalid_argument("expected a hello");
    received_hello_ = hello->payload;
    const auto* parsed = flatbuffers::GetRoot<wire::Hello>(received_hello_.data());
    std::copy(parsed->public_key()->begin(), parsed->public_key()->end(), their_key_.begin());
    transcript_ = network::handshake_transcript(sent_hello_, received_hello_);
    auto keys = network::derive_session_keys(network::HandshakeRole::kDialer, ephemeral_,
                                             std::span<const uint8_t, 32>(parsed->session_key()->data(), 32), transcript_);
    if (!keys.is_ok()) return keys.status();
    sealer_.emplace(keys->send);
    receive_key_ = keys->receive;
    return received_hello_;
  }
  // This side's Auth as `me`, framed: sent alone, or with records behind it in one write.
  std::vector<uint8_t> auth_frame(const network::Identity& me) const {
    return network::encode_frame(network::FrameType::kAuth,
                                 auth_payload(me.sign(network::auth_message(network::HandshakeRole::kDialer, transcript_))));
  }
  void send_auth(const network::Identity& me) { send_raw(auth_frame(me)); }
  // Reads the node's Auth and checks it; from here on both directions are records.
  Status read_auth() {
    auto auth = read_frame();
    if (!auth.is_ok()) return auth.status();
    if (auth->type != network::FrameType::kAuth) return invalid_argument("expected an auth");
    const auto* parsed = flatbuffers::GetRoot<wire::Auth>(auth->payload.data());
    network::Signature sig{};
    std::copy(parsed->signature()->begin(), parsed->signature()->end(), sig.begin());
    if (!network::verify_signature(their_key_, network::auth_message(network::HandshakeRole::kAcceptor, transcript_), sig)) {
      return invalid_argument("the node's signature does not verify");
    }
    opener_.emplace(receive_key_);
    opener_->feed(frames_.take_unread());
    return opener_->open_into(frames_);
  }
  // The whole handshake, honestly, as `me`.
  Status handshake(const network::Identity& me) {
    send_hello(me.public_key());
    auto hello = read_hello();
    if (!hello.is_ok()) return hello.status();
    send_auth(me);
    return read_auth();
  }

  // A frame after the handshake, sealed in a record of its own.
  void send_sealed(network::FrameType type, std::span<const uint8_t> payload) {
    send_sealed_bytes(network::encode_frame(type, payload));
  }
  // Any bytes (part of a frame, say), sealed in records.
  void send_sealed_bytes(std::span<const uint8_t> plain) {
    std::vector<uint8_t> records;
    for (size_t at = 0; at < plain.size(); at += network::kMaxRecordPlaintext) {
      auto part = plain.subspan(at, std::min(network::kMaxRecordPlaintext, plain.size() - at));
      if (!seal(part, records).is_ok()) return;
    }
    send_raw(records);
  }
  // One record holding `plain`, appended to `out` (from the node's Hello on).
  Status seal(std::span<const uint8_t> plain, std::vector<uint8_t>& out) { return sealer_->seal(plain, out); }

  const std::vector<uint8_t>& sent_hello() const { return sent_hello_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_{io_};
  network::EphemeralKey ephemeral_ = network::EphemeralKey::generate();
  std::vector<uint8_t> sent_hello_, received_hello_;
  network::PublicKey their_key_{};
  network::Transcript transcript_{};
  network::SessionKey receive_key_{};
  network::FrameDecoder frames_{network::kMaxFramePayload};
  std::optional<network::RecordSealer> sealer_;
  std::optional<network::RecordOpener> opener_;
};

}  // namespace strata::tests
