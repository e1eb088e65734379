// The session cryptography (network/peer_session.h): records open with libsodium's own AEAD
// under the documented nonce and associated data, both sides derive matching keys, and every
// alteration of the record stream (a flipped bit, a replay, a reorder, a record of the other
// direction, a length over the bound) is refused by name.
#include <gtest/gtest.h>

#include <sodium.h>

#include <cstring>

#include "network/peer_session.h"

namespace {

using namespace strata;
using namespace strata::network;

SessionKey key_of(uint8_t n) {
  SessionKey k{};
  k.fill(n);
  return k;
}

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// The frames an opener yields, as "type:payload" strings.
std::vector<std::string> open_frames(RecordOpener& opener, FrameDecoder& frames, Status* status) {
  *status = opener.open_into(frames);
  std::vector<std::string> out;
  for (;;) {
    auto next = frames.next();
    if (!next.is_ok() || !next->has_value()) break;
    out.push_back(std::to_string(int((*next)->type)) + ":" + std::string((*next)->payload.begin(), (*next)->payload.end()));
  }
  return out;
}

TEST(PeerSession, ARecordIsChaCha20Poly1305WithTheCounterAsNonceAndTheLengthAsAssociatedData) {
  ASSERT_GE(sodium_init(), 0);
  SessionKey key = key_of(3);
  RecordSealer sealer(key);
  std::vector<uint8_t> wire;
  ASSERT_TRUE(sealer.seal(bytes_of("first"), wire).is_ok());
  ASSERT_TRUE(sealer.seal(bytes_of("second record"), wire).is_ok());
  // Opened by hand with libsodium: record n has nonce 0^4 || n (64-bit little-endian).
  size_t at = 0;
  std::vector<std::string> plain;
  for (uint64_t n = 0; n < 2; ++n) {
    uint32_t length = 0;
    std::memcpy(&length, wire.data() + at, 4);
    ASSERT_GE(length, 16u);
    uint8_t nonce[12] = {};
    for (int i = 0; i < 8; ++i) nonce[4 + i] = uint8_t(n >> (8 * i));
    std::vector<uint8_t> out(length - 16);
    unsigned long long out_len = 0;
    ASSERT_EQ(crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &out_len, nullptr, wire.data() + at + 4, length,
                                                        wire.data() + at, 4, nonce, key.data()),
              0);
    plain.emplace_back(out.begin(), out.end());
    at += 4 + length;
  }
  EXPECT_EQ(at, wire.size());
  EXPECT_EQ(plain, (std::vector<std::string>{"first", "second record"}));

  // And a record sealed by libsodium, as record 0, opens into its frame.
  std::vector<uint8_t> frame = encode_frame(FrameType::kPing, {});
  std::vector<uint8_t> record(4 + frame.size() + 16);
  uint32_t length = static_cast<uint32_t>(frame.size() + 16);
  std::memcpy(record.data(), &length, 4);
  uint8_t nonce[12] = {};
  crypto_aead_chacha20poly1305_ietf_encrypt(record.data() + 4, nullptr, frame.data(), frame.size(), record.data(), 4,
                                            nullptr, nonce, key.data());
  RecordOpener opener(key);
  FrameDecoder decoder;
  Status st;
  opener.feed(record);
  EXPECT_EQ(open_frames(opener, decoder, &st), (std::vector<std::string>{"9:"}));
  EXPECT_TRUE(st.is_ok()) << st.to_string();
}

TEST(PeerSession, FramesCrossRecordsInAnySlicing) {
  RecordSealer sealer(key_of(5));
  std::vector<uint8_t> frames_in;
  for (int i = 0; i < 50; ++i) {
    auto f = encode_frame(FrameType::kPing, {});
    frames_in.insert(frames_in.end(), f.begin(), f.end());
  }
  auto big = encode_frame(FrameType::kRenderTask, std::vector<uint8_t>(300000, 'x'));  // over one record
  frames_in.insert(frames_in.end(), big.begin(), big.end());
  // Sealed in records that cut frames anywhere, fed to the opener a few bytes at a time.
  std::vector<uint8_t> wire;
  for (size_t at = 0; at < frames_in.size();) {
    size_t n = std::min<size_t>(kMaxRecordPlaintext, frames_in.size() - at);
    n = std::min<size_t>(n, 1 + (at * 7919) % 100000);
    ASSERT_TRUE(sealer.seal(std::span(frames_in).subspan(at, n), wire).is_ok());
    at += n;
  }
  RecordOpener opener(key_of(5));
  FrameDecoder decoder;
  size_t pings = 0, tasks = 0;
  for (size_t at = 0; at < wire.size(); at += 4093) {
    opener.feed(std::span(wire).subspan(at, std::min<size_t>(4093, wire.size() - at)));
    ASSERT_TRUE(opener.open_into(decoder).is_ok());
    for (;;) {
      auto next = decoder.next();
      ASSERT_TRUE(next.is_ok());
      if (!next->has_value()) break;
      if ((*next)->type == FrameType::kPing) ++pings;
      if ((*next)->type == FrameType::kRenderTask && (*next)->payload.size() == 300000) ++tasks;
    }
  }
  EXPECT_EQ(pings, 50u);
  EXPECT_EQ(tasks, 1u);
}

