// The verifier's interface, one implementation per kernel family: given a task and the result a
// provider returned for it, as the family encodes them, a verdict and the work re-done. Render
// re-renders random pixels (render_check.h), proof recomputes a random subset of items
// (proof/proof_check.h). Sampling: a result with a fraction f of its chunks (pixels, items)
// wrong passes n checked chunks with probability at most (1 - f)^n, so the number checked
// follows from the catch rate wanted.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "host/status.h"

namespace strata::verifier {

// What one verification found and what it cost.
struct Verdict {
  bool passed = true;
  std::string reason;         // the first thing found wrong
  uint64_t work_checked = 0;  // the family's unit of work re-done (render: pixel-samples)
};

struct CatchTarget {
  double catch_rate = 0.99;    // of results with at least...
  double bad_fraction = 0.01;  // ...this share of their chunks (pixels, windows, items) wrong
};

// How many of `population` chunks to check so that a result with at least `bad_fraction` of them
// wrong is caught with probability `catch_rate`: the smallest n with (1 - f)^n <= 1 - catch_rate,
// or every chunk when there are no more.
uint64_t samples_to_check(const CatchTarget& target, uint64_t population);

class FamilyVerifier {
 public:
  virtual ~FamilyVerifier() = default;
  // `seed` picks what is checked; the caller draws it after the result is committed.
  virtual Result<Verdict> verify(std::span<const uint8_t> task, std::span<const uint8_t> result, uint64_t seed) = 0;
};

}  // namespace strata::verifier
