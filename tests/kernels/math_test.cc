// The portable math and RNG of kernels/common, compiled here as host C++ exactly as the cpu
// backend compiles them, checked against the C library and against statistical expectations.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/compat.h"
#include "kernels/common/math.h"
#include "kernels/common/rng.h"

namespace {

TEST(KernelMath, SinCosMatchLibmOverManyPeriods) {
  double worst = 0;
  for (int i = -200000; i <= 200000; ++i) {
    float x = static_cast<float>(i) * 1e-4f * 3.0f;  // [-60, 60]
    float s, c;
    sx_sincos(x, &s, &c);
    worst = std::max({worst, std::fabs(s - std::sin(double(x))), std::fabs(c - std::cos(double(x)))});
  }
  EXPECT_LT(worst, 2e-7 * 4);  // a few float ulps at magnitude 1
}

TEST(KernelMath, ExpLogPowRelativeError) {
  double worst_exp = 0, worst_log = 0, worst_pow = 0;
  for (int i = -87000; i <= 88000; i += 7) {
    float x = static_cast<float>(i) * 1e-3f;
    double want = std::exp(double(x));
    worst_exp = std::max(worst_exp, std::fabs(sx_exp(x) - want) / want);
  }
  for (int i = 1; i < 200000; ++i) {
    float x = static_cast<float>(i) * 0.37f + 1e-6f * i * i;
    double want = std::log(double(x));
    worst_log = std::max(worst_log, std::fabs(sx_log(x) - want) / std::max(1.0, std::fabs(want)));
    double pw = std::pow(double(x) * 1e-4, 1 / 2.4);
    worst_pow = std::max(worst_pow, std::fabs(sx_pow(x * 1e-4f, 1.0f / 2.4f) - pw) / pw);
  }
  EXPECT_LT(worst_exp, 1e-6);
  EXPECT_LT(worst_log, 1e-6);
  EXPECT_LT(worst_pow, 2e-6);
}

TEST(KernelMath, SpecialValues) {
  EXPECT_EQ(sx_exp(0.0f), 1.0f);
  EXPECT_EQ(sx_exp(-100.0f), 0.0f);
  EXPECT_EQ(sx_log(1.0f), 0.0f);
  EXPECT_TRUE(std::isinf(sx_log(0.0f)) && sx_log(0.0f) < 0);
  EXPECT_TRUE(std::isnan(sx_log(-1.0f)));
  EXPECT_NEAR(sx_log(1e-40f), std::log(1e-40), 1e-5);  // subnormal input
  EXPECT_EQ(sx_pow(0.0f, 2.0f), 0.0f);
  EXPECT_EQ(sx_pow(5.0f, 0.0f), 1.0f);
  EXPECT_TRUE(sx_is_finite(1.0f));
  EXPECT_FALSE(sx_is_finite(INFINITY));
  EXPECT_FALSE(sx_is_finite(NAN));
}

TEST(KernelMath, BasisIsOrthonormal) {
  for (int i = 0; i < 1000; ++i) {
    float u = rng_float(1, i, 0, 0) * 2 - 1, phi = rng_float(1, i, 0, 1) * 6.2831853f;
    float r = std::sqrt(1 - u * u);
    V3 n = v3(r * std::cos(phi), r * std::sin(phi), u);
    V3 t, b;
    sx_basis(n, &t, &b);
    EXPECT_NEAR(v3_dot(t, t), 1, 1e-5);
    EXPECT_NEAR(v3_dot(b, b), 1, 1e-5);
    EXPECT_NEAR(v3_dot(t, n), 0, 1e-5);
    EXPECT_NEAR(v3_dot(b, n), 0, 1e-5);
    EXPECT_NEAR(v3_dot(t, b), 0, 1e-5);
  }
}

// The PCG-RXS-M-XS hash is a permutation of 32-bit integers: no two inputs collide.
TEST(KernelRng, PcgHashIsABijectionOnASubrange) {
  std::vector<uint32_t> seen;
  for (uint32_t i = 0; i < (1u << 20); ++i) seen.push_back(rng_pcg_hash(i * 4099u));
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

// Uniformity (chi-square over 64 bins) along each counter: items, samples and dimensions.
TEST(KernelRng, UniformAlongEveryCounter) {
  const int kBins = 64, kN = 64 * 4000;
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<int> bins(kBins);
    for (int i = 0; i < kN; ++i) {
      uint32_t item = axis == 0 ? i : 17, sample = axis == 1 ? i : 5, dim = axis == 2 ? i : 3;
      float u = rng_float(42, item, sample, dim);
      ASSERT_GE(u, 0.0f);
      ASSERT_LT(u, 1.0f);
      ++bins[static_cast<int>(u * kBins)];
    }
    double expected = double(kN) / kBins, chi2 = 0;
    for (int b : bins) chi2 += (b - expected) * (b - expected) / expected;
    // 63 degrees of freedom: the 99.9th percentile is about 103.4.
    EXPECT_LT(chi2, 103.4) << "axis " << axis;
  }
}

// Neighbouring streams are uncorrelated: the correlation of (sample s, dim d) with (s, d+1) and
// with (s+1, d) is within a few standard errors of zero.
TEST(KernelRng, NeighbouringStreamsUncorrelated) {
  const int kN = 200000;
  double sxy_dim = 0, sxy_sample = 0, sx = 0, sxx = 0;
  for (int i = 0; i < kN; ++i) {
    double a = rng_float(9, i, 100, 4) - 0.5;
    sxy_dim += a * (rng_float(9, i, 100, 5) - 0.5);
    sxy_sample += a * (rng_float(9, i, 101, 4) - 0.5);
    sx += a;
    sxx += a * a;
  }
  double var = sxx / kN;
  EXPECT_NEAR(sxy_dim / kN / var, 0, 5 / std::sqrt(double(kN)));
  EXPECT_NEAR(sxy_sample / kN / var, 0, 5 / std::sqrt(double(kN)));
  EXPECT_NEAR(var, 1.0 / 12, 1e-3);
}

TEST(KernelRng, SeedChangesEverything) {
  int equal = 0;
  for (uint32_t i = 0; i < 10000; ++i) equal += rng_u32(1, i, 0, 0) == rng_u32(2, i, 0, 0);
  EXPECT_LE(equal, 1);
}

}  // namespace
