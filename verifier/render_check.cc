#include "verifier/render_check.h"

#include "network/render_messages.h"

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

namespace {

class RenderVerifier final : public FamilyVerifier {
 public:
  RenderVerifier(render::Renderer& renderer, CatchTarget target) : renderer_(renderer), target_(target) {}

  Result<Verdict> verify(std::span<const uint8_t> task_bytes, std::span<const uint8_t> result_bytes, uint64_t seed) override {
    auto task = network::decode_render_task(task_bytes);
    if (!task.is_ok()) return task.status();
    auto result = network::decode_render_result(result_bytes);
    if (!result.is_ok()) return Verdict{false, result.status().message(), 0};
    if (!network::answers(*task, *result)) {
      return Verdict{false, "the result is for another subtask than the one it answers", 0};
    }
    uint64_t pixels = uint64_t(task->tile.w) * task->tile.h;
    uint32_t n = pixels_to_check(target_.catch_rate, target_.bad_fraction, pixels);
    return spot_check_render(renderer_, task->settings(), result->accum, task->sample_begin, task->sample_count,
                             task->sample_pieces, n, seed);
  }

 private:
  render::Renderer& renderer_;
  CatchTarget target_;
};

}  // namespace

std::unique_ptr<FamilyVerifier> make_render_verifier(render::Renderer& renderer, CatchTarget target) {
  return std::make_unique<RenderVerifier>(renderer, target);
}

}  // namespace strata::verifier
