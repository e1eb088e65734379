#include "compute/proof/messages.h"

#include "host/proof/batch_hash.h"
#include "host/proof/items_file.h"
#include "network/utf8.h"
#include "network/verified.h"
#include "schema/proof_generated.h"

namespace strata::compute {
namespace {

using network::read_job_id;
using network::read_text;


std::vector<uint8_t> finished(flatbuffers::FlatBufferBuilder& b) {
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

}  // namespace

const char* proof_op_name(ProofOp op) {
  switch (op) {
    case ProofOp::kHash: return "hash";
    case ProofOp::kMerkle: return "merkle";
    case ProofOp::kVerify: return "verify";
  }
  return "unknown";
}

Result<ProofOp> parse_proof_op(const std::string& name) {
  for (ProofOp op : {ProofOp::kHash, ProofOp::kMerkle, ProofOp::kVerify}) {
    if (name == proof_op_name(op)) return op;
  }
  return invalid_argument("unknown proof operation '" + name + "' (known: hash, merkle, verify)");
}

uint32_t proof_fields(ProofOp op) { return op == ProofOp::kVerify ? 3 : 1; }
uint32_t proof_output_width(ProofOp op) { return op == ProofOp::kVerify ? 1 : 32; }

std::vector<uint8_t> encode(const ProofBatch& batch) {
  size_t total = 0;
  for (const auto& v : batch.values) total += v.size();
  flatbuffers::FlatBufferBuilder b(1024 + total + 4 * batch.values.size());
  std::vector<uint32_t> lengths;
  lengths.reserve(batch.values.size());
  uint8_t* data = nullptr;
  auto dv = b.CreateUninitializedVector(total, &data);
  for (const auto& v : batch.values) {
    lengths.push_back(static_cast<uint32_t>(v.size()));
    if (!v.empty()) data = std::copy(v.begin(), v.end(), data);
  }
  auto lv = b.CreateVector(lengths);
  b.Finish(wire::CreateProofBatch(b, batch.fields, lv, dv));
  return finished(b);
}

Result<ProofBatch> decode_proof_batch(std::span<const uint8_t> bytes, uint32_t expected_fields) {
  if (bytes.size() > kMaxProofBatchBytes) return invalid_argument("proof batch: over 256 MiB");
  const wire::ProofBatch* w = network::verified_root<wire::ProofBatch>(bytes, 4, 4);
  if (!w) return invalid_argument("proof batch: malformed (FlatBuffers verification failed)");
  ProofBatch out;
  out.fields = w->fields();
  if (out.fields == 0 || out.fields > 3 || (expected_fields && out.fields != expected_fields)) {
    return invalid_argument("proof batch: " + std::to_string(out.fields) + " fields per record, not " +
                            std::to_string(expected_fields ? expected_fields : 1));
  }
  size_t n = w->lengths() ? w->lengths()->size() : 0;
  size_t data_size = w->data() ? w->data()->size() : 0;
  if (n % out.fields != 0) return invalid_argument("proof batch: the lengths do not make whole records");
  if (n / out.fields > kMaxProofBatchItems) return invalid_argument("proof batch: over 4194304 records");
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t len = w->lengths()->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (len > proof::kMaxProofItemBytes) {
      return invalid_argument("proof batch: record " + std::to_string(i / out.fields) + " has a field over 1 MiB");
    }
    if (len > data_size - at) return invalid_argument("proof batch: the lengths run past the data");
    at += len;
  }
  if (at != data_size) return invalid_argument("proof batch: data beyond what the lengths cover");
  out.values.reserve(n);
  at = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t len = w->lengths()->Get(static_cast<flatbuffers::uoffset_t>(i));
    const uint8_t* p = w->data() ? w->data()->data() + at : nullptr;
    out.values.emplace_back(p, p + len);
    at += len;
  }
  return out;
}

std::vector<uint8_t> encode(const ProofTask& t) {
  flatbuffers::FlatBufferBuilder b(256);
  auto job = b.CreateString(t.job_id);
  auto op = b.CreateString(proof_op_name(t.op));
  auto algo = b.CreateString(t.algo);
  auto batch = b.CreateVector(t.batch.data(), t.batch.size());
  b.Finish(wire::CreateProofTask(b, job, t.subtask, op, algo, batch, t.batch_bytes, t.items, t.first, t.work));
  return finished(b);
}

