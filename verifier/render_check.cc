#include "verifier/render_check.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

namespace strata::verifier {

uint32_t pixels_to_check(double catch_rate, double bad_fraction, uint64_t tile_pixels) {
  if (tile_pixels == 0) return 0;
  double n = double(tile_pixels);
  if (!(catch_rate < 1)) {
    n = double(tile_pixels);  // certainty needs every pixel
  } else if (!(bad_fraction < 1) || !(catch_rate > 0)) {
    n = 1;
  } else if (bad_fraction > 0) {
    n = std::ceil(std::log(1.0 - catch_rate) / std::log(1.0 - bad_fraction));
  }
  return static_cast<uint32_t>(std::clamp(n, 1.0, double(tile_pixels)));
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
  Verdict v;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t index = order[i];
    render::TileRect one{tile.x + index % tile.w, tile.y + index / tile.w, 1, 1};
    render::AccumBuffer mine = render::AccumBuffer::for_rect(one);
    STRATA_RETURN_IF_ERROR(renderer.render_pieces(settings, one, sample_begin, sample_count, sample_pieces, mine));
    v.work_checked += sample_count;
    const float* theirs = &claimed.rgbw[size_t(index) * 4];
    if (std::memcmp(theirs, mine.rgbw.data(), 4 * sizeof(float)) != 0 || claimed.rays[index] != mine.rays[0]) {
      v.passed = false;
      v.reason = "pixel (" + std::to_string(one.x) + ", " + std::to_string(one.y) + ") differs from its re-render: (" +
                 std::to_string(theirs[0]) + ", " + std::to_string(theirs[1]) + ", " + std::to_string(theirs[2]) + ", " +
                 std::to_string(theirs[3]) + ") against (" + std::to_string(mine.rgbw[0]) + ", " +
                 std::to_string(mine.rgbw[1]) + ", " + std::to_string(mine.rgbw[2]) + ", " + std::to_string(mine.rgbw[3]) + ")";
      break;
    }
  }
  return v;
}

}  // namespace strata::verifier
