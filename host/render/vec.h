// Small host-side vector and matrix helpers for scene import and BVH building.
#pragma once

#include <algorithm>
#include <cmath>

namespace strata::render {

struct Float3 {
  float x = 0, y = 0, z = 0;
  float operator[](int i) const { return i == 0 ? x : (i == 1 ? y : z); }
  float& operator[](int i) { return i == 0 ? x : (i == 1 ? y : z); }
};
inline Float3 operator+(Float3 a, Float3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Float3 operator-(Float3 a, Float3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Float3 operator*(Float3 a, float s) { return {a.x * s, a.y * s, a.z * s}; }
inline float dot(Float3 a, Float3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Float3 cross(Float3 a, Float3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline float length(Float3 a) { return std::sqrt(dot(a, a)); }
inline Float3 normalize(Float3 a) {
  float l = length(a);
  return l > 0 ? a * (1.0f / l) : a;
}
inline Float3 min3(Float3 a, Float3 b) { return {std::min(a.x, b.x), std::min(a.y, b.y), std::min(a.z, b.z)}; }
inline Float3 max3(Float3 a, Float3 b) { return {std::max(a.x, b.x), std::max(a.y, b.y), std::max(a.z, b.z)}; }
inline bool is_finite(Float3 a) { return std::isfinite(a.x) && std::isfinite(a.y) && std::isfinite(a.z); }

// Column-major 4x4 matrix, as glTF stores it.
struct Mat4 {
  double m[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  Mat4 operator*(const Mat4& b) const {
    Mat4 r;
    for (int c = 0; c < 4; ++c)
      for (int row = 0; row < 4; ++row) {
        double s = 0;
        for (int k = 0; k < 4; ++k) s += m[k * 4 + row] * b.m[c * 4 + k];
        r.m[c * 4 + row] = s;
      }
    return r;
  }
  Float3 point(Float3 p) const {
    return {float(m[0] * p.x + m[4] * p.y + m[8] * p.z + m[12]),
            float(m[1] * p.x + m[5] * p.y + m[9] * p.z + m[13]),
            float(m[2] * p.x + m[6] * p.y + m[10] * p.z + m[14])};
  }
  Float3 vector(Float3 v) const {
    return {float(m[0] * v.x + m[4] * v.y + m[8] * v.z), float(m[1] * v.x + m[5] * v.y + m[9] * v.z),
            float(m[2] * v.x + m[6] * v.y + m[10] * v.z)};
  }
  // Normals transform by the inverse transpose; the cofactor matrix is that up to a positive
  // scale when the determinant is positive, and normals are renormalized anyway.
  Float3 normal(Float3 n) const {
    double a[3][3];
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) a[r][c] = m[c * 4 + r];
    double cof[3][3];
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) {
        int r1 = (r + 1) % 3, r2 = (r + 2) % 3, c1 = (c + 1) % 3, c2 = (c + 2) % 3;
        cof[r][c] = a[r1][c1] * a[r2][c2] - a[r1][c2] * a[r2][c1];
      }
    double det = a[0][0] * cof[0][0] + a[0][1] * cof[0][1] + a[0][2] * cof[0][2];
    double s = det < 0 ? -1 : 1;
    return normalize(Float3{float(s * (cof[0][0] * n.x + cof[0][1] * n.y + cof[0][2] * n.z)),
                            float(s * (cof[1][0] * n.x + cof[1][1] * n.y + cof[1][2] * n.z)),
                            float(s * (cof[2][0] * n.x + cof[2][1] * n.y + cof[2][2] * n.z))});
  }
  double determinant3() const {
    return m[0] * (m[5] * m[10] - m[9] * m[6]) - m[4] * (m[1] * m[10] - m[9] * m[2]) +
           m[8] * (m[1] * m[6] - m[5] * m[2]);
  }
};

}  // namespace strata::render
