// The proof family's hashing kernels: many messages of varied lengths hashed at once (one work
// item per message), and RFC 6962 Merkle trees built a level at a time. A message is an optional
// prefix byte (RFC 6962's 0x00 for a leaf, 0x01 for a node) and then `length` bytes of
// little-endian words: of the device buffer `data` from word `offset`, or of `held` (a work
// item's own words, such as two child digests) where that is not null. Bytes past the length
// are never read into the digest, so messages may share words with their neighbours' padding.
#ifndef STRATA_KERNELS_PROOF_HASH_H
#define STRATA_KERNELS_PROOF_HASH_H

#include "proof/modes.h"

#define PROOF_NO_PREFIX (-1)

// Data word k of a message (its bytes 4k..4k+3), zero past its length.
DEVICE_FN u32 proof_data_word(GLOBAL const u32* data, const u32* held, u32 offset, u32 length, u32 k) {
  u32 start = k * 4u;
  if (k >= 0x40000000u || start >= length) return 0;
  u32 w = held ? held[k] : data[offset + k];
  u32 left = length - start;
  if (left < 4u) w &= (1u << (left * 8u)) - 1u;
  return w;
}

// Word k of the message (its bytes 4k..4k+3, little-endian): the prefix byte shifts the data by one.
DEVICE_FN u32 proof_message_word(GLOBAL const u32* data, const u32* held, u32 offset, u32 length, i32 prefix, u32 k) {
  if (prefix < 0) return proof_data_word(data, held, offset, length, k);
  u32 low = k == 0 ? (u32)prefix : (proof_data_word(data, held, offset, length, k - 1u) >> 24);
  return low | (proof_data_word(data, held, offset, length, k) << 8);
}

// Word k of the message with its pad byte: `pad` at byte `total` (the message's length).
DEVICE_FN u32 proof_padded_word(GLOBAL const u32* data, const u32* held, u32 offset, u32 length, i32 prefix, u32 total, u32 pad,
                                u32 k) {
  u32 w = proof_message_word(data, held, offset, length, prefix, k);
  if (k == total / 4u) w |= pad << ((total % 4u) * 8u);
  return w;
}

// The 32-byte digests below are written as 8 little-endian words: digest byte i is byte i%4 of word i/4.

DEVICE_FN void proof_sha256(GLOBAL const u32* data, const u32* held, u32 offset, u32 length, i32 prefix, u32* digest) {
  u32 total = length + (prefix >= 0 ? 1u : 0u);
  u32 blocks = (total + 8u) / 64u + 1u;  // the message, a 0x80 byte and a 64-bit length
  u32 h[8], w[16];
  sha256_init(h);
  for (u32 b = 0; b < blocks; ++b) {
    for (u32 i = 0; i < 16u; ++i) w[i] = bswap32(proof_padded_word(data, held, offset, length, prefix, total, 0x80u, b * 16u + i));
    if (b + 1u == blocks) {
      u64 bits = (u64)total * 8u;
      w[14] = (u32)(bits >> 32);
      w[15] = (u32)bits;
    }
    sha256_compress(h, w);
  }
  for (u32 i = 0; i < 8u; ++i) digest[i] = bswap32(h[i]);
}

// Ethereum's Keccak-256: rate 136 bytes, Keccak's own padding (0x01 ... 0x80), not SHA3's 0x06.
DEVICE_FN void proof_keccak256(GLOBAL const u32* data, const u32* held, u32 offset, u32 length, i32 prefix, u32* digest) {
  u32 total = length + (prefix >= 0 ? 1u : 0u);
  u32 blocks = total / 136u + 1u;
  u64 a[25];
  for (u32 i = 0; i < 25u; ++i) a[i] = 0;
  for (u32 b = 0; b < blocks; ++b) {
    for (u32 lane = 0; lane < 17u; ++lane) {
      u32 k = b * 34u + lane * 2u;
      u32 lo = proof_padded_word(data, held, offset, length, prefix, total, 0x01u, k);
      u32 hi = proof_padded_word(data, held, offset, length, prefix, total, 0x01u, k + 1u);
      if (b + 1u == blocks && lane == 16u) hi |= 0x80000000u;  // the rate's last byte
      a[lane] ^= (u64)lo | ((u64)hi << 32);
    }
    keccak_f1600(a);
  }
  for (u32 i = 0; i < 4u; ++i) digest[2u * i] = (u32)a[i], digest[2u * i + 1u] = (u32)(a[i] >> 32);
}

// BLAKE2b with a 32-byte digest and no key; the empty message is one block of zeros.
DEVICE_FN void proof_blake2b256(GLOBAL const u32* data, const u32* held, u32 offset, u32 length, i32 prefix, u32* digest) {
  u32 total = length + (prefix >= 0 ? 1u : 0u);
  u32 blocks = total == 0 ? 1u : (total + 127u) / 128u;
  u64 h[8], m[16];
  for (u32 i = 0; i < 8u; ++i) h[i] = kBlake2bIv[i];
  h[0] ^= 0x01010000UL ^ 32u;  // digest length 32, no key, fanout and depth 1
  for (u32 b = 0; b < blocks; ++b) {
    for (u32 i = 0; i < 16u; ++i) {
      u32 k = b * 32u + i * 2u;
      m[i] = (u64)proof_message_word(data, held, offset, length, prefix, k) |
             ((u64)proof_message_word(data, held, offset, length, prefix, k + 1u) << 32);
    }
    int last = b + 1u == blocks;
    blake2b_compress(h, m, last ? (u64)total : (u64)(b + 1u) * 128u, last);
  }
  for (u32 i = 0; i < 4u; ++i) digest[2u * i] = (u32)h[i], digest[2u * i + 1u] = (u32)(h[i] >> 32);
}

