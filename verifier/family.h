// The verifier's interface, one implementation per kernel family: given a subtask and the result a
// provider returned for it, as the family encodes them, a verdict and the work re-done. Render
// re-renders random pixels (render_check.h); the analytics family will recompute random windows
// and key groups, the proof family a random subset of items. The requestor holds one per job and
// does not need to know which family it checks.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "host/render/renderer.h"
#include "verifier/render_check.h"

namespace strata::verifier {

class FamilyVerifier {
 public:
  virtual ~FamilyVerifier() = default;
  // `seed` picks what is checked; the caller draws it after the result is committed.
  virtual Result<Verdict> verify(std::span<const uint8_t> task, std::span<const uint8_t> result, uint64_t seed) = 0;
};

struct CatchTarget {
  double catch_rate = 0.99;    // of results with at least...
  double bad_fraction = 0.01;  // ...this share of their chunks (pixels, windows, items) wrong
};

// The render family's verifier over one scene, on `renderer`'s device (encoded RenderTask and
// RenderResult, network/render_messages.h). The renderer must outlive it.
std::unique_ptr<FamilyVerifier> make_render_verifier(render::Renderer& renderer, CatchTarget target);

}  // namespace strata::verifier
