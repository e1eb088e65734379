// The proof family's hashing kernel: many messages at once, each already padded by the host to
// whole blocks of its algorithm (host/proof/batch_hash.cc), so that the kernel only compresses.
// Messages come in groups of `width`; a group's messages have the same number of blocks (the
// host sorts them by length and pads the group to its longest, the extra blocks ignored), and
// their words are interleaved: word k of message m of a group is at base + k * width + m. A work
// item takes LANES messages of a group side by side in SIMD lanes (one on a GPU, where the
// threads of a group take one message each and their loads coalesce), and reads each lane's
// words with one vector load.
#ifndef STRATA_KERNELS_PROOF_HASH_H
#define STRATA_KERNELS_PROOF_HASH_H

#include "proof/modes.h"

// groups[2g..2g+1]: the group's first word (in the algorithm's word size) and its block count;
// its first message is g * width (the host fills the last group up). info (per message, interleaved like the words): the index of its last
// block, then for BLAKE2b its length in bytes. digests (per group, interleaved): the 32-byte
// digest as 8 words (SHA-256, big-endian; SHA-512's 64 bytes, 8 big-endian 64-bit words) or 4
// words (Keccak-256, BLAKE2b, little-endian).

DEVICE_FN void proof_sha256_group(GLOBAL const u32* words, GLOBAL const u32* groups, GLOBAL const u32* info,
                                  GLOBAL u32* digests, u32 group, u32 lane0, u32 width) {
  u32 base = groups[2u * group], blocks = groups[2u * group + 1u], first = group * width;
  u32x last = LOAD32X(info + first + lane0);
  u32x h[8], w[16], out[8];
  sha256_init(h);
  for (u32 j = 0; j < 8u; ++j) out[j] = h[j];
  for (u32 b = 0; b < blocks; ++b) {
    GLOBAL const u32* block = words + base + b * 16u * width + lane0;
    for (u32 i = 0; i < 16u; ++i) w[i] = LOAD32X(block + i * width);
    sha256_compress(h, w);
    u32x done = LANE_MASK32(last == SPLAT32(b));
    for (u32 j = 0; j < 8u; ++j) out[j] = (h[j] & done) | (out[j] & ~done);
  }
  for (u32 j = 0; j < 8u; ++j) STORE32X(digests + 8u * first + j * width + lane0, out[j]);
}

DEVICE_FN void proof_keccak256_group(GLOBAL const u64* words, GLOBAL const u32* groups, GLOBAL const u64* info,
                                     GLOBAL u64* digests, u32 group, u32 lane0, u32 width) {
  u32 base = groups[2u * group], blocks = groups[2u * group + 1u], first = group * width;
  u64x last = LOAD64X(info + first + lane0);
  u64x a[25], out[4];
  for (u32 i = 0; i < 25u; ++i) a[i] = SPLAT64(0);
  for (u32 j = 0; j < 4u; ++j) out[j] = a[j];
  for (u32 b = 0; b < blocks; ++b) {
    GLOBAL const u64* block = words + base + b * 17u * width + lane0;
    for (u32 i = 0; i < 17u; ++i) a[i] ^= LOAD64X(block + i * width);
    keccak_f1600(a);
    u64x done = LANE_MASK64(last == SPLAT64(b));
    for (u32 j = 0; j < 4u; ++j) out[j] = (a[j] & done) | (out[j] & ~done);
  }
  for (u32 j = 0; j < 4u; ++j) STORE64X(digests + 4u * first + j * width + lane0, out[j]);
}

DEVICE_FN void proof_blake2b256_group(GLOBAL const u64* words, GLOBAL const u32* groups, GLOBAL const u64* info,
                                      GLOBAL u64* digests, u32 group, u32 lane0, u32 width) {
  u32 base = groups[2u * group], blocks = groups[2u * group + 1u], first = group * width;
  u64x last = LOAD64X(info + 2u * first + lane0);
  u64x length = LOAD64X(info + 2u * first + width + lane0);
  u64x h[8], m[16], out[4];
  for (u32 i = 0; i < 8u; ++i) h[i] = SPLAT64(kSha512Iv[i]);
  h[0] ^= SPLAT64(0x01010000UL ^ 32u);  // digest length 32, no key, fanout and depth 1
  for (u32 j = 0; j < 4u; ++j) out[j] = SPLAT64(0);
  for (u32 b = 0; b < blocks; ++b) {
    GLOBAL const u64* block = words + base + b * 16u * width + lane0;
    for (u32 i = 0; i < 16u; ++i) m[i] = LOAD64X(block + i * width);
    u64x final_block = LANE_MASK64(last == SPLAT64(b));
    u64x counted = (length & final_block) | (SPLAT64((u64)(b + 1u) * 128u) & ~final_block);
    blake2b_compress(h, m, counted, final_block);
    for (u32 j = 0; j < 4u; ++j) out[j] = (h[j] & final_block) | (out[j] & ~final_block);
  }
  for (u32 j = 0; j < 4u; ++j) STORE64X(digests + 4u * first + j * width + lane0, out[j]);
}

// SHA-512's digest is 64 bytes: 8 big-endian words per message.
DEVICE_FN void proof_sha512_group(GLOBAL const u64* words, GLOBAL const u32* groups, GLOBAL const u64* info,
                                  GLOBAL u64* digests, u32 group, u32 lane0, u32 width) {
  u32 base = groups[2u * group], blocks = groups[2u * group + 1u], first = group * width;
  u64x last = LOAD64X(info + first + lane0);
  u64x h[8], w[16], out[8];
  for (u32 i = 0; i < 8u; ++i) h[i] = SPLAT64(kSha512Iv[i]), out[i] = h[i];
  for (u32 b = 0; b < blocks; ++b) {
    GLOBAL const u64* block = words + base + b * 16u * width + lane0;
    for (u32 i = 0; i < 16u; ++i) w[i] = LOAD64X(block + i * width);
    sha512_compress(h, w);
    u64x done = LANE_MASK64(last == SPLAT64(b));
    for (u32 j = 0; j < 8u; ++j) out[j] = (h[j] & done) | (out[j] & ~done);
  }
  for (u32 j = 0; j < 8u; ++j) STORE64X(digests + 8u * first + j * width + lane0, out[j]);
}

// One work item per LANES messages: item i takes group i / (width / LANES).
KERNEL void proof_hash_groups(GLOBAL const u32* words, GLOBAL const u32* groups, GLOBAL const u32* info,
                              GLOBAL u32* digests, u32 group_count, u32 algo, u32 width) {
  u32 lanes = algo == PROOF_SHA256 ? LANES32 : LANES64;
  u32 per_group = width / lanes;
  u32 i = GLOBAL_ID_X();
  u32 group = i / per_group, lane0 = (i % per_group) * lanes;
  if (group >= group_count) return;
  if (algo == PROOF_SHA256) {
    proof_sha256_group(words, groups, info, digests, group, lane0, width);
  } else if (algo == PROOF_KECCAK256) {
    proof_keccak256_group((GLOBAL const u64*)words, groups, (GLOBAL const u64*)info, (GLOBAL u64*)digests, group, lane0,
                          width);
  } else if (algo == PROOF_BLAKE2B256) {
    proof_blake2b256_group((GLOBAL const u64*)words, groups, (GLOBAL const u64*)info, (GLOBAL u64*)digests, group,
                           lane0, width);
  } else if (algo == PROOF_SHA512) {
    proof_sha512_group((GLOBAL const u64*)words, groups, (GLOBAL const u64*)info, (GLOBAL u64*)digests, group, lane0,
                       width);
  }
}

#endif
