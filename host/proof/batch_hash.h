// The proof family on a device: many items hashed at once (SHA-256, Ethereum's Keccak-256,
// BLAKE2b-256), RFC 6962 Merkle trees over them with inclusion proofs, and inclusion proofs
// checked in batches. Items are packed into one buffer (each at a word boundary) and hashed one
// work item each by the kernels of kernels/proof/hash.h; batches larger than a device's share
// are split, so any number of items fits. Every backend gives the same bits.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "host/device.h"
#include "host/status.h"

namespace strata::proof {

// SHA-512 (64-byte digests) is for Ed25519's h only (sha512_items): the functions below take the
// 32-byte algorithms.
enum class HashAlgo : uint32_t { kSha256 = 1, kKeccak256 = 2, kBlake2b256 = 3, kSha512 = 4 };
// "sha256", "keccak256", "blake2b" (BLAKE2b with a 32-byte digest).
std::string_view algo_name(HashAlgo algo);
Result<HashAlgo> parse_hash_algo(std::string_view name);

using Digest = std::array<uint8_t, 32>;

// Blocks (compression-function calls) for one message of `bytes` bytes, padding included.
uint64_t compressions_of(HashAlgo algo, uint64_t bytes);
using Item = std::span<const uint8_t>;

// An item may hold at most this much: a group of messages is laid out at its longest, up to 32
// wide on a GPU, so one item can cost 32 times its size there.
inline constexpr size_t kMaxItemBytes = size_t(64) << 20;

// The digest of every item, in order. As RFC 6962 leaves (`as_leaves`), each is H(0x00 || item).
Result<std::vector<Digest>> hash_items(Device& device, HashAlgo algo, std::span<const Item> items, bool as_leaves = false);

// The SHA-512 of every item, in order.
Result<std::vector<std::array<uint8_t, 64>>> sha512_items(Device& device, std::span<const Item> items);

// An RFC 6962 tree with every level kept: levels[0] the leaf hashes, the last level the root
// (none for an empty tree, whose root is the hash of nothing).
struct MerkleTree {
  HashAlgo algo = HashAlgo::kSha256;
  std::vector<std::vector<Digest>> levels;
  Digest root{};
  size_t size() const { return levels.empty() ? 0 : levels[0].size(); }
  // The audit path of leaf `index` (< size()), nearest sibling first, as RFC 6962 defines it.
  std::vector<Digest> inclusion_proof(size_t index) const;
};

Result<MerkleTree> merkle_tree(Device& device, HashAlgo algo, std::span<const Item> items);
Result<MerkleTree> merkle_tree_of_leaves(Device& device, HashAlgo algo, std::vector<Digest> leaf_hashes);

// One inclusion proof to check: that `leaf_hash` is leaf `index` of a tree of `tree_size` leaves.
struct InclusionClaim {
  Digest leaf_hash{};
  uint64_t index = 0;
  uint64_t tree_size = 0;
  std::vector<Digest> path;
};

// For each claim, whether its path leads to `root` (RFC 9162, 2.1.3.2).
Result<std::vector<bool>> verify_inclusion(Device& device, HashAlgo algo, const Digest& root,
                                           std::span<const InclusionClaim> claims);

// The device's rate in compressions per second for `algo`: the kernel alone, over a batch of long
// messages already on the device, timed for about `seconds` (what a provider offers, and what
// `strata bench proof` compares with hashcat's kernels); with several windows, the best.
Result<double> kernel_compressions_per_second(Device& device, HashAlgo algo, double seconds = 0.5, int windows = 1);

// Known answers (FIPS 180-4's and Ethereum's vectors, BLAKE2b's) and, off the cpu backend, the
// cpu backend's digests of a batch of every length to 300 bytes, bit for bit. Run before a
// device takes proof work.
Status proof_self_test(Device& device);

}  // namespace strata::proof
