#include "network/identity.h"

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

std::string to_hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

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

Result<Identity> Identity::load_or_create(const std::string& data_dir) {
  if (!sodium_ready()) return internal_error("libsodium failed to initialize");
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return io_error("cannot create data directory '" + data_dir + "': " + ec.message());
  const std::string path = (std::filesystem::path(data_dir) / "identity.key").string();
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    std::array<uint8_t, 32> seed{};
    in.read(reinterpret_cast<char*>(seed.data()), seed.size());
    if (in.gcount() != static_cast<std::streamsize>(seed.size()) || in.peek() != std::char_traits<char>::eof()) {
      return invalid_argument("identity file '" + path + "' is damaged: expected exactly 32 bytes");
    }
    Identity id = from_seed(seed);
    sodium_memzero(seed.data(), seed.size());
    return id;
  }
  std::array<uint8_t, 32> seed{};
  randombytes_buf(seed.data(), seed.size());
  // Written to a temporary file first, so a crash never leaves a half-written key behind.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(seed.data()), seed.size());
    out.flush();
    if (!out) return io_error("cannot write identity file '" + tmp + "'");
  }
  chmod(tmp.c_str(), S_IRUSR | S_IWUSR);
  std::filesystem::rename(tmp, path, ec);
  if (ec) return io_error("cannot move the identity into '" + path + "': " + ec.message());
  Identity id = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
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
