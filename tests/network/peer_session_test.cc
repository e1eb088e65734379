// The session cryptography (network/transport/peer_session.h): records open with libsodium's own AEAD
// under the documented nonce and associated data, both sides derive matching keys, and every
// alteration of the record stream (a flipped bit, a replay, a reorder, a record of the other
// direction, a length over the bound) is refused by name.
#include <gtest/gtest.h>

#include <sodium.h>

#include <cstring>
#include <map>

#include "network/transport/peer_session.h"

namespace {

using namespace strata;
using namespace strata::network;

SessionKey key_of(uint8_t n) {
  SessionKey k{};
  k.fill(n);
  return k;
}

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// The record format written out with libsodium alone, the reference the records are checked
// against: record n's nonce is 0^4 || n (64-bit little-endian), its 4-byte length the associated data.
std::array<uint8_t, 12> reference_nonce(uint64_t n) {
  std::array<uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = uint8_t(n >> (8 * i));
  return nonce;
}

std::vector<uint8_t> reference_seal(const SessionKey& key, uint64_t n, std::span<const uint8_t> plain) {
  std::vector<uint8_t> record(4 + plain.size() + 16);
  uint32_t length = static_cast<uint32_t>(plain.size() + 16);
  std::memcpy(record.data(), &length, 4);
  crypto_aead_chacha20poly1305_ietf_encrypt(record.data() + 4, nullptr, plain.data(), plain.size(), record.data(), 4,
                                            nullptr, reference_nonce(n).data(), key.data());
  return record;
}

// Every record of `wire`, opened with libsodium in turn; ends early at one that does not open.
std::vector<std::vector<uint8_t>> reference_open(const SessionKey& key, std::span<const uint8_t> wire) {
  std::vector<std::vector<uint8_t>> plains;
  for (size_t at = 0; at + 4 <= wire.size();) {
    uint32_t length = 0;
    std::memcpy(&length, wire.data() + at, 4);
    if (length < 16 || at + 4 + length > wire.size()) break;
    std::vector<uint8_t> out(length - 16 + 1);  // room for an empty record's null-free pointer
    unsigned long long out_len = 0;
    if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &out_len, nullptr, wire.data() + at + 4, length,
                                                  wire.data() + at, 4, reference_nonce(plains.size()).data(),
                                                  key.data()) != 0) {
      break;
    }
    out.resize(out_len);
    plains.push_back(std::move(out));
    at += 4 + length;
  }
  return plains;
}

// Feeds `wire` to the opener `piece` bytes at a time and counts the frames of each type it yields.
std::map<FrameType, size_t> open_in_pieces(RecordOpener& opener, std::span<const uint8_t> wire, size_t piece,
                                           size_t* task_bytes = nullptr) {
  FrameDecoder decoder;
  std::map<FrameType, size_t> counts;
  for (size_t at = 0; at < wire.size(); at += piece) {
    opener.feed(wire.subspan(at, std::min(piece, wire.size() - at)));
    EXPECT_TRUE(opener.open_into(decoder).is_ok());
    for (;;) {
      auto next = decoder.next();
      EXPECT_TRUE(next.is_ok());
      if (!next.is_ok() || !next->has_value()) break;
      ++counts[(*next)->type];
      if (task_bytes && (*next)->type == FrameType::kRenderTask) *task_bytes = (*next)->payload.size();
    }
  }
  return counts;
}

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
  // Opened by libsodium, each record whole.
  auto plains = reference_open(key, wire);
  EXPECT_EQ(plains, (std::vector<std::vector<uint8_t>>{bytes_of("first"), bytes_of("second record")}));
  EXPECT_EQ(wire.size(), 2 * (4 + 16) + 5 + 13);

  // And a record sealed by libsodium, as record 0, opens into its frame.
  std::vector<uint8_t> record = reference_seal(key, 0, encode_frame(FrameType::kPing, {}));
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
  size_t task_bytes = 0;
  auto counts = open_in_pieces(opener, wire, 4093, &task_bytes);
  EXPECT_EQ(counts[FrameType::kPing], 50u);
  EXPECT_EQ(counts[FrameType::kRenderTask], 1u);
  EXPECT_EQ(task_bytes, 300000u);
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

namespace {

// The AEAD itself, beyond the format: empty records, many records on one context, weak keys.

TEST(PeerSession, AnEmptyRecordIsARealAeadRecord) {
  ASSERT_GE(sodium_init(), 0);
  SessionKey key = key_of(9);
  RecordSealer sealer(key);
  std::vector<uint8_t> wire;
  ASSERT_TRUE(sealer.seal({}, wire).is_ok());
  ASSERT_EQ(wire.size(), 4u + 16u);
  EXPECT_EQ(reference_open(key, wire), (std::vector<std::vector<uint8_t>>{{}}));
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
  EXPECT_EQ(reference_open(key, wire), plains);
  // libsodium-sealed frames, many records, opened by one opener (decrypt context reused)
  std::vector<uint8_t> sodium_wire;
  for (uint64_t n = 0; n < 2000; ++n) {
    auto record = reference_seal(key, n, encode_frame(FrameType::kPing, {}));
    sodium_wire.insert(sodium_wire.end(), record.begin(), record.end());
  }
  RecordOpener opener(key);
  EXPECT_EQ(open_in_pieces(opener, sodium_wire, 777)[FrameType::kPing], 2000u);
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
