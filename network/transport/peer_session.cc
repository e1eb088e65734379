#include "network/transport/peer_session.h"

#include <openssl/evp.h>

#include <cstring>
#include <sodium.h>
#include <string>

namespace strata::network {
namespace {

void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get_u32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

// The 96-bit nonce: four zero bytes, then the record's number (never reused under one key: a
// session would need 2^64 records to wrap).
std::array<uint8_t, 12> record_nonce(uint64_t number) {
  std::array<uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<uint8_t>(number >> (8 * i));
  return nonce;
}

int to_int(size_t n) { return static_cast<int>(n); }  // records are at most kMaxRecordPlaintext

void hash_part(crypto_generichash_state& state, std::span<const uint8_t> part) {
  uint8_t length[4];
  put_u32(length, static_cast<uint32_t>(part.size()));
  crypto_generichash_update(&state, length, sizeof length);
  crypto_generichash_update(&state, part.data(), part.size());
}

SessionKey bind_to_transcript(const uint8_t* kx_key, const Transcript& transcript) {
  SessionKey key{};
  crypto_generichash(key.data(), key.size(), transcript.data(), transcript.size(), kx_key, crypto_kx_SESSIONKEYBYTES);
  return key;
}

}  // namespace

EphemeralKey EphemeralKey::generate() {
  EphemeralKey k;
  crypto_kx_keypair(k.public_key.data(), k.secret_key.data());
  return k;
}

EphemeralKey::~EphemeralKey() { sodium_memzero(secret_key.data(), secret_key.size()); }
SessionKeys::~SessionKeys() {
  sodium_memzero(send.data(), send.size());
  sodium_memzero(receive.data(), receive.size());
}
RecordCipher::RecordCipher(const SessionKey& key) : encrypt_(EVP_CIPHER_CTX_new()), decrypt_(EVP_CIPHER_CTX_new()) {
  // The key is set once; each record sets only its nonce. A failure here leaves a context
  // that fails every record, which ends the session.
  if (encrypt_) EVP_EncryptInit_ex2(encrypt_, EVP_chacha20_poly1305(), key.data(), nullptr, nullptr);
  if (decrypt_) EVP_DecryptInit_ex2(decrypt_, EVP_chacha20_poly1305(), key.data(), nullptr, nullptr);
}

RecordCipher::~RecordCipher() {  // freeing a context cleanses its key
  EVP_CIPHER_CTX_free(encrypt_);
  EVP_CIPHER_CTX_free(decrypt_);
}

bool RecordCipher::seal(uint64_t number, std::span<const uint8_t> associated, std::span<uint8_t> text, uint8_t* tag) {
  auto nonce = record_nonce(number);
  int n = 0;
  return encrypt_ && EVP_EncryptInit_ex2(encrypt_, nullptr, nullptr, nonce.data(), nullptr) == 1 &&
         EVP_EncryptUpdate(encrypt_, nullptr, &n, associated.data(), to_int(associated.size())) == 1 &&
         EVP_EncryptUpdate(encrypt_, text.data(), &n, text.data(), to_int(text.size())) == 1 &&
         EVP_EncryptFinal_ex(encrypt_, text.data() + n, &n) == 1 &&
         EVP_CIPHER_CTX_ctrl(encrypt_, EVP_CTRL_AEAD_GET_TAG, to_int(kRecordTagBytes), tag) == 1;
}

bool RecordCipher::open(uint64_t number, std::span<const uint8_t> associated, std::span<const uint8_t> text,
                        const uint8_t* tag, uint8_t* out) {
  auto nonce = record_nonce(number);
  int n = 0;
  return decrypt_ && EVP_DecryptInit_ex2(decrypt_, nullptr, nullptr, nonce.data(), nullptr) == 1 &&
         EVP_DecryptUpdate(decrypt_, nullptr, &n, associated.data(), to_int(associated.size())) == 1 &&
         EVP_DecryptUpdate(decrypt_, out, &n, text.data(), to_int(text.size())) == 1 &&
         EVP_CIPHER_CTX_ctrl(decrypt_, EVP_CTRL_AEAD_SET_TAG, to_int(kRecordTagBytes), const_cast<uint8_t*>(tag)) == 1 &&
         EVP_DecryptFinal_ex(decrypt_, out + n, &n) == 1;
}

Transcript handshake_transcript(std::span<const uint8_t> dialer_hello, std::span<const uint8_t> acceptor_hello) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, sizeof(Transcript));
  hash_part(state, std::span(reinterpret_cast<const uint8_t*>(kHandshakeTag), sizeof kHandshakeTag - 1));
  hash_part(state, dialer_hello);
  hash_part(state, acceptor_hello);
  Transcript t{};
  crypto_generichash_final(&state, t.data(), t.size());
  return t;
}

