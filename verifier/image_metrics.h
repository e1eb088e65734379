// Comparisons between rendered results: exact (bitwise) agreement of accumulation buffers, and
// error statistics between images, the basis of render verification.
#pragma once

#include <cstddef>
#include <span>

namespace strata::verifier {

struct FloatComparison {
  size_t count = 0;           // values compared
  size_t differing = 0;       // values whose bits differ
  size_t first_difference = 0;  // index of the first differing value (valid when differing > 0)
  double max_abs_error = 0;
  double rmse = 0;
  bool bit_identical() const { return differing == 0; }
};

// Compares two equally long float arrays value by value. NaNs compare equal only to the same bits.
FloatComparison compare_floats(std::span<const float> a, std::span<const float> b);

}  // namespace strata::verifier
