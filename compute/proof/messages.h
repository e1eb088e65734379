// The proof family's wire messages (compute/schema/proof.fbs): a batch of items, the task that
// names a batch, and a task's result. Decoding verifies the FlatBuffer and every bound a receiver
// relies on before it spends memory, so a malformed message is an error that says what is wrong.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/status.h"

namespace strata::compute {

inline constexpr size_t kMaxProofBatchBytes = size_t(256) << 20;  // one task's input
inline constexpr uint32_t kMaxProofBatchItems = 1u << 22;

// What a proof task does with its items.
enum class ProofOp { kHash, kMerkle, kVerify };
const char* proof_op_name(ProofOp op);
Result<ProofOp> parse_proof_op(const std::string& name);
// Fields per record: the item, or (public key, message, signature) for verify.
uint32_t proof_fields(ProofOp op);
// Bytes per output: a 32-byte digest, or a verdict byte for verify.
uint32_t proof_output_width(ProofOp op);

// Records of `fields` byte strings each.
struct ProofBatch {
  uint32_t fields = 1;
  std::vector<std::vector<uint8_t>> values;  // record r's field f at r * fields + f
  size_t records() const { return fields ? values.size() / fields : 0; }
};

struct ProofTask {
  std::string job_id;
  uint32_t subtask = 0;
  ProofOp op = ProofOp::kHash;
  std::string algo;  // sha256, keccak256, blake2b; empty for verify
  std::array<uint8_t, 32> batch{};
  uint64_t batch_bytes = 0;
  uint32_t items = 0;
  uint64_t first = 0;
  uint64_t work = 0;  // in the kernel's work unit: what the agreement's price is paid for
};

struct ProofResult {
  std::string job_id;
  uint32_t subtask = 0;
  ProofOp op = ProofOp::kHash;
  std::vector<uint8_t> outputs;  // proof_output_width(op) bytes per item
  size_t items() const { return outputs.size() / proof_output_width(op); }
  // Item i's output.
  std::span<const uint8_t> output(size_t i) const {
    size_t w = proof_output_width(op);
    return std::span<const uint8_t>(outputs).subspan(i * w, w);
  }
};

std::vector<uint8_t> encode(const ProofBatch& batch);
std::vector<uint8_t> encode(const ProofTask& task);
std::vector<uint8_t> encode(const ProofResult& result);
// Checks that every record has `expected_fields` fields (0: any) and every field is at most 1 MiB.
Result<ProofBatch> decode_proof_batch(std::span<const uint8_t> bytes, uint32_t expected_fields = 0);
Result<ProofTask> decode_proof_task(std::span<const uint8_t> bytes);
Result<ProofResult> decode_proof_result(std::span<const uint8_t> bytes);

// Whether `result` is for exactly `task`: the same job, subtask and operation, one output per item.
bool answers(const ProofTask& task, const ProofResult& result);
// The same without the subtask: a twin's result, for the same work under another index.
bool answers_work(const ProofTask& task, const ProofResult& result);

// What record `record` of `batch` costs `op` in its kernel's work unit: the item's compressions,
// or one signature check.
uint64_t proof_record_work(ProofOp op, const std::string& algo, const ProofBatch& batch, size_t record);

}  // namespace strata::compute
