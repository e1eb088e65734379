#include "verifier/image_metrics.h"

#include <cmath>
#include <cstring>

namespace strata::verifier {

FloatComparison compare_floats(std::span<const float> a, std::span<const float> b) {
  FloatComparison c;
  c.count = std::min(a.size(), b.size());
  double sq = 0;
  for (size_t i = 0; i < c.count; ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      if (c.differing++ == 0) c.first_difference = i;
    }
    double d = std::fabs(double(a[i]) - double(b[i]));
    if (std::isfinite(d)) {
      c.max_abs_error = std::max(c.max_abs_error, d);
      sq += d * d;
    }
  }
  if (a.size() != b.size()) {
    if (c.differing++ == 0) c.first_difference = c.count;
  }
  c.rmse = c.count ? std::sqrt(sq / c.count) : 0;
  return c;
}

}  // namespace strata::verifier
