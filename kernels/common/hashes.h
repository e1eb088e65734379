// The hash functions' compression steps, shared by every backend: SHA-256 (FIPS 180-4),
// Keccak-f[1600] (FIPS 202's permutation, for Ethereum's Keccak-256) and BLAKE2b (RFC 7693).
// Integer arithmetic only, so every backend computes the same bits. Messages, padding and
// output order are the callers' (kernels/proof/hash.h).
#ifndef STRATA_KERNELS_COMMON_HASHES_H
#define STRATA_KERNELS_COMMON_HASHES_H

DEVICE_FN u32 rotr32(u32 x, u32 n) { return (x >> n) | (x << (32u - n)); }
DEVICE_FN u64 rotr64(u64 x, u32 n) { return (x >> n) | (x << (64u - n)); }
DEVICE_FN u64 rotl64(u64 x, u32 n) { return (x << n) | (x >> (64u - n)); }
DEVICE_FN u32 bswap32(u32 x) {
  return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}

// ---- SHA-256 ----

CONSTANT u32 kSha256K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

DEVICE_FN void sha256_init(u32* h) {
  h[0] = 0x6a09e667u, h[1] = 0xbb67ae85u, h[2] = 0x3c6ef372u, h[3] = 0xa54ff53au;
  h[4] = 0x510e527fu, h[5] = 0x9b05688cu, h[6] = 0x1f83d9abu, h[7] = 0x5be0cd19u;
}

// One 64-byte block, as 16 big-endian words; w is overwritten (the message schedule in place).
DEVICE_FN void sha256_compress(u32* h, u32* w) {
  u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (u32 i = 0; i < 64u; ++i) {
    u32 wi;
    if (i < 16u) {
      wi = w[i];
    } else {
      u32 w15 = w[(i - 15u) & 15u], w2 = w[(i - 2u) & 15u];
      u32 s0 = rotr32(w15, 7) ^ rotr32(w15, 18) ^ (w15 >> 3);
      u32 s1 = rotr32(w2, 17) ^ rotr32(w2, 19) ^ (w2 >> 10);
      wi = w[i & 15u] + s0 + w[(i - 7u) & 15u] + s1;
      w[i & 15u] = wi;
    }
    u32 t1 = k + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & f) ^ (~e & g)) + kSha256K[i] + wi;
    u32 t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

// ---- Keccak-f[1600] ----

CONSTANT u64 kKeccakRound[24] = {
    0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808aUL, 0x8000000080008000UL,
    0x000000000000808bUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
    0x000000000000008aUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000aUL,
    0x000000008000808bUL, 0x800000000000008bUL, 0x8000000000008089UL, 0x8000000000008003UL,
    0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800aUL, 0x800000008000000aUL,
    0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL};
// rho's rotations and pi's lane order, along pi's cycle from lane 1.
CONSTANT u32 kKeccakRho[24] = {1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44};
CONSTANT u32 kKeccakPi[24] = {10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1};

