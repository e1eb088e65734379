// Portable vector math and transcendental functions for the shared kernel source.
// Only +, -, *, / and sqrt appear here (no library sin/exp/log, no fused multiply-add), so every
// backend rounds every operation alike and results are bit-identical across cpu, opencl and cuda.
#ifndef STRATA_KERNELS_COMMON_MATH_H
#define STRATA_KERNELS_COMMON_MATH_H

#define SX_PI 3.14159265358979323846f
#define SX_INV_PI 0.31830988618379067154f
#define SX_TWO_PI 6.28318530717958647692f
#define SX_FLT_MAX 3.402823466e+38f

typedef struct {
  float x, y, z;
} V3;

DEVICE_FN V3 v3(float x, float y, float z) {
  V3 r;
  r.x = x;
  r.y = y;
  r.z = z;
  return r;
}
DEVICE_FN V3 v3_splat(float s) { return v3(s, s, s); }
DEVICE_FN V3 v3_add(V3 a, V3 b) { return v3(a.x + b.x, a.y + b.y, a.z + b.z); }
DEVICE_FN V3 v3_sub(V3 a, V3 b) { return v3(a.x - b.x, a.y - b.y, a.z - b.z); }
DEVICE_FN V3 v3_mul(V3 a, V3 b) { return v3(a.x * b.x, a.y * b.y, a.z * b.z); }
DEVICE_FN V3 v3_scale(V3 a, float s) { return v3(a.x * s, a.y * s, a.z * s); }
DEVICE_FN V3 v3_neg(V3 a) { return v3(-a.x, -a.y, -a.z); }
DEVICE_FN float v3_dot(V3 a, V3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
DEVICE_FN V3 v3_cross(V3 a, V3 b) {
  return v3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
DEVICE_FN float v3_length(V3 a) { return SQRTF(v3_dot(a, a)); }
DEVICE_FN V3 v3_normalize(V3 a) {
  float len = v3_length(a);
  return len > 0.0f ? v3_scale(a, 1.0f / len) : a;
}
DEVICE_FN float v3_max_component(V3 a) {
  float m = a.x > a.y ? a.x : a.y;
  return m > a.z ? m : a.z;
}
DEVICE_FN V3 v3_lerp(V3 a, V3 b, float t) { return v3_add(v3_scale(a, 1.0f - t), v3_scale(b, t)); }
DEVICE_FN V3 v3_load(GLOBAL const float* p) { return v3(p[0], p[1], p[2]); }
DEVICE_FN float sx_min(float a, float b) { return a < b ? a : b; }
DEVICE_FN float sx_max(float a, float b) { return a > b ? a : b; }
DEVICE_FN float sx_clamp(float x, float lo, float hi) { return sx_min(sx_max(x, lo), hi); }
DEVICE_FN float sx_luminance(V3 c) { return 0.2126f * c.x + 0.7152f * c.y + 0.0722f * c.z; }
DEVICE_FN int sx_is_finite(float x) { return (BITS_FROM_FLOAT(x) & 0x7f800000u) != 0x7f800000u; }

// Builds an orthonormal basis around unit vector n (Duff et al. 2017).
DEVICE_FN void sx_basis(V3 n, V3* t, V3* b) {
  float sign = n.z >= 0.0f ? 1.0f : -1.0f;
  float a = -1.0f / (sign + n.z);
  float bb = n.x * n.y * a;
  *t = v3(1.0f + sign * n.x * n.x * a, sign * bb, -sign * n.x);
  *b = v3(bb, sign + n.y * n.y * a, -n.y);
}

// sin and cos together. Cody-Waite reduction by pi/2 in three parts whose products with the
// quadrant count are exact for |x| < 2^12 * pi/2, then Taylor polynomials on [-pi/4, pi/4]
// (absolute error below 2e-7 there).
DEVICE_FN void sx_sincos(float x, float* s, float* c) {
  float k = FLOORF(x * 0.63661977236758134f + 0.5f);
  float r = x - k * 1.5703125f;
  r = r - k * 4.837512969970703125e-4f;
  r = r - k * 7.549790126404332e-08f;
  float r2 = r * r;
  float sp = r + r * r2 * (-1.6666666666666666e-1f + r2 * (8.3333333333333333e-3f + r2 * (-1.9841269841269841e-4f + r2 * 2.7557319223985891e-6f)));
  float cp = 1.0f + r2 * (-0.5f + r2 * (4.1666666666666667e-2f + r2 * (-1.3888888888888889e-3f + r2 * (2.4801587301587302e-5f - r2 * 2.7557319223985891e-7f))));
  int q = ((int)k) & 3;
  if (q == 0) {
    *s = sp;
    *c = cp;
  } else if (q == 1) {
    *s = cp;
    *c = -sp;
  } else if (q == 2) {
    *s = -sp;
    *c = -cp;
  } else {
    *s = -cp;
    *c = sp;
  }
}
DEVICE_FN float sx_sin(float x) {
  float s, c;
  sx_sincos(x, &s, &c);
  return s;
}
DEVICE_FN float sx_cos(float x) {
  float s, c;
  sx_sincos(x, &s, &c);
  return c;
}

// e^x: n = round(x / ln 2), r = x - n ln 2 (two-part ln 2), Taylor series of e^r to degree 8,
// scaled by 2^n built from bits. Relative error below 3e-7; 0 below -87.3, FLT_MAX above 88.7.
DEVICE_FN float sx_exp(float x) {
  if (x < -87.3f) return 0.0f;
  if (x > 88.7f) return SX_FLT_MAX;
  float n = FLOORF(x * 1.4426950408889634f + 0.5f);
  float r = x - n * 0.693115234375f;
  r = r - n * 3.194618329871446e-05f;
  float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.6666666666666667e-1f + r * (4.1666666666666667e-2f + r * (8.3333333333333333e-3f + r * (1.3888888888888889e-3f + r * (1.9841269841269841e-4f + r * 2.4801587301587302e-5f)))))));
  int e = (int)n;
  // Two factors keep 2^e representable for e in [-126, 128].
  int e1 = e / 2;
  int e2 = e - e1;
  float s1 = FLOAT_FROM_BITS((u32)(e1 + 127) << 23);
  float s2 = FLOAT_FROM_BITS((u32)(e2 + 127) << 23);
  return p * s1 * s2;
}

