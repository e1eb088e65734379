#include "host/analytics/sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace strata::analytics {
namespace {

constexpr int kMantissaBits = 7;
constexpr uint64_t kLinear = uint64_t(1) << kMantissaBits;  // values below it are their own bucket

// The bucket of a magnitude: itself below 128; above, 128 per binary exponent from 7.
uint32_t magnitude_index(uint64_t m) {
  if (m < kLinear) return static_cast<uint32_t>(m);
  const int exponent = 63 - std::countl_zero(m);
  const uint64_t mantissa = (m >> (exponent - kMantissaBits)) & (kLinear - 1);
  return static_cast<uint32_t>(kLinear + uint64_t(exponent - kMantissaBits) * kLinear + mantissa);
}

long double magnitude_value(uint32_t index) {
  if (index < kLinear) return index;
  const uint32_t exponent = (index - kLinear) / kLinear + kMantissaBits;
  const uint64_t mantissa = (index - kLinear) % kLinear;
  const long double width = std::ldexp(1.0L, int(exponent) - kMantissaBits);
  const long double lower = static_cast<long double>(kLinear + mantissa) * width;
  return lower + (width - 1) / 2;  // the middle of the integers [lower, lower + width)
}

}  // namespace

int32_t sketch_bucket(int64_t value) {
  const uint64_t m = value < 0 ? uint64_t(0) - uint64_t(value) : uint64_t(value);
  const int32_t index = static_cast<int32_t>(magnitude_index(m));
  return value < 0 ? -index - 1 : index;  // -1 is never used: negative magnitudes start at 1
}

long double sketch_bucket_value(int32_t bucket) {
  return bucket < 0 ? -magnitude_value(static_cast<uint32_t>(-(bucket + 1))) : magnitude_value(uint32_t(bucket));
}

void Sketch::merge(const Sketch& other) {
  for (const auto& [bucket, n] : other.counts_) counts_[bucket] += n;
}

uint64_t Sketch::count() const {
  uint64_t n = 0;
  for (const auto& [bucket, c] : counts_) n += c;
  return n;
}

long double Sketch::quantile(double q) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  // The rank, exactly: q has at most five decimals (a percentile with three, parse_quantile_name).
  const uint64_t units = static_cast<uint64_t>(std::llround(std::clamp(q, 0.0, 1.0) * 100000));
  uint64_t rank = static_cast<uint64_t>((static_cast<unsigned __int128>(n) * units + 99999) / 100000);
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (const auto& [bucket, c] : counts_) {
    seen += c;
    if (seen >= rank) return sketch_bucket_value(bucket);
  }
  return sketch_bucket_value(counts_.rbegin()->first);
}

bool parse_quantile_name(const std::string& name, double& q) {
  if (name.size() < 2 || name[0] != 'p') return false;
  uint64_t whole = 0, fraction = 0;
  int decimals = -1;
  for (size_t i = 1; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '.' && decimals < 0 && i > 1 && i + 1 < name.size()) {
      decimals = 0;
    } else if (c >= '0' && c <= '9') {
      if (decimals < 0) {
        whole = whole * 10 + uint64_t(c - '0');
        if (whole > 100) return false;
      } else {
        if (++decimals > 3) return false;
        fraction = fraction * 10 + uint64_t(c - '0');
      }
    } else {
      return false;
    }
  }
  for (int d = std::max(decimals, 0); d < 3; ++d) fraction *= 10;
  const uint64_t thousandths = whole * 1000 + fraction;
  if (thousandths > 100000) return false;
  q = double(thousandths) / 100000.0;
  return true;
}

}  // namespace strata::analytics
