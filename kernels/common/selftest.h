// Known-answer kernel for the portable math and RNG: each device runs it before real work and
// the host compares the results with the C library (within tolerance) and with the cpu backend
// (bit for bit).
#ifndef STRATA_KERNELS_COMMON_SELFTEST_H
#define STRATA_KERNELS_COMMON_SELFTEST_H

#define SELFTEST_OUTPUTS 9

// For each input x: sin, cos, exp, log(|x|), pow(|x|, 1/2.4), sqrt(|x|), 1/x, rng float bits as
// float of (seed 7, item i, sample 3, dim 11), x * 1.1 - 0.3 (detects fma contraction), and the rng as raw bits.
KERNEL void selftest_math(GLOBAL const float* in, GLOBAL float* out, GLOBAL u32* out_bits, u32 n) {
  u32 i = GLOBAL_ID_X();
  if (i >= n) return;
  float x = in[i];
  float ax = FABSF(x);
  GLOBAL float* o = out + i * SELFTEST_OUTPUTS;
  o[0] = sx_sin(x);
  o[1] = sx_cos(x);
  o[2] = sx_exp(x);
  o[3] = sx_log(ax);
  o[4] = sx_pow(ax, 1.0f / 2.4f);
  o[5] = SQRTF(ax);
  o[6] = 1.0f / x;
  o[7] = rng_float(7u, i, 3u, 11u);
  o[8] = x * 1.1f - 0.3f;  // differs if a backend contracts it into an fma
  out_bits[i] = rng_u32(7u, i, 3u, 11u);
}

#endif