// Natural logarithm: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh((m-1)/(m+1)) by
// its odd series. Relative error below 3e-7. Returns -inf for 0 and NaN for negative input.
DEVICE_FN float sx_log(float x) {
  if (!(x > 0.0f)) return x == 0.0f ? FLOAT_FROM_BITS(0xff800000u) : FLOAT_FROM_BITS(0x7fc00000u);
  if (!sx_is_finite(x)) return x;
  float e = 0.0f;
  if (x < 1.17549435e-38f) {  // subnormal: scale into the normal range first
    x = x * 16777216.0f;
    e = -24.0f;
  }
  u32 bits = BITS_FROM_FLOAT(x);
  e = e + (float)((int)((bits >> 23) & 0xffu) - 127);
  float m = FLOAT_FROM_BITS((bits & 0x007fffffu) | 0x3f800000u);
  if (m > 1.41421356f) {
    m = m * 0.5f;
    e = e + 1.0f;
  }
  float f = (m - 1.0f) / (m + 1.0f);
  float f2 = f * f;
  float lm = 2.0f * f * (1.0f + f2 * (3.3333333333333333e-1f + f2 * (2.0e-1f + f2 * (1.4285714285714286e-1f + f2 * (1.1111111111111111e-1f + f2 * 9.0909090909090909e-2f)))));
  return e * 0.693115234375f + (lm + e * 3.194618329871446e-05f);
}

// x^y for x >= 0 (what shading needs): 0^y = 0 for y > 0, x^0 = 1.
DEVICE_FN float sx_pow(float x, float y) {
  if (y == 0.0f) return 1.0f;
  if (x == 0.0f) return 0.0f;
  if (x < 0.0f) return FLOAT_FROM_BITS(0x7fc00000u);
  return sx_exp(y * sx_log(x));
}

#endif
