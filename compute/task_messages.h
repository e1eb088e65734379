// The compute layer's messages (compute/schema/compute.fbs): a requestor proposes one subtask with
// the agreement it signed, the provider answers with the agreement signed by both or the reason
// it will not (or could not) do it, and announces a finished result with its commitment on the
// job's result stream. Each decoder verifies the FlatBuffer, the bounds and the signatures.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/status.h"
#include "compute/market.h"

namespace strata::compute {

// Upper bound of a task's bytes: a task names its inputs (blobs), it does not carry them.
inline constexpr size_t kMaxTaskBytes = 64 * 1024;

struct TaskProposal {
  Agreement agreement;  // the requestor's signature checked; the provider's not yet there
  Demand demand;        // the job's constraints (its kernel among them), signed by the same requestor
  std::vector<uint8_t> task_bytes;  // as the job's family encoded it; its hash is agreement.terms

  const std::string& job_id() const { return agreement.job_id; }
  uint32_t subtask() const { return agreement.subtasks.at(0); }
};

struct TaskReply {
  std::string job_id;
  uint32_t subtask = 0;
  std::optional<Agreement> agreement;  // signed by both: accepted
  std::string error;                   // otherwise: why not
  bool bad_input = false;              // the failure was the task's input's (its scene), not the provider's
};

struct TaskResult {
  std::string job_id;
  uint32_t subtask = 0;
  std::array<uint8_t, 32> result_id{};
  uint64_t result_bytes = 0;
  double kernel_ms = 0;
  std::string device;
  std::array<uint8_t, 32> merkle_root{};  // over the result's chunks (compute/render/result_chunks.h)
  uint32_t chunks = 0;
};

// One chunk of a kept result with its inclusion proof, so a verifier can check a part of a result
// against the announced root without fetching the rest.
struct ChunkRequest {
  std::array<uint8_t, 32> result_id{};
  uint32_t index = 0;
};
struct ChunkReply {
  std::array<uint8_t, 32> result_id{};
  uint32_t index = 0;
  uint32_t chunks = 0;
  std::vector<uint8_t> data;
  std::vector<std::array<uint8_t, 32>> proof;
  std::string error;
};

struct TaskCancel {
  std::string job_id;
};

// The content type of a TaskResult on a job's result stream.
inline constexpr const char* kTaskResultContentType = "application/x-strata-task-result";

// The stream names of a job.
std::string job_results_stream(const std::string& job_id);
std::string job_progress_stream(const std::string& job_id);

// Signs the proposal for a task (as its family encoded it): fills agreement.terms and the
// requestor's signature. The demand must be signed by the same requestor.
TaskProposal make_proposal(Agreement agreement, std::vector<uint8_t> task_bytes, Demand demand, const Identity& requestor);

std::vector<uint8_t> encode(const TaskProposal& proposal);
std::vector<uint8_t> encode(const TaskReply& reply);
std::vector<uint8_t> encode(const TaskResult& result);
std::vector<uint8_t> encode(const ChunkRequest& request);
std::vector<uint8_t> encode(const ChunkReply& reply);
Result<ChunkRequest> decode_chunk_request(std::span<const uint8_t> bytes);
std::vector<uint8_t> encode(const TaskCancel& cancel);
Result<TaskCancel> decode_task_cancel(std::span<const uint8_t> bytes);
Result<ChunkReply> decode_chunk_reply(std::span<const uint8_t> bytes);
// Checks the requestor's signatures and that the agreement covers exactly these task bytes
// (terms, one subtask index) within the demand (same requestor and job, price within its
// maximum). The task itself is the family's to decode and check.
Result<TaskProposal> decode_task_proposal(std::span<const uint8_t> bytes);
// An accepted reply's agreement must carry both signatures.
Result<TaskReply> decode_task_reply(std::span<const uint8_t> bytes);
Result<TaskResult> decode_task_result(std::span<const uint8_t> bytes);

}  // namespace strata::compute
