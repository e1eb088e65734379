// The cryptography of a session between two nodes. The handshake (schema/handshake.fbs) is a
// signed Diffie-Hellman: each side's Hello carries its identity key and a fresh X25519 key for
// this connection only, and each side's Auth is its identity's signature over both Hellos (the
// transcript) and its role. A signature therefore proves the key holder took part in this very
// exchange, with this peer: relayed to another connection it fails, since that one has other
// ephemeral keys. After the handshake every byte travels in records sealed with ChaCha20-Poly1305
// under keys derived from the ephemerals and the transcript, one key per direction and a counter
// as nonce, so a relay can neither read a session nor alter, drop, replay or reorder its bytes
// without the receiver noticing.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "host/status.h"
#include "network/transport/frame.h"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX

namespace strata::network {

inline constexpr char kHandshakeTag[] = "strata-handshake-v2";
// A record: its ciphertext's length (4 bytes, little-endian; authenticated with it), then the
// ciphertext and its 16-byte tag. A record holds at most this much plaintext.
inline constexpr size_t kMaxRecordPlaintext = 256 * 1024;
inline constexpr size_t kRecordHeaderBytes = 4;
inline constexpr size_t kRecordTagBytes = 16;

using SessionKey = std::array<uint8_t, 32>;
using Transcript = std::array<uint8_t, 32>;

enum class HandshakeRole : uint8_t { kDialer = 1, kAcceptor = 2 };

// A connection's X25519 key pair; the secret is wiped when it goes.
struct EphemeralKey {
  std::array<uint8_t, 32> public_key{};
  std::array<uint8_t, 32> secret_key{};
  static EphemeralKey generate();
  EphemeralKey() = default;
  EphemeralKey(const EphemeralKey&) = delete;
  EphemeralKey& operator=(const EphemeralKey&) = delete;
  EphemeralKey(EphemeralKey&&) = default;
  EphemeralKey& operator=(EphemeralKey&&) = default;
  ~EphemeralKey();
};

// BLAKE2b-256 of the tag and both Hellos' payloads as sent, the dialer's first, each with its length.
Transcript handshake_transcript(std::span<const uint8_t> dialer_hello, std::span<const uint8_t> acceptor_hello);
// What the side in `signer`'s role signs: the tag, the role and the transcript.
std::vector<uint8_t> auth_message(HandshakeRole signer, const Transcript& transcript);

struct SessionKeys {
  SessionKey send{};
  SessionKey receive{};
  ~SessionKeys();
};
// X25519 between this side's ephemeral key and the peer's (crypto_kx, the dialer as client), each
// direction's key then hashed with the transcript. Fails for a peer key of low order.
Result<SessionKeys> derive_session_keys(HandshakeRole self, const EphemeralKey& mine,
                                        std::span<const uint8_t, 32> theirs, const Transcript& transcript);

// ChaCha20-Poly1305 (RFC 8439) under one session key, a record's number as its nonce: four zero
// bytes, then the number, 64-bit little-endian. OpenSSL's, which is several times libsodium's
// speed where the CPU has wide vector units; the construction is the same.
class RecordCipher {
 public:
  explicit RecordCipher(const SessionKey& key);
  ~RecordCipher();
  RecordCipher(const RecordCipher&) = delete;
  RecordCipher& operator=(const RecordCipher&) = delete;
  // Encrypts `text` in place and writes its 16-byte tag.
  bool seal(uint64_t number, std::span<const uint8_t> associated, std::span<uint8_t> text, uint8_t* tag);
  // Decrypts into `out` (as long as `text`); false if the record does not authenticate.
  bool open(uint64_t number, std::span<const uint8_t> associated, std::span<const uint8_t> text, const uint8_t* tag,
            uint8_t* out);

 private:
  evp_cipher_ctx_st* encrypt_;
  evp_cipher_ctx_st* decrypt_;
};

// Seals records into a buffer that is about to be written: begin() reserves a record's header
// at the end of `out`, the caller appends up to kMaxRecordPlaintext bytes, and end() encrypts
// them in place and appends the tag.
class RecordSealer {
 public:
  explicit RecordSealer(const SessionKey& key) : cipher_(key) {}
  size_t begin(std::vector<uint8_t>& out) const;
  Status end(std::vector<uint8_t>& out, size_t record_start);
  // One record holding `plain`, appended to `out`.
  Status seal(std::span<const uint8_t> plain, std::vector<uint8_t>& out);

 private:
  RecordCipher cipher_;
  uint64_t counter_ = 0;
};

// Opens the records arriving from a peer into the frame decoder that reads their plaintext.
// Buffers at most one record and a read.
class RecordOpener {
 public:
  explicit RecordOpener(const SessionKey& key) : cipher_(key) {}
  // Room for up to `max` bytes of ciphertext to read into, then commit what arrived; or feed().
  std::span<uint8_t> prepare(size_t max);
  void commit(size_t n) { filled_ += n; }
  void feed(std::span<const uint8_t> bytes);
  // Opens every complete record into `frames`. An error (a length over the bound, a record that
  // does not authenticate) means the session is broken: the peer is to be dropped.
  Status open_into(FrameDecoder& frames);

 private:
  RecordCipher cipher_;
  uint64_t counter_ = 0;
  std::vector<uint8_t> buffer_;
  size_t consumed_ = 0, filled_ = 0;
};

}  // namespace strata::network