TEST(PeerSession, AlteredReplayedReorderedOrForeignRecordsAreRefused) {
  RecordSealer sealer(key_of(7));
  std::vector<uint8_t> r0, r1;
  ASSERT_TRUE(sealer.seal(encode_frame(FrameType::kPing, {}), r0).is_ok());
  ASSERT_TRUE(sealer.seal(encode_frame(FrameType::kPing, {}), r1).is_ok());
  Status st;
  {
    RecordOpener opener(key_of(7));
    FrameDecoder d;
    opener.feed(r0);
    opener.feed(r1);
    EXPECT_EQ(open_frames(opener, d, &st).size(), 2u);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
  }
  for (size_t flip : {size_t(0), size_t(4), r0.size() - 1}) {  // the length, the ciphertext, the tag
    RecordOpener opener(key_of(7));
    FrameDecoder d;
    std::vector<uint8_t> bad = r0;
    bad[flip] ^= flip == 0 ? 0x01 : 0x80;
    opener.feed(bad);
    opener.feed(r1);  // so a changed length still has bytes enough to try
    EXPECT_TRUE(open_frames(opener, d, &st).empty());
    EXPECT_FALSE(st.is_ok()) << "byte " << flip;
    EXPECT_NE(st.message().find("does not authenticate"), std::string::npos) << st.message();
  }
  {
    RecordOpener opener(key_of(7));  // a replay: record 0 twice
    FrameDecoder d;
    opener.feed(r0);
    opener.feed(r0);
    EXPECT_EQ(open_frames(opener, d, &st).size(), 1u);
    EXPECT_NE(st.message().find("record 1 does not authenticate"), std::string::npos) << st.message();
  }
  {
    RecordOpener opener(key_of(7));  // reordered
    FrameDecoder d;
    opener.feed(r1);
    EXPECT_TRUE(open_frames(opener, d, &st).empty());
    EXPECT_FALSE(st.is_ok());
  }
  {
    RecordOpener opener(key_of(8));  // another key: the other direction, or another session
    FrameDecoder d;
    opener.feed(r0);
    EXPECT_TRUE(open_frames(opener, d, &st).empty());
    EXPECT_FALSE(st.is_ok());
  }
}

TEST(PeerSession, ALengthOverTheBoundIsRefusedFromTheHeader) {
  RecordOpener opener(key_of(1));
  FrameDecoder d;
  uint32_t huge = 64u << 20;
  std::vector<uint8_t> header(4);
  std::memcpy(header.data(), &huge, 4);
  opener.feed(header);  // nothing but the header: refused before any of it is awaited or kept
  Status st = opener.open_into(d);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("record: a length of 67108864 bytes"), std::string::npos) << st.message();
  RecordOpener short_one(key_of(1));
  std::vector<uint8_t> tiny = {3, 0, 0, 0};  // shorter than a tag
  short_one.feed(tiny);
  EXPECT_FALSE(short_one.open_into(d).is_ok());
}

TEST(PeerSession, BothSidesDeriveEachOthersKeysAndTheTranscriptBindsThem) {
  ASSERT_GE(sodium_init(), 0);
  EphemeralKey dialer = EphemeralKey::generate(), acceptor = EphemeralKey::generate();
  std::vector<uint8_t> hello_d = bytes_of("dialer's hello"), hello_a = bytes_of("acceptor's hello");
  Transcript t = handshake_transcript(hello_d, hello_a);
  auto d = derive_session_keys(HandshakeRole::kDialer, dialer, acceptor.public_key, t);
  auto a = derive_session_keys(HandshakeRole::kAcceptor, acceptor, dialer.public_key, t);
  ASSERT_TRUE(d.is_ok() && a.is_ok());
  EXPECT_EQ(d->send, a->receive);
  EXPECT_EQ(d->receive, a->send);
  EXPECT_NE(d->send, d->receive);
  // Another transcript (one Hello byte changed, or the Hellos swapped) gives other keys.
  Transcript other = handshake_transcript(bytes_of("dialer's hellp"), hello_a);
  auto d2 = derive_session_keys(HandshakeRole::kDialer, dialer, acceptor.public_key, other);
  ASSERT_TRUE(d2.is_ok());
  EXPECT_NE(d2->send, d->send);
  EXPECT_NE(handshake_transcript(hello_a, hello_d), t);
  // The signed message names the role, so a side's Auth cannot be reflected back as the other's.
  EXPECT_NE(auth_message(HandshakeRole::kDialer, t), auth_message(HandshakeRole::kAcceptor, t));
  // A low-order peer key (all zeros) would give a known shared secret: refused.
  std::array<uint8_t, 32> zero{};
  auto weak = derive_session_keys(HandshakeRole::kDialer, dialer, zero, t);
  ASSERT_FALSE(weak.is_ok());
  EXPECT_NE(weak.status().message().find("not a usable X25519 key"), std::string::npos);
}

}  // namespace

