#include <gtest/gtest.h>

#include <cmath>

#include "verifier/image_metrics.h"

namespace {

using strata::verifier::compare_floats;

TEST(ImageMetrics, BitIdentityAndErrors) {
  std::vector<float> a = {1, 2, 3, 4}, b = a;
  EXPECT_TRUE(compare_floats(a, b).bit_identical());
  b[2] = std::nextafter(3.0f, 4.0f);
  auto c = compare_floats(a, b);
  EXPECT_FALSE(c.bit_identical());
  EXPECT_EQ(c.differing, 1u);
  EXPECT_EQ(c.first_difference, 2u);
  EXPECT_GT(c.max_abs_error, 0);
  std::vector<float> z = {0.0f}, nz = {-0.0f};
  EXPECT_FALSE(compare_floats(z, nz).bit_identical());  // bits, not values
  std::vector<float> shorter = {1, 2};
  EXPECT_FALSE(compare_floats(a, shorter).bit_identical());
  std::vector<float> x = {0, 0}, y = {3, 4};
  EXPECT_NEAR(compare_floats(x, y).rmse, std::sqrt(12.5), 1e-9);
}

}  // namespace
