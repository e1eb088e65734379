#include "verifier/render_check.h"


#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

namespace strata::verifier {

uint32_t pixels_to_check(double catch_rate, double bad_fraction, uint64_t tile_pixels) {
  return static_cast<uint32_t>(samples_to_check({catch_rate, bad_fraction}, tile_pixels));
}

Result<Verdict> spot_check_render(render::Renderer& renderer, const render::RenderSettings& settings,
                                  const render::AccumBuffer& claimed, uint32_t sample_begin, uint32_t sample_count,
                                  uint32_t sample_pieces, uint32_t pixels, uint64_t seed) {
  const render::TileRect& tile = claimed.rect;
  uint64_t total = uint64_t(tile.w) * tile.h;
  if (total == 0 || claimed.rgbw.size() != total * 4 || claimed.rays.size() != total) {
    return invalid_argument("spot check: the claimed buffer does not match its rectangle");
  }
  // The first `pixels` of a partial Fisher-Yates shuffle: a uniform sample without replacement.
  std::vector<uint32_t> order(total);
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(seed);
  uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(pixels, total));
  for (uint32_t i = 0; i < n; ++i) {
    std::uniform_int_distribution<uint64_t> pick(i, total - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  // All the drawn pixels re-rendered in one launch per piece.
  std::vector<std::array<uint32_t, 2>> where(n);
  for (uint32_t i = 0; i < n; ++i) where[i] = {tile.x + order[i] % tile.w, tile.y + order[i] / tile.w};
  Verdict v;
  if (n == 0) return v;
  auto mine = renderer.render_pixels(settings, where, sample_begin, sample_count, sample_pieces);
  if (!mine.is_ok()) return mine.status();
  v.work_checked = uint64_t(n) * sample_count;
  for (uint32_t i = 0; i < n; ++i) {
    const float* theirs = &claimed.rgbw[size_t(order[i]) * 4];
    const float* ours = &mine->rgbw[size_t(i) * 4];
    if (std::memcmp(theirs, ours, 4 * sizeof(float)) != 0 || claimed.rays[order[i]] != mine->rays[i]) {
      v.passed = false;
      v.reason = "pixel (" + std::to_string(where[i][0]) + ", " + std::to_string(where[i][1]) +
                 ") differs from its re-render: (" + std::to_string(theirs[0]) + ", " + std::to_string(theirs[1]) + ", " +
                 std::to_string(theirs[2]) + ", " + std::to_string(theirs[3]) + ") against (" + std::to_string(ours[0]) +
                 ", " + std::to_string(ours[1]) + ", " + std::to_string(ours[2]) + ", " + std::to_string(ours[3]) + ")";
      break;
    }
  }
  return v;
}

}  // namespace strata::verifier
