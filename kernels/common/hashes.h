// The hash functions' compression steps, shared by every backend: SHA-256 (FIPS 180-4),
// Keccak-f[1600] (FIPS 202's permutation, for Ethereum's Keccak-256), BLAKE2b (RFC 7693) and
// SHA-512 (FIPS 180-4, for Ed25519's h).
// Each works on SIMD lanes (u32x, u64x: several messages at once, compat.h), with integer
// arithmetic only, so every backend computes the same bits. Messages, padding and output order
// are the callers' (kernels/proof/hash.h, host/proof/batch_hash.cc).
#ifndef STRATA_KERNELS_COMMON_HASHES_H
#define STRATA_KERNELS_COMMON_HASHES_H

DEVICE_FN u32x rotr32x(u32x x, u32 n) { return (x >> n) | (x << (32u - n)); }
DEVICE_FN u64x rotr64x(u64x x, u32 n) { return (x >> n) | (x << (64u - n)); }
DEVICE_FN u64x rotl64x(u64x x, u32 n) { return (x << n) | (x >> (64u - n)); }

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

DEVICE_FN void sha256_init(u32x* h) {
  h[0] = SPLAT32(0x6a09e667u), h[1] = SPLAT32(0xbb67ae85u), h[2] = SPLAT32(0x3c6ef372u), h[3] = SPLAT32(0xa54ff53au);
  h[4] = SPLAT32(0x510e527fu), h[5] = SPLAT32(0x9b05688cu), h[6] = SPLAT32(0x1f83d9abu), h[7] = SPLAT32(0x5be0cd19u);
}

// One round: the eight state words are renamed rather than moved (the caller rotates them).
#define STRATA_SHA256_ROUND(a, b, c, d, e, f, g, h, k, w)                                              \
  {                                                                                                \
    u32x t1 = h + (rotr32x(e, 6) ^ rotr32x(e, 11) ^ rotr32x(e, 25)) + (g ^ (e & (f ^ g))) + (k) + (w); \
    u32x t2 = (rotr32x(a, 2) ^ rotr32x(a, 13) ^ rotr32x(a, 22)) + ((a & b) | (c & (a | b)));        \
    d += t1;                                                                                       \
    h = t1 + t2;                                                                                   \
  }
// The message schedule's next word, in place of the one sixteen back.
#define STRATA_SHA256_NEXT(w, i)                                                                   \
  (w[(i)&15] += (rotr32x(w[((i) + 14) & 15], 17) ^ rotr32x(w[((i) + 14) & 15], 19) ^               \
                 (w[((i) + 14) & 15] >> 10)) +                                                     \
                w[((i) + 9) & 15] +                                                                \
                (rotr32x(w[((i) + 1) & 15], 7) ^ rotr32x(w[((i) + 1) & 15], 18) ^ (w[((i) + 1) & 15] >> 3)))
#define STRATA_SHA256_EIGHT(i, W)                                     \
  STRATA_SHA256_ROUND(a, b, c, d, e, f, g, h, kSha256K[(i) + 0], W((i) + 0)) \
  STRATA_SHA256_ROUND(h, a, b, c, d, e, f, g, kSha256K[(i) + 1], W((i) + 1)) \
  STRATA_SHA256_ROUND(g, h, a, b, c, d, e, f, kSha256K[(i) + 2], W((i) + 2)) \
  STRATA_SHA256_ROUND(f, g, h, a, b, c, d, e, kSha256K[(i) + 3], W((i) + 3)) \
  STRATA_SHA256_ROUND(e, f, g, h, a, b, c, d, kSha256K[(i) + 4], W((i) + 4)) \
  STRATA_SHA256_ROUND(d, e, f, g, h, a, b, c, kSha256K[(i) + 5], W((i) + 5)) \
  STRATA_SHA256_ROUND(c, d, e, f, g, h, a, b, kSha256K[(i) + 6], W((i) + 6)) \
  STRATA_SHA256_ROUND(b, c, d, e, f, g, h, a, kSha256K[(i) + 7], W((i) + 7))
#define STRATA_SHA256_W(i) w[(i)&15]
#define STRATA_SHA256_WNEXT(i) STRATA_SHA256_NEXT(w, i)

