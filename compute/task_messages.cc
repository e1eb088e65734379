#include "compute/task_messages.h"
#include "network/utf8.h"

#include <cmath>

#include "network/blob_store.h"
#include "network/verified.h"
#include "schema/compute_generated.h"

namespace strata::compute {
namespace {

using network::blob_id_of;
using network::read_job_id;
using network::read_text;
using network::to_wire_text;
using network::verified_root;

constexpr size_t kMaxErrorBytes = 4096;
constexpr size_t kMaxAgreementBytes = 4096;
constexpr size_t kMaxDeviceBytes = 256;

std::span<const uint8_t> bytes_of(const flatbuffers::Vector<uint8_t>* v) {
  return v ? std::span<const uint8_t>(v->data(), v->size()) : std::span<const uint8_t>();
}


// Error texts may quote a library's bytes; they go out as the decoder will take them.
flatbuffers::Offset<flatbuffers::String> error_text(flatbuffers::FlatBufferBuilder& b, const std::string& error) {
  if (error.empty()) return {};
  return b.CreateString(to_wire_text(error, kMaxErrorBytes));
}

}  // namespace

std::string job_results_stream(const std::string& job_id) { return "job/" + job_id + "/results"; }
std::string job_progress_stream(const std::string& job_id) { return "job/" + job_id + "/progress"; }

TaskProposal make_proposal(Agreement agreement, std::vector<uint8_t> task_bytes, Demand demand, const Identity& requestor) {
  TaskProposal p;
  p.demand = std::move(demand);
  p.task_bytes = std::move(task_bytes);
  agreement.terms = blob_id_of(p.task_bytes);
  agreement.sign_as_requestor(requestor);
  p.agreement = std::move(agreement);
  return p;
}

std::vector<uint8_t> encode(const TaskProposal& p) {
  flatbuffers::FlatBufferBuilder b(512 + p.task_bytes.size());
  std::vector<uint8_t> agreement = encode(p.agreement);
  std::vector<uint8_t> demand = encode(p.demand);
  auto a = b.CreateVector(agreement);
  auto t = b.CreateVector(p.task_bytes);
  auto d = b.CreateVector(demand);
  b.Finish(wire::CreateTaskProposal(b, a, t, d));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::vector<uint8_t> encode(const TaskReply& r) {
  flatbuffers::FlatBufferBuilder b(512);
  auto job = b.CreateString(r.job_id);
  flatbuffers::Offset<flatbuffers::Vector<uint8_t>> a;
  if (r.agreement) a = b.CreateVector(encode(*r.agreement));
  auto error = error_text(b, r.error);
  b.Finish(wire::CreateTaskReply(b, job, r.subtask, a, error, r.bad_input));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::vector<uint8_t> encode(const TaskResult& r) {
  flatbuffers::FlatBufferBuilder b(256);
  auto job = b.CreateString(r.job_id);
  auto id = b.CreateVector(r.result_id.data(), r.result_id.size());
  auto device = b.CreateString(to_wire_text(r.device, kMaxDeviceBytes));  // devices that shared it may be many
  auto root = b.CreateVector(r.merkle_root.data(), r.merkle_root.size());
  b.Finish(wire::CreateTaskResult(b, job, r.subtask, id, r.result_bytes, r.kernel_ms, device, root, r.chunks));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Result<TaskProposal> decode_task_proposal(std::span<const uint8_t> bytes) {
  const wire::TaskProposal* w = verified_root<wire::TaskProposal>(bytes, 8, 16);
  if (!w) return invalid_argument("task proposal: malformed (FlatBuffers verification failed)");
  auto agreement_bytes = bytes_of(w->agreement());
  auto task_bytes = bytes_of(w->task());
  if (agreement_bytes.empty() || agreement_bytes.size() > kMaxAgreementBytes) {
    return invalid_argument("task proposal: the agreement is missing or over 4096 bytes");
  }
  if (task_bytes.empty() || task_bytes.size() > kMaxTaskBytes) {
    return invalid_argument("task proposal: the task is missing or over " + std::to_string(kMaxTaskBytes) + " bytes");
  }
  auto demand_bytes = bytes_of(w->demand());
  if (demand_bytes.empty() || demand_bytes.size() > kMaxAgreementBytes) {
    return invalid_argument("task proposal: the demand is missing or over 4096 bytes");
  }
  std::vector<uint8_t> demand_copy(demand_bytes.begin(), demand_bytes.end());
  // Nested buffers are copied out, since FlatBuffers reads them aligned.
  std::vector<uint8_t> agreement_copy(agreement_bytes.begin(), agreement_bytes.end());
  TaskProposal p;
  p.task_bytes.assign(task_bytes.begin(), task_bytes.end());
  auto agreement = decode_agreement(agreement_copy, true);
  if (!agreement.is_ok()) return invalid_argument("task proposal: " + agreement.status().message());
  auto demand = decode_demand(demand_copy);
  if (!demand.is_ok()) return invalid_argument("task proposal: " + demand.status().message());
  p.agreement = std::move(*agreement);
  p.demand = std::move(*demand);
  if (p.demand.requestor != p.agreement.requestor || p.demand.job_id != p.agreement.job_id) {
    return invalid_argument("task proposal: the demand is another requestor's or another job's");
  }
  if (p.agreement.price > p.demand.max_price) {
    return invalid_argument("task proposal: the agreed price is over the demand's maximum");
  }
  if (p.agreement.terms != blob_id_of(p.task_bytes)) {
    return invalid_argument("task proposal: the agreement's terms are not this task's hash");
  }
  if (p.agreement.subtasks.size() != 1) return invalid_argument("task proposal: the agreement must name exactly one subtask");
  return p;
}

Result<TaskReply> decode_task_reply(std::span<const uint8_t> bytes) {
  const wire::TaskReply* w = verified_root<wire::TaskReply>(bytes, 8, 16);
  if (!w) return invalid_argument("task reply: malformed (FlatBuffers verification failed)");
  TaskReply r;
  auto job = read_job_id(w->job_id(), "task reply: the job id");
  if (!job.is_ok()) return job.status();
  r.job_id = *job;
  r.subtask = w->subtask();
  auto error = read_text(w->error(), "task reply: the error", kMaxErrorBytes, false);
  if (!error.is_ok()) return error.status();
  r.error = *error;
  r.bad_input = w->bad_input();
  auto agreement_bytes = bytes_of(w->agreement());
  if (agreement_bytes.empty() == r.error.empty()) {
    return invalid_argument("task reply: it must carry either a signed agreement or an error");
  }
  if (!agreement_bytes.empty()) {
    if (agreement_bytes.size() > kMaxAgreementBytes) return invalid_argument("task reply: the agreement is over 4096 bytes");
    std::vector<uint8_t> copy(agreement_bytes.begin(), agreement_bytes.end());
    auto agreement = decode_agreement(copy);
    if (!agreement.is_ok()) return invalid_argument("task reply: " + agreement.status().message());
    if (agreement->job_id != r.job_id || agreement->subtasks.size() != 1 || agreement->subtasks[0] != r.subtask) {
      return invalid_argument("task reply: the agreement is for another subtask");
    }
    r.agreement = std::move(*agreement);
  }
  return r;
}

Result<TaskResult> decode_task_result(std::span<const uint8_t> bytes) {
  const wire::TaskResult* w = verified_root<wire::TaskResult>(bytes, 8, 16);
  if (!w) return invalid_argument("task result: malformed (FlatBuffers verification failed)");
  TaskResult r;
  auto job = read_job_id(w->job_id(), "task result: the job id");
  if (!job.is_ok()) return job.status();
  r.job_id = *job;
  r.subtask = w->subtask();
  auto id = bytes_of(w->result_id());
  if (id.size() != r.result_id.size()) return invalid_argument("task result: the result id must be 32 bytes");
  std::copy(id.begin(), id.end(), r.result_id.begin());
  r.result_bytes = w->result_bytes();
  if (r.result_bytes == 0 || r.result_bytes > network::kMaxBlobBytes) return invalid_argument("task result: the result size is out of range");
  r.kernel_ms = w->kernel_ms();
  if (!std::isfinite(r.kernel_ms) || r.kernel_ms < 0) return invalid_argument("task result: the kernel time is not a finite, non-negative number");
  auto device = read_text(w->device(), "task result: the device", kMaxDeviceBytes, false);
  if (!device.is_ok()) return device.status();
  r.device = *device;
  auto root = bytes_of(w->merkle_root());
  if (root.size() != r.merkle_root.size()) return invalid_argument("task result: the Merkle root must be 32 bytes");
  std::copy(root.begin(), root.end(), r.merkle_root.begin());
  r.chunks = w->chunks();
  if (r.chunks == 0) return invalid_argument("task result: a result has at least one chunk");
  return r;
}

std::vector<uint8_t> encode(const ChunkRequest& r) {
  flatbuffers::FlatBufferBuilder b(128);
  auto id = b.CreateVector(r.result_id.data(), r.result_id.size());
  b.Finish(wire::CreateChunkRequest(b, id, r.index));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

std::vector<uint8_t> encode(const ChunkReply& r) {
  flatbuffers::FlatBufferBuilder b(256 + r.data.size() + 32 * r.proof.size());
  auto id = b.CreateVector(r.result_id.data(), r.result_id.size());
  auto data = b.CreateVector(r.data);
  std::vector<uint8_t> flat;
  for (const auto& h : r.proof) flat.insert(flat.end(), h.begin(), h.end());
  auto proof = b.CreateVector(flat);
  auto error = error_text(b, r.error);
  b.Finish(wire::CreateChunkReply(b, id, r.index, r.chunks, data, proof, error));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Result<ChunkRequest> decode_chunk_request(std::span<const uint8_t> bytes) {
  const wire::ChunkRequest* w = verified_root<wire::ChunkRequest>(bytes, 4, 4);
  if (!w) return invalid_argument("chunk request: malformed (FlatBuffers verification failed)");
  ChunkRequest r;
  auto id = bytes_of(w->result_id());
  if (id.size() != r.result_id.size()) return invalid_argument("chunk request: the result id must be 32 bytes");
  std::copy(id.begin(), id.end(), r.result_id.begin());
  r.index = w->index();
  return r;
}

Result<ChunkReply> decode_chunk_reply(std::span<const uint8_t> bytes) {
  const wire::ChunkReply* w = verified_root<wire::ChunkReply>(bytes, 4, 4);
  if (!w) return invalid_argument("chunk reply: malformed (FlatBuffers verification failed)");
  ChunkReply r;
  auto id = bytes_of(w->result_id());
  if (id.size() != r.result_id.size()) return invalid_argument("chunk reply: the result id must be 32 bytes");
  std::copy(id.begin(), id.end(), r.result_id.begin());
  r.index = w->index();
  r.chunks = w->chunks();
  auto error = read_text(w->error(), "chunk reply: the error", kMaxErrorBytes, false);
  if (!error.is_ok()) return error.status();
  r.error = *error;
  auto data = bytes_of(w->data());
  r.data.assign(data.begin(), data.end());
  auto proof = bytes_of(w->proof());
  if (proof.size() % 32 != 0 || proof.size() > 64 * 32) return invalid_argument("chunk reply: the proof must be whole 32-byte hashes, at most 64");
  for (size_t i = 0; i < proof.size(); i += 32) {
    std::array<uint8_t, 32> h{};
    std::copy(proof.begin() + i, proof.begin() + i + 32, h.begin());
    r.proof.push_back(h);
  }
  if (r.error.empty() && (r.chunks == 0 || r.index >= r.chunks)) return invalid_argument("chunk reply: the index is outside the result");
  return r;
}

std::vector<uint8_t> encode(const TaskCancel& c) {
  flatbuffers::FlatBufferBuilder b(128);
  auto job = b.CreateString(c.job_id);
  b.Finish(wire::CreateTaskCancel(b, job));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Result<TaskCancel> decode_task_cancel(std::span<const uint8_t> bytes) {
  const wire::TaskCancel* w = verified_root<wire::TaskCancel>(bytes, 4, 4);
  if (!w) return invalid_argument("task cancel: malformed (FlatBuffers verification failed)");
  auto job = read_job_id(w->job_id(), "task cancel: the job id");
  if (!job.is_ok()) return job.status();
  return TaskCancel{*job};
}

}  // namespace strata::compute