// ---- review tests ----
namespace {
using namespace strata;
using namespace strata::network;

TEST(PeerSession, AnEmptyRecordIsARealAeadRecord) {
  ASSERT_GE(sodium_init(), 0);
  SessionKey key{};
  key.fill(9);
  RecordSealer sealer(key);
  std::vector<uint8_t> wire;
  ASSERT_TRUE(sealer.seal({}, wire).is_ok());
  ASSERT_EQ(wire.size(), 4u + 16u);
  uint8_t nonce[12] = {};
  unsigned long long out_len = 0;
  uint8_t dummy[1];
  ASSERT_EQ(crypto_aead_chacha20poly1305_ietf_decrypt(dummy, &out_len, nullptr, wire.data() + 4, 16, wire.data(), 4,
                                                      nonce, key.data()),
            0);
  {
    RecordOpener opener(key);
    FrameDecoder d;  // empty decoder: out pointer may be null
    opener.feed(wire);
    EXPECT_TRUE(opener.open_into(d).is_ok());
  }
  for (size_t flip = 0; flip < wire.size(); ++flip) {
    auto bad = wire;
    bad[flip] ^= 0x20;
    RecordOpener opener(key);
    FrameDecoder d;
    opener.feed(bad);
    if (flip < 4) bad.resize(bad.size() + 64);
    EXPECT_FALSE(opener.open_into(d).is_ok() && flip >= 4) << flip;
  }
  // a forged empty record with an all-zero tag
  std::vector<uint8_t> forged(20, 0);
  forged[0] = 16;
  RecordOpener opener(key);
  FrameDecoder d;
  opener.feed(forged);
  EXPECT_FALSE(opener.open_into(d).is_ok());
}

TEST(PeerSession, ThousandsOfRecordsOnOneContextMatchLibsodiumBothWays) {
  ASSERT_GE(sodium_init(), 0);
  SessionKey key{};
  randombytes_buf(key.data(), key.size());
  RecordSealer sealer(key);
  std::vector<uint8_t> wire;
  std::vector<std::vector<uint8_t>> plains;
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> p(randombytes_uniform(i % 100 == 0 ? 300000 : 2000) % (kMaxRecordPlaintext + 1));
    randombytes_buf(p.data(), p.size());
    plains.push_back(p);
    ASSERT_TRUE(sealer.seal(p, wire).is_ok());
  }
  size_t at = 0;
  for (uint64_t n = 0; n < plains.size(); ++n) {
    uint32_t length = 0;
    std::memcpy(&length, wire.data() + at, 4);
    uint8_t nonce[12] = {};
    for (int i = 0; i < 8; ++i) nonce[4 + i] = uint8_t(n >> (8 * i));
    std::vector<uint8_t> out(length - 16 + 1);
    unsigned long long out_len = 0;
    ASSERT_EQ(crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &out_len, nullptr, wire.data() + at + 4, length,
                                                        wire.data() + at, 4, nonce, key.data()),
              0)
        << n;
    out.resize(out_len);
    ASSERT_EQ(out, plains[n]) << n;
    at += 4 + length;
  }
  // libsodium-sealed frames, many records, opened by one opener (decrypt context reused)
  std::vector<uint8_t> sodium_wire;
  size_t frames = 0;
  for (uint64_t n = 0; n < 2000; ++n) {
    auto f = encode_frame(FrameType::kPing, {});
    std::vector<uint8_t> rec(4 + f.size() + 16);
    uint32_t length = uint32_t(f.size() + 16);
    std::memcpy(rec.data(), &length, 4);
    uint8_t nonce[12] = {};
    for (int i = 0; i < 8; ++i) nonce[4 + i] = uint8_t(n >> (8 * i));
    crypto_aead_chacha20poly1305_ietf_encrypt(rec.data() + 4, nullptr, f.data(), f.size(), rec.data(), 4, nullptr,
                                              nonce, key.data());
    sodium_wire.insert(sodium_wire.end(), rec.begin(), rec.end());
  }
  RecordOpener opener(key);
  FrameDecoder d;
  for (size_t i = 0; i < sodium_wire.size(); i += 777) {
    opener.feed(std::span(sodium_wire).subspan(i, std::min<size_t>(777, sodium_wire.size() - i)));
    ASSERT_TRUE(opener.open_into(d).is_ok());
    for (;;) {
      auto next = d.next();
      ASSERT_TRUE(next.is_ok());
      if (!next->has_value()) break;
      ++frames;
    }
  }
  EXPECT_EQ(frames, 2000u);
}

TEST(PeerSession, LowOrderSessionKeysAreRefused) {
  ASSERT_GE(sodium_init(), 0);
  EphemeralKey mine = EphemeralKey::generate();
  Transcript t{};
  // The known small-order points of Curve25519 (u-coordinates), incl. non-canonical encodings.
  const char* hex[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };
  for (const char* h : hex) {
    std::array<uint8_t, 32> k{};
    sodium_hex2bin(k.data(), 32, h, 64, nullptr, nullptr, nullptr);
    EXPECT_FALSE(derive_session_keys(HandshakeRole::kAcceptor, mine, k, t).is_ok()) << h;
  }
}
}  // namespace
