// The proof family on the family interface: a job is a batch of items (a blob in the requestor's
// store) and an operation: hash every item, build the RFC 6962 tree over them (with inclusion
// proofs for chosen leaves), or check Ed25519 signatures. Its tasks are runs of consecutive
// items, each cut out as a blob of its own and sized from the offers' speeds; a result has one
// output per item and commits to them with a Merkle root; the verifier recomputes a random subset
// of each result's items on its own device. Work units: compressions for the hash kernels,
// signature checks for Ed25519.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/family.h"
#include "compute/proof/messages.h"

namespace strata::compute {

struct ProofPlanOptions {
  double target_seconds = 2.0;  // one task on the slowest provider
  uint32_t min_tasks_per_provider = 2;
  // Whatever the offers claim, a task holds at least this much work, a plan at most this many
  // tasks, and a task's batch at most this many bytes.
  uint64_t min_task_work = 4096;
  uint32_t max_tasks = 16384;
  uint64_t max_task_bytes = uint64_t(64) << 20;
};

struct ProofFamilyOptions {
  ProofPlanOptions plan;
  // Provider: the largest batch it takes (its host memory holds the batch, its items and their
  // outputs while the task runs).
  uint64_t max_batch_bytes = uint64_t(128) << 20;
  verifier::CatchTarget catch_target;
  // For the verifier's tests only: alters each result before it goes out, as a dishonest provider
  // would.
  std::function<void(const ProofTask&, ProofResult&)> alter_result;
  // For the provider's tests only: alters each task as it is planned, as a dishonest requestor
  // would (claiming less work than its batch holds, to pay less).
  std::function<void(ProofTask&)> alter_task;
};

std::shared_ptr<Family> make_proof_family(ProofFamilyOptions options);

// The kernel a job of `op` over `algo` needs: "proof/sha256-v1", "proof/keccak256-v1",
// "proof/blake2b-v1" (hash and merkle), "proof/ed25519-v1" (verify).
std::string proof_kernel(ProofOp op, const std::string& algo);

// A proof job's spec: the operation, the hash algorithm (hash, merkle), the items' blob id (an
// encoded ProofBatch in this node's store) and, for merkle, the leaves to prove.
nlohmann::json proof_spec(ProofOp op, const std::string& algo, const std::string& items,
                          const std::vector<uint64_t>& prove = {});

// Ed25519 verifications per second of `device` on a batch of valid signatures (about `seconds`).
Result<double> measure_ed25519_speed(Device& device, double seconds = 0.25);

}  // namespace strata::compute