// The permutation on 25 lanes, lane (x, y) at a[x + 5y].
DEVICE_FN void keccak_f1600(u64* a) {
  for (u32 round = 0; round < 24u; ++round) {
    u64 c[5];
    for (u32 x = 0; x < 5u; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    for (u32 x = 0; x < 5u; ++x) {
      u64 d = c[(x + 4u) % 5u] ^ rotl64(c[(x + 1u) % 5u], 1);
      for (u32 y = 0; y < 25u; y += 5u) a[y + x] ^= d;
    }
    u64 carried = a[1];
    for (u32 i = 0; i < 24u; ++i) {
      u32 j = kKeccakPi[i];
      u64 next = a[j];
      a[j] = rotl64(carried, kKeccakRho[i]);
      carried = next;
    }
    for (u32 y = 0; y < 25u; y += 5u) {
      u64 row[5];
      for (u32 x = 0; x < 5u; ++x) row[x] = a[y + x];
      for (u32 x = 0; x < 5u; ++x) a[y + x] = row[x] ^ (~row[(x + 1u) % 5u] & row[(x + 2u) % 5u]);
    }
    a[0] ^= kKeccakRound[round];
  }
}

// ---- BLAKE2b ----

CONSTANT u64 kBlake2bIv[8] = {0x6a09e667f3bcc908UL, 0xbb67ae8584caa73bUL, 0x3c6ef372fe94f82bUL, 0xa54ff53a5f1d36f1UL,
                              0x510e527fade682d1UL, 0x9b05688c2b3e6c1fUL, 0x1f83d9abfb41bd6bUL, 0x5be0cd19137e2179UL};
// The message schedule: round r's sixteen word indices, one per nibble (rounds 10 and 11 repeat 0 and 1).
CONSTANT u64 kBlake2bSigma[10] = {0xfedcba9876543210UL, 0x357b20c16df984aeUL, 0x491763eadf250c8bUL, 0x8f04a562ebcd1397UL,
                                  0xd386cb1efa427509UL, 0x91ef57d438b0a6c2UL, 0xb8293670a4def15cUL, 0xa2684f05931ce7bdUL,
                                  0x5a417d2c803b9ef6UL, 0x0dc3e9bf5167482aUL};

DEVICE_FN void blake2b_g(u64* v, u32 a, u32 b, u32 c, u32 d, u64 x, u64 y) {
  v[a] = v[a] + v[b] + x;
  v[d] = rotr64(v[d] ^ v[a], 32);
  v[c] = v[c] + v[d];
  v[b] = rotr64(v[b] ^ v[c], 24);
  v[a] = v[a] + v[b] + y;
  v[d] = rotr64(v[d] ^ v[a], 16);
  v[c] = v[c] + v[d];
  v[b] = rotr64(v[b] ^ v[c], 63);
}

// One 128-byte block m (16 little-endian words); `bytes` is the count of message bytes so far,
// this block's included; `last` marks the final block.
DEVICE_FN void blake2b_compress(u64* h, const u64* m, u64 bytes, int last) {
  u64 v[16];
  for (u32 i = 0; i < 8u; ++i) v[i] = h[i], v[i + 8] = kBlake2bIv[i];
  v[12] ^= bytes;  // the high half of the 128-bit counter stays 0: items are far below 2^64 bytes
  if (last) v[14] = ~v[14];
  for (u32 r = 0; r < 12u; ++r) {
    u64 s = kBlake2bSigma[r % 10u];
#define STRATA_SIGMA(i) ((u32)(s >> (4u * (i))) & 15u)
    blake2b_g(v, 0, 4, 8, 12, m[STRATA_SIGMA(0)], m[STRATA_SIGMA(1)]);
    blake2b_g(v, 1, 5, 9, 13, m[STRATA_SIGMA(2)], m[STRATA_SIGMA(3)]);
    blake2b_g(v, 2, 6, 10, 14, m[STRATA_SIGMA(4)], m[STRATA_SIGMA(5)]);
    blake2b_g(v, 3, 7, 11, 15, m[STRATA_SIGMA(6)], m[STRATA_SIGMA(7)]);
    blake2b_g(v, 0, 5, 10, 15, m[STRATA_SIGMA(8)], m[STRATA_SIGMA(9)]);
    blake2b_g(v, 1, 6, 11, 12, m[STRATA_SIGMA(10)], m[STRATA_SIGMA(11)]);
    blake2b_g(v, 2, 7, 8, 13, m[STRATA_SIGMA(12)], m[STRATA_SIGMA(13)]);
    blake2b_g(v, 3, 4, 9, 14, m[STRATA_SIGMA(14)], m[STRATA_SIGMA(15)]);
#undef STRATA_SIGMA
  }
  for (u32 i = 0; i < 8u; ++i) h[i] ^= v[i] ^ v[i + 8];
}

#endif
