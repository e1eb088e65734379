#include "network/transport/identity.h"

#include "network/private_file.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace strata::network {
namespace {

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

NodeId node_id_of(const PublicKey& key) {
  NodeId id{};
  crypto_generichash(id.data(), id.size(), key.data(), key.size(), nullptr, 0);
  return id;
}

Identity Identity::from_seed(std::span<const uint8_t, 32> seed) {
  sodium_ready();
  Identity id;
  crypto_sign_seed_keypair(id.public_key_.data(), id.secret_key_.data(), seed.data());
  id.node_id_ = node_id_of(id.public_key_);
  return id;
}

// identity.key holds the 32-byte seed and the 32-byte public key it makes: a damaged file (a
// flipped bit, a truncation) no longer passes for another identity. Files of the first format
// (the seed alone) are read and rewritten in this one.
Result<Identity> Identity::load_or_create(const std::string& data_dir) {
  if (!sodium_ready()) return internal_error("libsodium failed to initialize");
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return io_error("cannot create data directory '" + data_dir + "': " + ec.message());
  const std::string path = (std::filesystem::path(data_dir) / "identity.key").string();
  std::array<uint8_t, 64> stored{};
  auto save = [&](const Identity& id) {
    std::copy(id.public_key_.begin(), id.public_key_.end(), stored.begin() + 32);
    Status s = write_private_file(path, stored);
    sodium_memzero(stored.data(), stored.size());
    return s;
  };
  if (std::filesystem::exists(path, ec)) {
    STRATA_RETURN_IF_ERROR(check_private_file(path));
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(stored.data()), stored.size());
    std::streamsize got = in.gcount();
    if ((got != 32 && got != 64) || in.peek() != std::char_traits<char>::eof()) {
      sodium_memzero(stored.data(), stored.size());
      return invalid_argument("identity file '" + path + "' is damaged: expected 64 bytes (a seed and its public key)");
    }
    std::array<uint8_t, 32> seed{};
    std::copy(stored.begin(), stored.begin() + 32, seed.begin());
    Identity id = from_seed(seed);
    sodium_memzero(seed.data(), seed.size());
    if (got == 32) {
      STRATA_RETURN_IF_ERROR(save(id));
    } else if (!std::equal(id.public_key_.begin(), id.public_key_.end(), stored.begin() + 32)) {
      sodium_memzero(stored.data(), stored.size());
      return invalid_argument("identity file '" + path +
                              "' is damaged: its seed does not make the public key stored beside it");
    }
    sodium_memzero(stored.data(), stored.size());
    return id;
  }
  std::array<uint8_t, 32> seed{};
  randombytes_buf(seed.data(), seed.size());
  Identity id = from_seed(seed);
  std::copy(seed.begin(), seed.end(), stored.begin());
  sodium_memzero(seed.data(), seed.size());
  STRATA_RETURN_IF_ERROR(save(id));
  return id;
}

Signature Identity::sign(std::span<const uint8_t> message) const {
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key_.data());
  return sig;
}

bool verify_signature(const PublicKey& key, std::span<const uint8_t> message, const Signature& signature) {
  if (!sodium_ready()) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), key.data()) == 0;
}

}  // namespace strata::network
