// The render family's wire messages (compute/schema/render.fbs): the subtask a provider renders
// and the partial result it returns. Decoding verifies the FlatBuffer and then every field a
// receiver relies on, so a malformed or inconsistent message is an error that says what is wrong.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/render/renderer.h"
#include "host/status.h"

namespace strata::compute {

// Upper bound of one encoded message; larger frames are refused before they are parsed.
inline constexpr size_t kMaxRenderMessageBytes = size_t(1) << 30;

struct RenderTask {
  std::string job_id;
  std::array<uint8_t, 32> scene_hash{};
  uint32_t width = 0, height = 0;
  render::TileRect tile;
  uint32_t sample_begin = 0, sample_count = 0;
  uint32_t seed = 0;
  uint32_t max_depth = 8;
  uint32_t rr_depth = 3;
  uint32_t subtask = 0;  // index in the job's plan
  // The sample range is cut into this many pieces, each accumulated from zero and then added in
  // order (render::sample_pieces), so that the devices of one rig can share them and every honest
  // provider still returns the same bits.
  uint32_t sample_pieces = 1;

  // The settings that render this task's samples exactly as the whole job would.
  render::RenderSettings settings() const;
};

struct RenderResult {
  std::string job_id;
  uint32_t subtask = 0;
  uint32_t sample_begin = 0, sample_count = 0;
  render::AccumBuffer accum;  // its rect is the tile
  uint32_t sample_pieces = 1;  // as in the task
};

// Whether `result` is for exactly `task`: the same job, subtask, tile, sample range and pieces.
bool answers(const RenderTask& task, const RenderResult& result);

std::vector<uint8_t> encode(const RenderTask& task);
std::vector<uint8_t> encode(const RenderResult& result);
Result<RenderTask> decode_render_task(std::span<const uint8_t> bytes);
Result<RenderResult> decode_render_result(std::span<const uint8_t> bytes);

}  // namespace strata::compute