std::vector<uint8_t> auth_message(HandshakeRole signer, const Transcript& transcript) {
  std::vector<uint8_t> m(kHandshakeTag, kHandshakeTag + sizeof kHandshakeTag - 1);
  m.push_back(static_cast<uint8_t>(signer));
  m.insert(m.end(), transcript.begin(), transcript.end());
  return m;
}

Result<SessionKeys> derive_session_keys(HandshakeRole self, const EphemeralKey& mine,
                                        std::span<const uint8_t, 32> theirs, const Transcript& transcript) {
  uint8_t rx[crypto_kx_SESSIONKEYBYTES], tx[crypto_kx_SESSIONKEYBYTES];
  int failed = self == HandshakeRole::kDialer
                   ? crypto_kx_client_session_keys(rx, tx, mine.public_key.data(), mine.secret_key.data(), theirs.data())
                   : crypto_kx_server_session_keys(rx, tx, mine.public_key.data(), mine.secret_key.data(), theirs.data());
  if (failed != 0) {
    sodium_memzero(rx, sizeof rx);
    sodium_memzero(tx, sizeof tx);
    return invalid_argument("the peer's session key is not a usable X25519 key");
  }
  SessionKeys keys;
  keys.send = bind_to_transcript(tx, transcript);
  keys.receive = bind_to_transcript(rx, transcript);
  sodium_memzero(rx, sizeof rx);
  sodium_memzero(tx, sizeof tx);
  return keys;
}

size_t RecordSealer::begin(std::vector<uint8_t>& out) const {
  size_t start = out.size();
  out.resize(start + kRecordHeaderBytes);
  return start;
}

Status RecordSealer::end(std::vector<uint8_t>& out, size_t record_start) {
  size_t plain = out.size() - record_start - kRecordHeaderBytes;
  if (plain > kMaxRecordPlaintext) return internal_error("a record of " + std::to_string(plain) + " bytes is over the bound");
  put_u32(out.data() + record_start, static_cast<uint32_t>(plain + kRecordTagBytes));
  out.resize(out.size() + kRecordTagBytes);
  uint8_t* header = out.data() + record_start;
  uint8_t* text = header + kRecordHeaderBytes;
  if (!cipher_.seal(counter_++, {header, kRecordHeaderBytes}, {text, plain}, text + plain)) {
    return internal_error("sealing a record failed (OpenSSL)");
  }
  return Status::ok();
}

Status RecordSealer::seal(std::span<const uint8_t> plain, std::vector<uint8_t>& out) {
  size_t start = begin(out);
  out.insert(out.end(), plain.begin(), plain.end());
  return end(out, start);
}

std::span<uint8_t> RecordOpener::prepare(size_t max) {
  if (consumed_ > 0) {  // at most one partial record is left over: moving it is cheap
    std::memmove(buffer_.data(), buffer_.data() + consumed_, filled_ - consumed_);
    filled_ -= consumed_;
    consumed_ = 0;
  }
  if (buffer_.size() < filled_ + max) buffer_.resize(filled_ + max);
  return {buffer_.data() + filled_, max};
}

void RecordOpener::feed(std::span<const uint8_t> bytes) {
  std::span<uint8_t> room = prepare(bytes.size());
  std::copy(bytes.begin(), bytes.end(), room.begin());
  commit(bytes.size());
}

Status RecordOpener::open_into(FrameDecoder& frames) {
  while (filled_ - consumed_ >= kRecordHeaderBytes) {
    const uint8_t* header = buffer_.data() + consumed_;
    uint32_t length = get_u32(header);
    if (length < kRecordTagBytes || length > kMaxRecordPlaintext + kRecordTagBytes) {
      return invalid_argument("record: a length of " + std::to_string(length) + " bytes (from " +
                              std::to_string(kRecordTagBytes) + " to " +
                              std::to_string(kMaxRecordPlaintext + kRecordTagBytes) + ")");
    }
    if (filled_ - consumed_ < kRecordHeaderBytes + length) break;
    size_t plain = length - kRecordTagBytes;
    const uint8_t* text = header + kRecordHeaderBytes;
    std::span<uint8_t> out = frames.prepare(plain);
    if (!cipher_.open(counter_, {header, kRecordHeaderBytes}, {text, plain}, text + plain, out.data())) {
      return invalid_argument("record " + std::to_string(counter_) +
                              " does not authenticate (altered, replayed, reordered or not from this session)");
    }
    frames.commit(plain);
    ++counter_;
    consumed_ += kRecordHeaderBytes + length;
  }
  return Status::ok();
}

}  // namespace strata::network
