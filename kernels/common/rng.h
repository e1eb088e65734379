// Counter-based random numbers: every value is a pure function of (job seed, item, sample,
// dimension), so any sample of any pixel or item can be recomputed anywhere, on any backend.
#ifndef STRATA_KERNELS_COMMON_RNG_H
#define STRATA_KERNELS_COMMON_RNG_H

// One round of the PCG-RXS-M-XS permutation (Jarzynski & Olano, "Hash Functions for GPU
// Rendering", JCGT 2020): a bijection on 32-bit integers with good avalanche.
DEVICE_FN u32 rng_pcg_hash(u32 v) {
  u32 state = v * 747796405u + 2891336453u;
  u32 word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

DEVICE_FN u32 rng_u32(u32 seed, u32 item, u32 sample, u32 dim) {
  u32 h = rng_pcg_hash(dim);
  h = rng_pcg_hash(h + sample);
  h = rng_pcg_hash(h + item);
  return rng_pcg_hash(h + seed);
}

// Uniform in [0, 1) with 24 random bits; the conversion is exact on every backend.
DEVICE_FN float rng_float(u32 seed, u32 item, u32 sample, u32 dim) {
  return (float)(rng_u32(seed, item, sample, dim) >> 8) * (1.0f / 16777216.0f);
}

#endif
