#include "verifier/family.h"

#include <algorithm>
#include <cmath>

namespace strata::verifier {

uint64_t samples_to_check(const CatchTarget& target, uint64_t population) {
  if (population == 0) return 0;
  double n = double(population);
  if (!(target.catch_rate < 1)) {
    n = double(population);  // certainty needs every chunk
  } else if (!(target.bad_fraction < 1) || !(target.catch_rate > 0)) {
    n = 1;
  } else if (target.bad_fraction > 0) {
    n = std::ceil(std::log(1.0 - target.catch_rate) / std::log(1.0 - target.bad_fraction));
  }
  return static_cast<uint64_t>(std::clamp(n, 1.0, double(population)));
}

}  // namespace strata::verifier
