// Merkle trees as RFC 6962 (and 9162) define them, so a result can commit to all of its chunks
// (tile rows, window groups, batch items) with one root, and any chunk can be shown to belong to
// it with an inclusion proof of log2(n) hashes. Leaves are hashed as H(0x00 || data) and inner
// nodes as H(0x01 || left || right), so a leaf can never pass for a node; an odd subtree is
// carried up, never duplicated. Strata hashes with BLAKE2b-256; SHA-256 is there to check the
// construction against RFC 6962's published vectors.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace strata::verifier {

using Digest = std::array<uint8_t, 32>;
enum class MerkleHash { kBlake2b256, kSha256 };

Digest merkle_leaf_hash(std::span<const uint8_t> data, MerkleHash hash = MerkleHash::kBlake2b256);
Digest merkle_node_hash(std::span<const uint8_t> left, std::span<const uint8_t> right,
                        MerkleHash hash = MerkleHash::kBlake2b256);

// The tree head of the leaves (already leaf-hashed); the hash of nothing for no leaves.
Digest merkle_root(std::span<const Digest> leaves, MerkleHash hash = MerkleHash::kBlake2b256);
// The audit path of leaf `index` (< leaves.size()), nearest sibling first.
std::vector<Digest> merkle_inclusion_proof(std::span<const Digest> leaves, size_t index,
                                           MerkleHash hash = MerkleHash::kBlake2b256);
// Whether `proof` shows that `leaf` is leaf `index` of a tree of `tree_size` leaves with `root`.
bool merkle_verify_inclusion(const Digest& leaf, size_t index, size_t tree_size, std::span<const Digest> proof,
                             const Digest& root, MerkleHash hash = MerkleHash::kBlake2b256);

}  // namespace strata::verifier