// One 64-byte block, as 16 big-endian words per lane; w is overwritten (the message schedule in
// place). Written out in full: straight-line code the compilers keep in registers.
DEVICE_FN void sha256_compress(u32x* state, u32x* w) {
  u32x a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
  STRATA_SHA256_EIGHT(0, STRATA_SHA256_W)
  STRATA_SHA256_EIGHT(8, STRATA_SHA256_W)
  STRATA_SHA256_EIGHT(16, STRATA_SHA256_WNEXT)
  STRATA_SHA256_EIGHT(24, STRATA_SHA256_WNEXT)
  STRATA_SHA256_EIGHT(32, STRATA_SHA256_WNEXT)
  STRATA_SHA256_EIGHT(40, STRATA_SHA256_WNEXT)
  STRATA_SHA256_EIGHT(48, STRATA_SHA256_WNEXT)
  STRATA_SHA256_EIGHT(56, STRATA_SHA256_WNEXT)
  state[0] += a, state[1] += b, state[2] += c, state[3] += d, state[4] += e, state[5] += f, state[6] += g, state[7] += h;
}

// ---- Keccak-f[1600] ----

CONSTANT u64 kKeccakRound[24] = {
    0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808aUL, 0x8000000080008000UL,
    0x000000000000808bUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
    0x000000000000008aUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000aUL,
    0x000000008000808bUL, 0x800000000000008bUL, 0x8000000000008089UL, 0x8000000000008003UL,
    0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800aUL, 0x800000008000000aUL,
    0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL};
// The permutation on 25 lanes (Keccak's, not SIMD's), lane (x, y) at a[x + 5y]; the rounds are
// written out lane by lane (theta, rho and pi, chi, iota), so that the state stays in registers.
DEVICE_FN void keccak_f1600(u64x* a) {
  u64x a00 = a[0], a01 = a[1], a02 = a[2], a03 = a[3], a04 = a[4];
  u64x a05 = a[5], a06 = a[6], a07 = a[7], a08 = a[8], a09 = a[9];
  u64x a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14];
  u64x a15 = a[15], a16 = a[16], a17 = a[17], a18 = a[18], a19 = a[19];
  u64x a20 = a[20], a21 = a[21], a22 = a[22], a23 = a[23], a24 = a[24];
  for (u32 round = 0; round < 24u; ++round) {
    u64x c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
    u64x c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
    u64x c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
    u64x c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
    u64x c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
    u64x d0 = c4 ^ rotl64x(c1, 1);
    u64x d1 = c0 ^ rotl64x(c2, 1);
    u64x d2 = c1 ^ rotl64x(c3, 1);
    u64x d3 = c2 ^ rotl64x(c4, 1);
    u64x d4 = c3 ^ rotl64x(c0, 1);
    a00 ^= d0; a01 ^= d1; a02 ^= d2; a03 ^= d3; a04 ^= d4;
    a05 ^= d0; a06 ^= d1; a07 ^= d2; a08 ^= d3; a09 ^= d4;
    a10 ^= d0; a11 ^= d1; a12 ^= d2; a13 ^= d3; a14 ^= d4;
    a15 ^= d0; a16 ^= d1; a17 ^= d2; a18 ^= d3; a19 ^= d4;
    a20 ^= d0; a21 ^= d1; a22 ^= d2; a23 ^= d3; a24 ^= d4;
    u64x b00 = a00; u64x b01 = rotl64x(a06, 44); u64x b02 = rotl64x(a12, 43);
    u64x b03 = rotl64x(a18, 21); u64x b04 = rotl64x(a24, 14); u64x b05 = rotl64x(a03, 28);
    u64x b06 = rotl64x(a09, 20); u64x b07 = rotl64x(a10, 3); u64x b08 = rotl64x(a16, 45);
    u64x b09 = rotl64x(a22, 61); u64x b10 = rotl64x(a01, 1); u64x b11 = rotl64x(a07, 6);
    u64x b12 = rotl64x(a13, 25); u64x b13 = rotl64x(a19, 8); u64x b14 = rotl64x(a20, 18);
    u64x b15 = rotl64x(a04, 27); u64x b16 = rotl64x(a05, 36); u64x b17 = rotl64x(a11, 10);
    u64x b18 = rotl64x(a17, 15); u64x b19 = rotl64x(a23, 56); u64x b20 = rotl64x(a02, 62);
    u64x b21 = rotl64x(a08, 55); u64x b22 = rotl64x(a14, 39); u64x b23 = rotl64x(a15, 41);
    u64x b24 = rotl64x(a21, 2);
    a00 = b00 ^ (~b01 & b02);
    a01 = b01 ^ (~b02 & b03);
    a02 = b02 ^ (~b03 & b04);
    a03 = b03 ^ (~b04 & b00);
    a04 = b04 ^ (~b00 & b01);
    a05 = b05 ^ (~b06 & b07);
    a06 = b06 ^ (~b07 & b08);
    a07 = b07 ^ (~b08 & b09);
    a08 = b08 ^ (~b09 & b05);
    a09 = b09 ^ (~b05 & b06);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
    a00 ^= kKeccakRound[round];
  }
  a[0] = a00; a[1] = a01; a[2] = a02; a[3] = a03; a[4] = a04;
  a[5] = a05; a[6] = a06; a[7] = a07; a[8] = a08; a[9] = a09;
  a[10] = a10; a[11] = a11; a[12] = a12; a[13] = a13; a[14] = a14;
  a[15] = a15; a[16] = a16; a[17] = a17; a[18] = a18; a[19] = a19;
  a[20] = a20; a[21] = a21; a[22] = a22; a[23] = a23; a[24] = a24;
}

