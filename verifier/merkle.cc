#include "verifier/merkle.h"

#include <sodium.h>

namespace strata::verifier {
namespace {

Digest hash_parts(std::initializer_list<std::span<const uint8_t>> parts, MerkleHash hash) {
  Digest out{};
  if (hash == MerkleHash::kSha256) {
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    for (auto p : parts) crypto_hash_sha256_update(&state, p.data(), p.size());
    crypto_hash_sha256_final(&state, out.data());
  } else {
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, out.size());
    for (auto p : parts) crypto_generichash_update(&state, p.data(), p.size());
    crypto_generichash_final(&state, out.data(), out.size());
  }
  return out;
}

constexpr uint8_t kLeafPrefix[1] = {0x00};
constexpr uint8_t kNodePrefix[1] = {0x01};

// The largest power of two below n (n > 1).
size_t split_point(size_t n) {
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

}  // namespace

Digest merkle_leaf_hash(std::span<const uint8_t> data, MerkleHash hash) { return hash_parts({kLeafPrefix, data}, hash); }

Digest merkle_node_hash(std::span<const uint8_t> left, std::span<const uint8_t> right, MerkleHash hash) {
  return hash_parts({kNodePrefix, left, right}, hash);
}

Digest merkle_root(std::span<const Digest> leaves, MerkleHash hash) {
  if (leaves.empty()) return hash_parts({}, hash);
  if (leaves.size() == 1) return leaves[0];
  size_t k = split_point(leaves.size());
  return merkle_node_hash(merkle_root(leaves.first(k), hash), merkle_root(leaves.subspan(k), hash), hash);
}

std::vector<Digest> merkle_inclusion_proof(std::span<const Digest> leaves, size_t index, MerkleHash hash) {
  std::vector<Digest> path;
  while (leaves.size() > 1 && index < leaves.size()) {
    size_t k = split_point(leaves.size());
    // Built from the root down; the nearest sibling ends up first.
    if (index < k) {
      path.insert(path.begin(), merkle_root(leaves.subspan(k), hash));
      leaves = leaves.first(k);
    } else {
      path.insert(path.begin(), merkle_root(leaves.first(k), hash));
      leaves = leaves.subspan(k);
      index -= k;
    }
  }
  return path;
}

// RFC 9162, 2.1.3.2.
bool merkle_verify_inclusion(const Digest& leaf, size_t index, size_t tree_size, std::span<const Digest> proof,
                             const Digest& root, MerkleHash hash) {
  if (index >= tree_size) return false;
  size_t fn = index, sn = tree_size - 1;
  Digest r = leaf;
  for (const Digest& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = merkle_node_hash(p, r, hash);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = merkle_node_hash(r, p, hash);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

}  // namespace strata::verifier
