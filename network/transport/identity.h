// Node identity: an Ed25519 key pair (libsodium), created on first start and kept in the node's
// data directory. The node id is the BLAKE2b-256 hash of the public key.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "host/status.h"
#include "host/text_codec.h"

namespace strata::network {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;
using NodeId = std::array<uint8_t, 32>;

// Lower-case hexadecimal, for logs and file names (host/text_codec.h).
using strata::to_hex;

class Identity {
 public:
  // Reads `data_dir`/identity.key, or creates it (mode 0600) with a fresh key pair when absent.
  // A file of the wrong size or a damaged key is an error, never silently replaced.
  static Result<Identity> load_or_create(const std::string& data_dir);
  // The key pair derived from a 32-byte seed (RFC 8032 private key); for tests and tools.
  static Identity from_seed(std::span<const uint8_t, 32> seed);

  const PublicKey& public_key() const { return public_key_; }
  const NodeId& node_id() const { return node_id_; }
  Signature sign(std::span<const uint8_t> message) const;

 private:
  Identity() = default;
  std::array<uint8_t, 64> secret_key_{};  // libsodium layout: seed, then public key
  PublicKey public_key_{};
  NodeId node_id_{};
};

// Whether `signature` is `key`'s Ed25519 signature of `message`.
bool verify_signature(const PublicKey& key, std::span<const uint8_t> message, const Signature& signature);

NodeId node_id_of(const PublicKey& key);

}  // namespace strata::network