DEVICE_FN void proof_hash_message(u32 algo, GLOBAL const u32* data, const u32* held, u32 offset, u32 length, i32 prefix, u32* digest) {
  if (algo == PROOF_SHA256) {
    proof_sha256(data, held, offset, length, prefix, digest);
  } else if (algo == PROOF_KECCAK256) {
    proof_keccak256(data, held, offset, length, prefix, digest);
  } else if (algo == PROOF_BLAKE2B256) {
    proof_blake2b256(data, held, offset, length, prefix, digest);
  } else {
    for (u32 i = 0; i < 8u; ++i) digest[i] = 0;  // the host never asks for another
  }
}

// Item i is (word offset, byte length) at items[2i], items[2i + 1]; its digest goes to digests[8i..8i+7].
KERNEL void proof_hash(GLOBAL const u32* data, GLOBAL const u32* items, GLOBAL u32* digests, u32 count, u32 mode) {
  u32 i = GLOBAL_ID_X();
  if (i >= count) return;
  u32 digest[8];
  i32 prefix = (mode & PROOF_LEAF_PREFIX) ? 0 : PROOF_NO_PREFIX;
  proof_hash_message(mode & 0xffu, data, 0, items[2u * i], items[2u * i + 1u], prefix, digest);
  for (u32 j = 0; j < 8u; ++j) digests[8u * i + j] = digest[j];
}

// An inner node of an RFC 6962 tree: H(0x01 || left || right), the children as 16 words.
DEVICE_FN void proof_node_hash(u32 algo, const u32* children, u32* digest) {
  proof_hash_message(algo, 0, children, 0, 64u, 1, digest);
}

// One level of an RFC 6962 tree: node i above is the node over below[2i] and below[2i+1], or
// below[2i] carried up unchanged when it has no sibling (which builds the same tree as
// RFC 6962's split at the largest power of two).
KERNEL void proof_merkle_level(GLOBAL const u32* below, GLOBAL u32* above, u32 count_below, u32 algo) {
  u32 i = GLOBAL_ID_X();
  if (i >= (count_below + 1u) / 2u) return;
  u32 children[16], digest[8];
  u32 n = 2u * i + 1u < count_below ? 16u : 8u;
  for (u32 j = 0; j < n; ++j) children[j] = below[16u * i + j];
  if (n == 16u) {
    proof_node_hash(algo, children, digest);
  } else {
    for (u32 j = 0; j < 8u; ++j) digest[j] = children[j];
  }
  for (u32 j = 0; j < 8u; ++j) above[8u * i + j] = digest[j];
}

// Inclusion proofs checked in a batch. Proof i (meta[4i..4i+3]: leaf index, tree size, first
// digest in `path`, path length) shows that leaf hash leaves[i] is that leaf of the tree with
// `root`; verdicts[i] is 1 if it does, 0 if not (RFC 9162's verification, 2.1.3.2).
KERNEL void proof_merkle_verify(GLOBAL const u32* leaves, GLOBAL const u32* path, GLOBAL const u32* meta,
                                GLOBAL const u32* root, GLOBAL u32* verdicts, u32 count, u32 algo) {
  u32 i = GLOBAL_ID_X();
  if (i >= count) return;
  u32 fn = meta[4u * i], sn = meta[4u * i + 1u] - 1u, first = meta[4u * i + 2u], length = meta[4u * i + 3u];
  u32 ok = fn < meta[4u * i + 1u];
  u32 r[8], children[16];
  for (u32 j = 0; j < 8u; ++j) r[j] = leaves[8u * i + j];
  for (u32 p = 0; p < length && ok; ++p) {
    if (sn == 0) {
      ok = 0;  // a longer path than the tree has levels
      break;
    }
    GLOBAL const u32* sibling = path + 8u * (first + p);
    int sibling_left = (fn & 1u) || fn == sn;
    for (u32 j = 0; j < 8u; ++j) {
      children[j] = sibling_left ? sibling[j] : r[j];
      children[8u + j] = sibling_left ? r[j] : sibling[j];
    }
    proof_node_hash(algo, children, r);
    if (sibling_left) {
      while (!(fn & 1u) && fn != 0) fn >>= 1, sn >>= 1;  // past the levels where r was carried up
    }
    fn >>= 1, sn >>= 1;
  }
  if (ok && sn != 0) ok = 0;  // a shorter path than the tree has levels
  for (u32 j = 0; j < 8u && ok; ++j) ok = r[j] == root[j];
  verdicts[i] = ok;
}

#endif