// ---- BLAKE2b ----

// SHA-512's initial hash value, which BLAKE2b takes as its IV.
CONSTANT u64 kSha512Iv[8] = {0x6a09e667f3bcc908UL, 0xbb67ae8584caa73bUL, 0x3c6ef372fe94f82bUL, 0xa54ff53a5f1d36f1UL,
                              0x510e527fade682d1UL, 0x9b05688c2b3e6c1fUL, 0x1f83d9abfb41bd6bUL, 0x5be0cd19137e2179UL};
// The message schedule: round r's sixteen word indices, one per nibble (rounds 10 and 11 repeat 0 and 1).
CONSTANT u64 kBlake2bSigma[10] = {0xfedcba9876543210UL, 0x357b20c16df984aeUL, 0x491763eadf250c8bUL, 0x8f04a562ebcd1397UL,
                                  0xd386cb1efa427509UL, 0x91ef57d438b0a6c2UL, 0xb8293670a4def15cUL, 0xa2684f05931ce7bdUL,
                                  0x5a417d2c803b9ef6UL, 0x0dc3e9bf5167482aUL};

DEVICE_FN void blake2b_g(u64x* v, u32 a, u32 b, u32 c, u32 d, u64x x, u64x y) {
  v[a] = v[a] + v[b] + x;
  v[d] = rotr64x(v[d] ^ v[a], 32);
  v[c] = v[c] + v[d];
  v[b] = rotr64x(v[b] ^ v[c], 24);
  v[a] = v[a] + v[b] + y;
  v[d] = rotr64x(v[d] ^ v[a], 16);
  v[c] = v[c] + v[d];
  v[b] = rotr64x(v[b] ^ v[c], 63);
}

