// The render family's decoders (compute/render/messages.h): the first byte picks one, the rest
// is its message. What decodes must encode again to a message that decodes to the same thing.
#include "compute/render/messages.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;
using namespace strata::network;
using namespace strata::compute;

STRATA_FUZZ_TARGET(render_messages) {
  if (size < 1) return 0;
  std::vector<uint8_t> bytes = fuzz::rest(data, size);
  if (data[0] & 1) {
    auto result = decode_render_result(bytes);
    if (!result.is_ok()) return 0;
    fuzz::expect_utf8(result->job_id, "render result: a job id that is not UTF-8");
    auto again = decode_render_result(encode(*result));
    fuzz::expect(again.is_ok(), "render result: a decoded result does not decode once re-encoded");
    fuzz::expect(again->job_id == result->job_id && again->subtask == result->subtask &&
                     again->sample_begin == result->sample_begin && again->sample_count == result->sample_count &&
                     again->sample_pieces == result->sample_pieces && again->accum.rect == result->accum.rect &&
                     again->accum.rgbw == result->accum.rgbw && again->accum.rays == result->accum.rays,
                 "render result: the round trip changes it");
    (void)result->accum.total_rays();
  } else {
    auto task = decode_render_task(bytes);
    if (!task.is_ok()) return 0;
    fuzz::expect_utf8(task->job_id, "render task: a job id that is not UTF-8");
    (void)task->settings();
    auto again = decode_render_task(encode(*task));
    fuzz::expect(again.is_ok(), "render task: a decoded task does not decode once re-encoded");
    fuzz::expect(again->job_id == task->job_id && again->scene_hash == task->scene_hash && again->width == task->width &&
                     again->height == task->height && again->tile == task->tile &&
                     again->sample_begin == task->sample_begin && again->sample_count == task->sample_count &&
                     again->seed == task->seed && again->max_depth == task->max_depth &&
                     again->rr_depth == task->rr_depth && again->subtask == task->subtask &&
                     again->sample_pieces == task->sample_pieces,
                 "render task: the round trip changes it");
    RenderResult empty;
    (void)answers(*task, empty);
  }
  return 0;
}
