// The proof family's decoders (compute/proof/messages.h), as a provider meets a requestor's batch
// and task and a requestor meets a provider's result: the first byte picks one, the rest is its
// message. What decodes stays within its bounds and encodes again to the same thing.
#include "compute/proof/messages.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;
using namespace strata::compute;

STRATA_FUZZ_TARGET(proof_messages) {
  if (size < 1) return 0;
  std::vector<uint8_t> bytes = fuzz::rest(data, size);
  switch (data[0] % 3) {
    case 0: {
      auto batch = decode_proof_batch(bytes, data[0] & 4 ? 3 : 0);
      if (!batch.is_ok()) return 0;
      fuzz::expect(batch->fields >= 1 && batch->fields <= 3 && batch->values.size() % batch->fields == 0,
                   "proof batch: records that are not whole");
      fuzz::expect(batch->records() <= kMaxProofBatchItems, "proof batch: over its record bound");
      auto again = decode_proof_batch(encode(*batch));
      fuzz::expect(again.is_ok() && again->fields == batch->fields && again->values == batch->values,
                   "proof batch: the round trip changes it");
      break;
    }
    case 1: {
      auto task = decode_proof_task(bytes);
      if (!task.is_ok()) return 0;
      fuzz::expect_utf8(task->job_id, "proof task: a job id that is not UTF-8");
      fuzz::expect(task->items >= 1 && task->items <= kMaxProofBatchItems && task->batch_bytes <= kMaxProofBatchBytes,
                   "proof task: over its bounds");
      auto again = decode_proof_task(encode(*task));
      fuzz::expect(again.is_ok() && again->job_id == task->job_id && again->subtask == task->subtask &&
                       again->op == task->op && again->algo == task->algo && again->batch == task->batch &&
                       again->batch_bytes == task->batch_bytes && again->items == task->items && again->first == task->first,
                   "proof task: the round trip changes it");
      break;
    }
    default: {
      auto result = decode_proof_result(bytes);
      if (!result.is_ok()) return 0;
      fuzz::expect(result->outputs.size() % proof_output_width(result->op) == 0, "proof result: partial outputs");
      auto again = decode_proof_result(encode(*result));
      fuzz::expect(again.is_ok() && again->outputs == result->outputs && again->op == result->op &&
                       again->job_id == result->job_id && again->subtask == result->subtask,
                   "proof result: the round trip changes it");
      ProofTask task;
      task.job_id = result->job_id;
      task.subtask = result->subtask;
      task.op = result->op;
      task.items = static_cast<uint32_t>(result->items());
      (void)answers(task, *result);
    }
  }
  return 0;
}
