// The compute layer's decoders (compute/task_messages.h): the first byte picks one, the rest is
// its message. What decodes must encode again to a message that decodes to the same thing.
#include "compute/task_messages.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;
using namespace strata::network;
using namespace strata::compute;

STRATA_FUZZ_TARGET(task_messages) {
  if (size < 1) return 0;
  std::vector<uint8_t> bytes = fuzz::rest(data, size);
  switch (data[0] % 6) {
    case 0: {
      auto p = decode_task_proposal(bytes);
      if (!p.is_ok()) break;
      for (std::string_view s : {std::string_view(p->agreement.job_id), std::string_view(p->demand.job_id),
                                 std::string_view(p->demand.kernel)})
        fuzz::expect_utf8(s, "task proposal: a name that is not UTF-8");
      auto again = decode_task_proposal(encode(*p));
      fuzz::expect(again.is_ok(), "task proposal: a decoded proposal does not decode once re-encoded");
      fuzz::expect(again->agreement == p->agreement && again->demand == p->demand && again->task_bytes == p->task_bytes,
                   "task proposal: the round trip changes it");
      break;
    }
    case 1: {
      auto r = decode_task_reply(bytes);
      if (!r.is_ok()) break;
      fuzz::expect_utf8(r->job_id, "task reply: a job id that is not UTF-8");
      fuzz::expect_utf8(r->error, "task reply: an error that is not UTF-8");
      auto again = decode_task_reply(encode(*r));
      fuzz::expect(again.is_ok(), "task reply: a decoded reply does not decode once re-encoded");
      fuzz::expect(again->job_id == r->job_id && again->subtask == r->subtask && again->agreement == r->agreement &&
                       again->error == r->error,
                   "task reply: the round trip changes it");
      break;
    }
    case 2: {
      auto r = decode_task_result(bytes);
      if (!r.is_ok()) break;
      fuzz::expect_utf8(r->job_id, "task result: a job id that is not UTF-8");
      fuzz::expect_utf8(r->device, "task result: a device that is not UTF-8");
      auto again = decode_task_result(encode(*r));
      fuzz::expect(again.is_ok(), "task result: a decoded result does not decode once re-encoded");
      fuzz::expect(again->job_id == r->job_id && again->subtask == r->subtask && again->result_id == r->result_id &&
                       again->result_bytes == r->result_bytes && again->kernel_ms == r->kernel_ms &&
                       again->device == r->device && again->merkle_root == r->merkle_root && again->chunks == r->chunks,
                   "task result: the round trip changes it");
      break;
    }
    case 3: {
      auto r = decode_chunk_request(bytes);
      if (!r.is_ok()) break;
      auto again = decode_chunk_request(encode(*r));
      fuzz::expect(again.is_ok() && again->result_id == r->result_id && again->index == r->index,
                   "chunk request: the round trip fails or changes it");
      break;
    }
    case 4: {
      auto r = decode_chunk_reply(bytes);
      if (!r.is_ok()) break;
      fuzz::expect_utf8(r->error, "chunk reply: an error that is not UTF-8");
      auto again = decode_chunk_reply(encode(*r));
      fuzz::expect(again.is_ok(), "chunk reply: a decoded reply does not decode once re-encoded");
      fuzz::expect(again->result_id == r->result_id && again->index == r->index && again->chunks == r->chunks &&
                       again->data == r->data && again->proof == r->proof && again->error == r->error,
                   "chunk reply: the round trip changes it");
      break;
    }
    case 5: {
      auto c = decode_task_cancel(bytes);
      if (!c.is_ok()) break;
      fuzz::expect_utf8(c->job_id, "task cancel: a job id that is not UTF-8");
      (void)job_results_stream(c->job_id);
      (void)job_progress_stream(c->job_id);
      auto again = decode_task_cancel(encode(*c));
      fuzz::expect(again.is_ok() && again->job_id == c->job_id, "task cancel: the round trip fails or changes it");
      break;
    }
  }
  return 0;
}
