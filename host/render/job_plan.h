// Splitting a render job into subtasks: rectangles of the image (tiles) times ranges of sample
// indices, sized so that the slowest offered provider finishes one in about the target time, and
// numerous enough that every provider has work. Because sample s of pixel p has the same radiance
// wherever it is computed, the subtasks' accumulation buffers merged together equal the whole
// render, bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "host/render/renderer.h"
#include "host/status.h"

namespace strata::render {

struct Subtask {
  uint32_t index = 0;
  TileRect tile;
  uint32_t sample_begin = 0, sample_count = 0;
  // Pixel-samples: the unit of render work that prices and benchmark scores are given in.
  uint64_t work() const { return uint64_t(tile.w) * tile.h * sample_count; }
  bool operator==(const Subtask&) const = default;
};

struct PlanOptions {
  double target_seconds = 2.0;      // one subtask on the slowest provider
  uint32_t min_subtasks_per_provider = 2;
  uint32_t max_tile = 256;          // tiles are squares of a power of two, at most this wide
  uint32_t min_tile = 16;
  // Whatever the offers claim (a provider may announce a speed of 1), a subtask holds at least
  // this much work, and a plan at most this many subtasks: both bound what a job costs the
  // requestor's store and scheduler.
  uint64_t min_subtask_work = 4096;  // pixel-samples
  uint32_t max_subtasks = 16384;
};

// `provider_speeds`: pixel-samples per second of each provider that may take work (from their
// offers' benchmark scores); at least one, all positive.
Result<std::vector<Subtask>> plan_render_job(const RenderSettings& settings, const std::vector<double>& provider_speeds,
                                             const PlanOptions& options = {});

}  // namespace strata::render