Result<ProofTask> decode_proof_task(std::span<const uint8_t> bytes) {
  const wire::ProofTask* w = network::verified_root<wire::ProofTask>(bytes, 4, 4);
  if (!w) return invalid_argument("proof task: malformed (FlatBuffers verification failed)");
  ProofTask t;
  auto job = read_job_id(w->job_id(), "proof task: the job id");
  if (!job.is_ok()) return job.status();
  t.job_id = *job;
  t.subtask = w->subtask();
  auto op = read_text(w->op(), "proof task: the operation", 16, true);
  if (!op.is_ok()) return op.status();
  auto parsed = parse_proof_op(*op);
  if (!parsed.is_ok()) return invalid_argument("proof task: " + parsed.status().message());
  t.op = *parsed;
  auto algo = read_text(w->algo(), "proof task: the algorithm", 16, t.op != ProofOp::kVerify);
  if (!algo.is_ok()) return algo.status();
  t.algo = *algo;
  if (t.op != ProofOp::kVerify) {
    auto known = proof::parse_hash_algo(t.algo);
    if (!known.is_ok()) return invalid_argument("proof task: " + known.status().message());
  } else if (!t.algo.empty()) {
    return invalid_argument("proof task: verify takes no hash algorithm");
  }
  if (!w->batch() || w->batch()->size() != 32) return invalid_argument("proof task: the batch id must be 32 bytes");
  std::copy(w->batch()->begin(), w->batch()->end(), t.batch.begin());
  t.batch_bytes = w->batch_bytes();
  t.items = w->items();
  t.first = w->first();
  t.work = w->work();
  if (t.batch_bytes == 0 || t.batch_bytes > kMaxProofBatchBytes) return invalid_argument("proof task: the batch is empty or over 256 MiB");
  if (t.items == 0 || t.items > kMaxProofBatchItems) return invalid_argument("proof task: 1 to 4194304 items");
  return t;
}

std::vector<uint8_t> encode(const ProofResult& r) {
  flatbuffers::FlatBufferBuilder b(256 + r.outputs.size());
  auto job = b.CreateString(r.job_id);
  auto op = b.CreateString(proof_op_name(r.op));
  auto outputs = b.CreateVector(r.outputs);
  b.Finish(wire::CreateProofResult(b, job, r.subtask, op, proof_output_width(r.op), outputs));
  return finished(b);
}

Result<ProofResult> decode_proof_result(std::span<const uint8_t> bytes) {
  const wire::ProofResult* w = network::verified_root<wire::ProofResult>(bytes, 4, 4);
  if (!w) return invalid_argument("proof result: malformed (FlatBuffers verification failed)");
  ProofResult r;
  auto job = read_job_id(w->job_id(), "proof result: the job id");
  if (!job.is_ok()) return job.status();
  r.job_id = *job;
  r.subtask = w->subtask();
  auto op = read_text(w->op(), "proof result: the operation", 16, true);
  if (!op.is_ok()) return op.status();
  auto parsed = parse_proof_op(*op);
  if (!parsed.is_ok()) return invalid_argument("proof result: " + parsed.status().message());
  r.op = *parsed;
  if (w->width() != proof_output_width(r.op)) {
    return invalid_argument("proof result: outputs of " + std::to_string(w->width()) + " bytes, not " +
                            std::to_string(proof_output_width(r.op)));
  }
  if (w->outputs()) r.outputs.assign(w->outputs()->begin(), w->outputs()->end());
  if (r.outputs.size() % w->width() != 0) return invalid_argument("proof result: the outputs do not make whole items");
  if (r.op == ProofOp::kVerify) {
    for (uint8_t v : r.outputs) {
      if (v > 1) return invalid_argument("proof result: a verdict is neither 0 nor 1");
    }
  }
  return r;
}

bool answers_work(const ProofTask& task, const ProofResult& result) {
  return task.job_id == result.job_id && task.op == result.op && result.items() == task.items;
}

bool answers(const ProofTask& task, const ProofResult& result) {
  return answers_work(task, result) && task.subtask == result.subtask;
}

uint64_t proof_record_work(ProofOp op, const std::string& algo, const ProofBatch& batch, size_t record) {
  if (op == ProofOp::kVerify) return 1;
  auto a = proof::parse_hash_algo(algo);
  size_t bytes = batch.values[record * batch.fields].size();
  return a.is_ok() ? proof::compressions_of(*a, bytes + (op == ProofOp::kMerkle ? 1 : 0)) : 0;
}

}  // namespace strata::compute
