// The render family's spot check. Sample s of pixel p under seed k has the same radiance on every
// backend, so a verifier re-renders a few pixels of a result, chosen at random after the result is
// committed, over the result's own sample range, and compares them with the result bit for bit.
// A result with a fraction f of its pixels wrong passes n checked pixels with probability at most
// (1 - f)^n, so the number checked follows from the catch rate wanted.
#pragma once

#include <cstdint>
#include <string>

#include <memory>

#include "host/render/renderer.h"
#include "host/status.h"
#include "verifier/family.h"

namespace strata::verifier {

// How many of a tile's pixels to check so that a result with at least `bad_fraction` of them
// wrong is caught with probability `catch_rate`: the smallest n with (1 - f)^n <= 1 - catch_rate,
// or every pixel when the tile has no more.
uint32_t pixels_to_check(double catch_rate, double bad_fraction, uint64_t tile_pixels);

// Re-renders `pixels` pixels of `claimed` (its rectangle is the tile), drawn without replacement
// by a generator seeded with `seed`, over samples [sample_begin, sample_begin + sample_count) cut
// into `sample_pieces` pieces (Renderer::render_pieces), and compares RGB sums, sample count and
// rays traced with the claimed ones.
Result<Verdict> spot_check_render(render::Renderer& renderer, const render::RenderSettings& settings,
                                  const render::AccumBuffer& claimed, uint32_t sample_begin, uint32_t sample_count,
                                  uint32_t sample_pieces, uint32_t pixels, uint64_t seed);

}  // namespace strata::verifier
