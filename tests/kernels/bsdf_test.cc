// The glTF metallic-roughness BSDF of kernels/render/shading.h, compiled as the cpu backend
// compiles it: its sampling pdf is a normalized density that matches the sampled directions, it
// is reciprocal, it conserves energy, and importance sampling agrees with brute-force
// integration.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu/compat.h"
#include "kernels/common/math.h"
#include "kernels/common/rng.h"
#include "kernels/render/types.h"
#include "kernels/render/shading.h"

namespace {

struct Case {
  float base, metallic, roughness, specular, transmission = 0.0f;
};

Bsdf make(const Case& c) {
  Bsdf b;
  b.base = v3_splat(c.base);
  b.metallic = c.metallic;
  b.alpha = c.roughness * c.roughness;
  b.specular = c.specular;
  b.f0 = 0.04f;
  b.transmission = c.transmission;
  return b;
}

V3 uniform_sphere(float u1, float u2) {
  float z = 1 - 2 * u1, r = std::sqrt(std::max(0.0f, 1 - z * z)), phi = 6.2831853f * u2;
  return v3(r * std::cos(phi), r * std::sin(phi), z);
}

const Case kCases[] = {{0.8f, 0.0f, 1.0f, 0.0f},       {0.8f, 0.0f, 0.5f, 1.0f},       {0.9f, 1.0f, 0.5f, 1.0f},
                       {0.5f, 0.3f, 0.3f, 1.0f},       {1.0f, 1.0f, 0.8f, 1.0f},       {0.9f, 0.0f, 0.5f, 1.0f, 1.0f},
                       {0.7f, 0.2f, 0.6f, 1.0f, 0.5f}};
const V3 kN = {0, 0, 1};

// Integrates over the sphere with uniform directions (transmission scatters below the surface):
// the pdf integrates to at most 1, and the albedo computed by brute force equals the
// importance-sampled estimate.
TEST(Bsdf, PdfNormalizedAndSamplingUnbiased) {
  for (const Case& c : kCases) {
    Bsdf b = make(c);
    V3 wo = v3_normalize(v3(0.4f, 0.1f, 0.9f));
    const int n = 400000;
    double pdf_integral = 0, albedo_uniform = 0, albedo_sampled = 0;
    for (int i = 0; i < n; ++i) {
      V3 wi = uniform_sphere(rng_float(1, i, 0, 0), rng_float(1, i, 0, 1));
      float pdf;
      V3 f = bsdf_eval(&b, kN, wo, wi, &pdf);
      pdf_integral += pdf * 4 * 3.14159265 / n;
      albedo_uniform += f.x * std::fabs(wi.z) * 4 * 3.14159265 / n;
      V3 ws;
      float ps;
      V3 fs = bsdf_sample(&b, kN, wo, rng_float(2, i, 0, 0), rng_float(2, i, 0, 1), rng_float(2, i, 0, 2), &ws, &ps);
      if (ps > 0) albedo_sampled += fs.x * std::fabs(ws.z) / ps / n;
    }
    // Reflections of sampled normals can land below the horizon (about a quarter for the
    // roughest metal here); that mass is lost, never added.
    EXPECT_LE(pdf_integral, 1.0 + 0.02) << c.base << " " << c.metallic << " " << c.roughness;
    EXPECT_GE(pdf_integral, 0.65) << c.base << " " << c.metallic << " " << c.roughness;
    EXPECT_NEAR(albedo_sampled, albedo_uniform, 0.02) << c.base << " " << c.metallic << " " << c.roughness;
    EXPECT_LE(albedo_sampled, 1.0 + 1e-3);
    EXPECT_GT(albedo_sampled, 0.5 * c.base);
  }
}

TEST(Bsdf, LambertWithoutSpecularIsBaseOverPi) {
  Bsdf b = make({0.6f, 0.0f, 1.0f, 0.0f});
  float pdf;
  V3 wi = v3_normalize(v3(-0.3f, 0.2f, 0.7f));
  V3 f = bsdf_eval(&b, kN, v3_normalize(v3(0.5f, 0.5f, 0.5f)), wi, &pdf);
  EXPECT_FLOAT_EQ(f.x, 0.6f * SX_INV_PI);
  EXPECT_NEAR(pdf, wi.z * SX_INV_PI, 1e-7);  // cosine sampling alone
}

TEST(Bsdf, Reciprocal) {
  for (const Case& c : kCases) {
    Bsdf b = make(c);
    for (int i = 0; i < 1000; ++i) {
      V3 a = uniform_sphere(rng_float(3, i, 0, 0), rng_float(3, i, 0, 1));
      V3 d = uniform_sphere(rng_float(3, i, 0, 2), rng_float(3, i, 0, 3));
      a.z = std::fabs(a.z);
      d.z = std::fabs(d.z);
      float p1, p2;
      V3 f1 = bsdf_eval(&b, kN, a, d, &p1), f2 = bsdf_eval(&b, kN, d, a, &p2);
      EXPECT_NEAR(f1.x, f2.x, 1e-5 * std::max(1.0f, f1.x));
    }
  }
}

// Thin-walled transmission: a direction below the surface gets the microfacet lobe D V of its
// mirror image above, weighted by (1 - F) and the base colour, while the reflection above keeps
// F D V; without transmission nothing goes below.
TEST(Bsdf, ThinWalledTransmissionMirrorsTheReflectionLobe) {
  const float base = 0.9f, roughness = 0.4f;
  Bsdf b = make({base, 0.0f, roughness, 1.0f, 1.0f});
  V3 wo = v3_normalize(v3(0.3f, -0.2f, 0.9f));
  V3 below = v3_normalize(v3(-0.1f, 0.4f, -0.8f));
  V3 above = v3(below.x, below.y, -below.z);
  float pdf_t, pdf_r;
  V3 ft = bsdf_eval(&b, kN, wo, below, &pdf_t);
  V3 fr = bsdf_eval(&b, kN, wo, above, &pdf_r);  // transmission 1: no diffuse, only F D V
  double a2 = std::pow(roughness, 4);
  V3 h = v3_normalize(v3_add(wo, above));
  double nh = h.z, vh = v3_dot(wo, h), nl = above.z, nv = wo.z;
  double dd = nh * nh * (a2 - 1) + 1, d = a2 / (3.14159265358979 * dd * dd);
  double v = 0.5 / (nl * std::sqrt(nv * nv * (1 - a2) + a2) + nv * std::sqrt(nl * nl * (1 - a2) + a2));
  double fresnel = 0.04 + 0.96 * std::pow(1 - vh, 5);
  EXPECT_NEAR(ft.x, base * (1 - fresnel) * d * v, 1e-4 * d * v);
  EXPECT_NEAR(fr.x, fresnel * d * v, 1e-4 * d * v);
  EXPECT_GT(pdf_t, 0.0f);
  Bsdf opaque = b;
  opaque.transmission = 0;
  float pdf0 = 1;
  EXPECT_EQ(bsdf_eval(&opaque, kN, wo, below, &pdf0).x, 0.0f);
  EXPECT_EQ(pdf0, 0.0f);
}

TEST(Bsdf, BelowTheSurfaceIsBlack) {
  Bsdf b = make({0.8f, 0.5f, 0.5f, 1.0f});
  float pdf = 1;
  V3 f = bsdf_eval(&b, kN, v3(0, 0, 1), v3_normalize(v3(1, 0, -0.1f)), &pdf);
  EXPECT_EQ(f.x, 0.0f);
  EXPECT_EQ(pdf, 0.0f);
}

}  // namespace
