#include "compute/render/messages.h"

#include <cmath>

#include "network/verified.h"
#include "schema/render_generated.h"

namespace strata::compute {
namespace {

using network::verified_root;

wire::TileRect to_wire(const render::TileRect& t) { return wire::TileRect(t.x, t.y, t.w, t.h); }
render::TileRect from_wire(const wire::TileRect& t) { return {t.x(), t.y(), t.w(), t.h()}; }

// The FlatBuffers verifier: every offset and length inside the buffer, before any field is read.
template <typename Message>
Result<const Message*> verify(std::span<const uint8_t> bytes, const char* what) {
  if (bytes.size() > kMaxRenderMessageBytes) {
    return invalid_argument(std::string(what) + ": " + std::to_string(bytes.size()) + " bytes is over the " +
                            std::to_string(kMaxRenderMessageBytes) + "-byte bound");
  }
  if (bytes.size() < 8) return invalid_argument(std::string(what) + ": truncated (" + std::to_string(bytes.size()) + " bytes)");
  const Message* root = verified_root<Message>(bytes, 16, 1024);
  if (!root) return invalid_argument(std::string(what) + ": malformed message (FlatBuffers verification failed)");
  return root;
}

}  // namespace

render::RenderSettings RenderTask::settings() const {
  render::RenderSettings s;
  s.width = width;
  s.height = height;
  s.spp = sample_count;
  s.seed = seed;
  s.max_depth = max_depth;
  s.rr_depth = rr_depth;
  return s;
}

bool answers(const RenderTask& task, const RenderResult& result) {
  return result.job_id == task.job_id && result.subtask == task.subtask && result.accum.rect == task.tile &&
         result.sample_begin == task.sample_begin && result.sample_count == task.sample_count &&
         result.sample_pieces == task.sample_pieces;
}

std::vector<uint8_t> encode(const RenderTask& task) {
  flatbuffers::FlatBufferBuilder b(256);
  auto id = b.CreateString(task.job_id);
  auto hash = b.CreateVector(task.scene_hash.data(), task.scene_hash.size());
  wire::TileRect tile = to_wire(task.tile);
  auto msg = wire::CreateRenderTask(b, id, hash, task.width, task.height, &tile, task.sample_begin,
                                    task.sample_count, task.seed, task.max_depth, task.subtask, task.rr_depth,
                                    task.sample_pieces);
  b.Finish(msg);
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::vector<uint8_t> encode(const RenderResult& result) {
  flatbuffers::FlatBufferBuilder b(64 + result.accum.rgbw.size() * 4 + result.accum.rays.size() * 4);
  auto id = b.CreateString(result.job_id);
  auto rgbw = b.CreateVector(result.accum.rgbw);
  auto rays = b.CreateVector(result.accum.rays);
  wire::TileRect tile = to_wire(result.accum.rect);
  auto msg = wire::CreateRenderResult(b, id, &tile, result.sample_begin, result.sample_count, rgbw, rays, result.subtask,
                                      result.sample_pieces);
  b.Finish(msg);
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Result<RenderTask> decode_render_task(std::span<const uint8_t> bytes) {
  const char* what = "render task";
  auto root = verify<wire::RenderTask>(bytes, what);
  if (!root.is_ok()) return root.status();
  const wire::RenderTask* m = *root;
  RenderTask t;
  auto job = network::read_job_id(m->job_id(), "render task: the job id");
  if (!job.is_ok()) return job.status();
  t.job_id = *job;
  if (!m->scene_hash() || m->scene_hash()->size() != t.scene_hash.size()) {
    return invalid_argument("render task: the scene hash must be 32 bytes");
  }
  std::copy(m->scene_hash()->begin(), m->scene_hash()->end(), t.scene_hash.begin());
  if (!m->tile()) return invalid_argument("render task: no tile");
  t.width = m->width();
  t.height = m->height();
  t.tile = from_wire(*m->tile());
  t.sample_begin = m->sample_begin();
  t.sample_count = m->sample_count();
  t.seed = m->seed();
  t.max_depth = m->max_depth();
  t.rr_depth = m->rr_depth();
  t.subtask = m->subtask();
  t.sample_pieces = m->sample_pieces();
  if (Status st = render::check_settings(t.settings()); !st.is_ok()) return invalid_argument("render task: " + st.message());
  const render::TileRect& r = t.tile;
  if (r.w == 0 || r.h == 0 || uint64_t(r.x) + r.w > t.width || uint64_t(r.y) + r.h > t.height) {
    return invalid_argument("render task: the tile is empty or lies outside the image");
  }
  if (uint64_t(t.sample_begin) + t.sample_count > UINT32_MAX) {
    return invalid_argument("render task: the sample range overflows");
  }
  if (Status st = render::check_sample_pieces(t.sample_count, t.sample_pieces); !st.is_ok()) {
    return invalid_argument("render task: " + st.message());
  }
  return t;
}

Result<RenderResult> decode_render_result(std::span<const uint8_t> bytes) {
  const char* what = "render result";
  auto root = verify<wire::RenderResult>(bytes, what);
  if (!root.is_ok()) return root.status();
  const wire::RenderResult* m = *root;
  RenderResult r;
  auto job = network::read_job_id(m->job_id(), "render result: the job id");
  if (!job.is_ok()) return job.status();
  r.job_id = *job;
  if (!m->tile()) return invalid_argument("render result: no tile");
  render::TileRect tile = from_wire(*m->tile());
  uint64_t pixels = uint64_t(tile.w) * tile.h;
  if (pixels == 0 || tile.w > 16384 || tile.h > 16384) return invalid_argument("render result: the tile is empty or too large");
  if (m->sample_count() == 0) return invalid_argument("render result: no samples");
  if (!m->rgbw() || m->rgbw()->size() != pixels * 4) {
    return invalid_argument("render result: " + std::to_string(m->rgbw() ? m->rgbw()->size() : 0) +
                            " accumulation values for a " + std::to_string(tile.w) + "x" + std::to_string(tile.h) +
                            " tile (expected " + std::to_string(pixels * 4) + ")");
  }
  if (!m->rays() || m->rays()->size() != pixels) return invalid_argument("render result: ray counts do not match the tile");
  r.subtask = m->subtask();
  r.sample_begin = m->sample_begin();
  r.sample_count = m->sample_count();
  r.sample_pieces = m->sample_pieces();
  if (Status st = render::check_sample_pieces(r.sample_count, r.sample_pieces); !st.is_ok()) {
    return invalid_argument("render result: " + st.message());
  }
  r.accum = render::AccumBuffer::for_rect(tile);
  std::copy(m->rgbw()->begin(), m->rgbw()->end(), r.accum.rgbw.begin());
  std::copy(m->rays()->begin(), m->rays()->end(), r.accum.rays.begin());
  // Every pixel holds exactly sample_count samples, and radiance sums are finite and non-negative.
  const float count = static_cast<float>(r.sample_count);
  for (size_t i = 0; i < pixels; ++i) {
    const float* p = &r.accum.rgbw[i * 4];
    if (p[3] != count) {
      return invalid_argument("render result: pixel " + std::to_string(i) + " holds " + std::to_string(p[3]) +
                              " samples, not " + std::to_string(r.sample_count));
    }
    for (int c = 0; c < 3; ++c) {
      if (!std::isfinite(p[c]) || p[c] < 0) {
        return invalid_argument("render result: pixel " + std::to_string(i) + " has a negative or non-finite value");
      }
    }
  }
  return r;
}

}  // namespace strata::compute
