#include "host/render/job_plan.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace strata::render {

Result<std::vector<Subtask>> plan_render_job(const RenderSettings& settings, const std::vector<double>& speeds,
                                             const PlanOptions& options) {
  STRATA_RETURN_IF_ERROR(check_settings(settings));
  if (speeds.empty()) return invalid_argument("a render job needs at least one provider to plan for");
  for (double s : speeds) {
    if (!(s > 0) || !std::isfinite(s)) {
      return invalid_argument("provider speeds must be positive pixel-samples per second, got " + std::to_string(s));
    }
  }
  if (!(options.target_seconds > 0) || options.min_tile == 0 || options.max_tile < options.min_tile) {
    return invalid_argument("plan options: the target time must be positive and min_tile <= max_tile");
  }
  const uint64_t total = uint64_t(settings.width) * settings.height * settings.spp;
  // Work per subtask: what the slowest provider does in the target time, but small enough that
  // every provider gets several subtasks.
  double slowest = *std::min_element(speeds.begin(), speeds.end());
  uint64_t wanted_count = uint64_t(options.min_subtasks_per_provider) * speeds.size();
  double per_subtask = std::min(slowest * options.target_seconds, double(total) / double(wanted_count));
  per_subtask = std::max({per_subtask, double(options.min_subtask_work),
                          std::ceil(double(total) / double(std::max<uint32_t>(options.max_subtasks, 1)))});

  // The largest power-of-two tile whose single-sample pass fits in that work (at least min_tile).
  uint32_t tile = options.max_tile;
  while (tile > options.min_tile && double(tile) * tile > per_subtask) tile /= 2;
  // Samples per subtask for a full tile, then spread evenly over the sample count.
  double tile_pixels = double(std::min(tile, settings.width)) * std::min(tile, settings.height);
  uint32_t samples = static_cast<uint32_t>(std::clamp(per_subtask / tile_pixels, 1.0, double(settings.spp)));
  uint32_t ranges = (settings.spp + samples - 1) / samples;

  std::vector<Subtask> plan;
  for (uint32_t y = 0; y < settings.height; y += tile) {
    for (uint32_t x = 0; x < settings.width; x += tile) {
      TileRect rect{x, y, std::min(tile, settings.width - x), std::min(tile, settings.height - y)};
      for (uint32_t r = 0; r < ranges; ++r) {
        // Even ranges: the first (spp % ranges) get one sample more.
        uint32_t base = settings.spp / ranges, extra = settings.spp % ranges;
        uint32_t begin = r * base + std::min(r, extra);
        uint32_t count = base + (r < extra ? 1 : 0);
        plan.push_back(Subtask{static_cast<uint32_t>(plan.size()), rect, begin, count});
      }
    }
  }
  if (plan.size() > options.max_subtasks) {
    return invalid_argument("the job would take " + std::to_string(plan.size()) + " subtasks, over the bound of " +
                            std::to_string(options.max_subtasks) + " a job");
  }
  return plan;
}

}  // namespace strata::render