// One 128-byte block m (16 little-endian words); `bytes` is the count of message bytes so far,
// this block's included, and `last` all ones in the lanes whose final block this is.
DEVICE_FN void blake2b_compress(u64x* h, const u64x* m, u64x bytes, u64x last) {
  u64x v[16];
  for (u32 i = 0; i < 8u; ++i) v[i] = h[i];
  for (u32 i = 0; i < 8u; ++i) v[i + 8] = SPLAT64(kSha512Iv[i]);
  v[12] ^= bytes;  // the high half of the 128-bit counter stays 0: items are far below 2^64 bytes
  v[14] ^= last;
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

// ---- SHA-512 ----

CONSTANT u64 kSha512K[80] = {
    0x428a2f98d728ae22UL, 0x7137449123ef65cdUL, 0xb5c0fbcfec4d3b2fUL, 0xe9b5dba58189dbbcUL,
    0x3956c25bf348b538UL, 0x59f111f1b605d019UL, 0x923f82a4af194f9bUL, 0xab1c5ed5da6d8118UL,
    0xd807aa98a3030242UL, 0x12835b0145706fbeUL, 0x243185be4ee4b28cUL, 0x550c7dc3d5ffb4e2UL,
    0x72be5d74f27b896fUL, 0x80deb1fe3b1696b1UL, 0x9bdc06a725c71235UL, 0xc19bf174cf692694UL,
    0xe49b69c19ef14ad2UL, 0xefbe4786384f25e3UL, 0x0fc19dc68b8cd5b5UL, 0x240ca1cc77ac9c65UL,
    0x2de92c6f592b0275UL, 0x4a7484aa6ea6e483UL, 0x5cb0a9dcbd41fbd4UL, 0x76f988da831153b5UL,
    0x983e5152ee66dfabUL, 0xa831c66d2db43210UL, 0xb00327c898fb213fUL, 0xbf597fc7beef0ee4UL,
    0xc6e00bf33da88fc2UL, 0xd5a79147930aa725UL, 0x06ca6351e003826fUL, 0x142929670a0e6e70UL,
    0x27b70a8546d22ffcUL, 0x2e1b21385c26c926UL, 0x4d2c6dfc5ac42aedUL, 0x53380d139d95b3dfUL,
    0x650a73548baf63deUL, 0x766a0abb3c77b2a8UL, 0x81c2c92e47edaee6UL, 0x92722c851482353bUL,
    0xa2bfe8a14cf10364UL, 0xa81a664bbc423001UL, 0xc24b8b70d0f89791UL, 0xc76c51a30654be30UL,
    0xd192e819d6ef5218UL, 0xd69906245565a910UL, 0xf40e35855771202aUL, 0x106aa07032bbd1b8UL,
    0x19a4c116b8d2d0c8UL, 0x1e376c085141ab53UL, 0x2748774cdf8eeb99UL, 0x34b0bcb5e19b48a8UL,
    0x391c0cb3c5c95a63UL, 0x4ed8aa4ae3418acbUL, 0x5b9cca4f7763e373UL, 0x682e6ff3d6b2b8a3UL,
    0x748f82ee5defb2fcUL, 0x78a5636f43172f60UL, 0x84c87814a1f0ab72UL, 0x8cc702081a6439ecUL,
    0x90befffa23631e28UL, 0xa4506cebde82bde9UL, 0xbef9a3f7b2c67915UL, 0xc67178f2e372532bUL,
    0xca273eceea26619cUL, 0xd186b8c721c0c207UL, 0xeada7dd6cde0eb1eUL, 0xf57d4f7fee6ed178UL,
    0x06f067aa72176fbaUL, 0x0a637dc5a2c898a6UL, 0x113f9804bef90daeUL, 0x1b710b35131c471bUL,
    0x28db77f523047d84UL, 0x32caab7b40c72493UL, 0x3c9ebe0a15c9bebcUL, 0x431d67c49c100d4cUL,
    0x4cc5d4becb3e42b6UL, 0x597f299cfc657e2aUL, 0x5fcb6fab3ad6faecUL, 0x6c44198c4a475817UL
};

// One 128-byte block, as 16 big-endian 64-bit words per lane; w is overwritten (the message
// schedule in place).
DEVICE_FN void sha512_compress(u64x* state, u64x* w) {
  u64x a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
  for (u32 i = 0; i < 80u; ++i) {
    if (i >= 16u) {
      u64x w15 = w[(i + 1u) & 15u], w2 = w[(i + 14u) & 15u];
      w[i & 15u] += (rotr64x(w2, 19) ^ rotr64x(w2, 61) ^ (w2 >> 6)) + w[(i + 9u) & 15u] +
                    (rotr64x(w15, 1) ^ rotr64x(w15, 8) ^ (w15 >> 7));
    }
    u64x t1 = h + (rotr64x(e, 14) ^ rotr64x(e, 18) ^ rotr64x(e, 41)) + (g ^ (e & (f ^ g))) + kSha512K[i] + w[i & 15u];
    u64x t2 = (rotr64x(a, 28) ^ rotr64x(a, 34) ^ rotr64x(a, 39)) + ((a & b) | (c & (a | b)));
    h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  state[0] += a, state[1] += b, state[2] += c, state[3] += d, state[4] += e, state[5] += f, state[6] += g, state[7] += h;
}

#endif
