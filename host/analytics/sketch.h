// Quantiles from a mergeable sketch (DDSketch's idea with a bitwise log-linear index): each value
// falls in a bucket found from its bits alone (below 128 units the value itself; above, its
// binary exponent and the next 7 bits of its magnitude), and a sketch is the count of values in
// each bucket. Counts add, so sketches of any batches, devices or providers merge exactly, and a
// bucket is found with integer operations only, the same on every machine.
//
// Bound: a quantile's estimate is within 2^-8 (0.39%) of the exact nearest-rank quantile's value,
// relative to that value (values of magnitude below 128 units are exact).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace strata::analytics {

inline constexpr double kSketchRelativeError = 1.0 / 256;

// The bucket of a value: ordered as the values are (a smaller value, a bucket no larger).
int32_t sketch_bucket(int64_t value);
// The value that stands for a bucket's values: the middle of its range (its value, below 128).
long double sketch_bucket_value(int32_t bucket);

class Sketch {
 public:
  void add_bucket(int32_t bucket, uint64_t count) { counts_[bucket] += count; }
  void add(int64_t value) { add_bucket(sketch_bucket(value), 1); }
  void merge(const Sketch& other);
  uint64_t count() const;
  // The q-quantile (0 <= q <= 1, at most five decimals) by nearest rank: the value of the bucket
  // holding the ceil(q * n)-th smallest value (the smallest for q = 0). 0 for an empty sketch.
  long double quantile(double q) const;
  const std::map<int32_t, uint64_t>& buckets() const { return counts_; }

 private:
  std::map<int32_t, uint64_t> counts_;
};

// "p50" -> 0.5, "p99.9" -> 0.999: from p0 to p100, at most three decimals; false if not one.
bool parse_quantile_name(const std::string& name, double& q);

}  // namespace strata::analytics
