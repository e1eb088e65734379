// A requestor's jobs and their subtasks in RocksDB, whatever their family: a job keeps its
// family's spec (JSON) and each subtask its task as the family encoded it, with that task's
// hash and work, so a requestor restarted mid-job resumes it
// without redoing accepted subtasks. Every change is a synced write. A subtask moves
// pending -> assigned (to a provider, until a deadline) -> accepted (with its result's
// commitment); an assignment whose deadline passes, or whose provider fails, goes back to
// pending for someone else, and an accepted subtask is never accepted again or reassigned, so no
// result is lost or counted twice.
#pragma once

#include <cstdint>
#include <array>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/transport/identity.h"

namespace strata::network {
class NodeDb;
class Transition;
}  // namespace strata::network

namespace strata::compute {

using network::NodeDb;
using network::NodeId;
using network::Transition;


enum class SubtaskState { kPending, kAssigned, kAccepted };
enum class JobState { kRunning, kDone, kCancelled, kFailed };
const char* to_string(SubtaskState state);
const char* to_string(JobState state);

// One task of a job's plan: opaque bytes of its family, the hash an agreement names them by, and
// their work in the kernel's work unit.
struct PlannedTask {
  uint32_t index = 0;
  std::vector<uint8_t> bytes;
  std::array<uint8_t, 32> hash{};  // blob_id_of(bytes)
  uint64_t work = 0;
  bool operator==(const PlannedTask&) const = default;
};
// A task of `bytes` and `work` at `index`, with its hash.
PlannedTask planned_task(uint32_t index, std::vector<uint8_t> bytes, uint64_t work);

struct SubtaskRecord {
  PlannedTask task;
  SubtaskState state = SubtaskState::kPending;
  NodeId provider{};       // while assigned, and once accepted
  uint64_t deadline = 0;   // ms since the epoch, while assigned
  std::string commitment;  // the accepted result's commitment (hex)
  uint32_t attempts = 0;   // assignments so far
  // The accepted assignment's terms, so it can be paid for even after a restart.
  uint64_t price = 0;          // per 10^9 work units
  std::string agreement_hash;  // hex
  std::string provider_key;    // hex: whom a receipt is addressed to
};

struct JobRecord {
  std::string id;
  std::string family;  // "render", "proof"
  std::string spec;    // the job as its family describes it (a JSON object), plan choices included
  std::string kernel;  // what providers must run
  JobState state = JobState::kRunning;
  uint64_t max_price = 0;   // per 10^9 work units of the kernel
  uint64_t min_memory = 0;  // device memory a task needs
  double redundancy = 0;    // the share of subtasks a second provider computes as well
  // Redundancy: subtasks at index >= originals are twins, each computing the same tile and samples
  // as the original it names here; an original whose twins have agreed is resolved.
  uint32_t originals = 0;                            // 0: every subtask is an original
  std::map<uint32_t, uint32_t> twin_of;              // twin index -> original index
  std::set<uint32_t> resolved;
  uint64_t created_at = 0;  // ms since the epoch
  std::string error;        // why it stopped, when it failed
  uint64_t verified_work = 0;  // work units the verifier recomputed
  uint32_t rejected = 0;       // results the verifier caught
  std::string output;          // once done: what the family wrote (a JSON object: its files)
};

class JobStore {
 public:
  // Its own database at `dir`, or its column family in the node's database.
  static Result<std::unique_ptr<JobStore>> open(const std::string& dir);
  static Result<std::unique_ptr<JobStore>> open(std::shared_ptr<class NodeDb> db);
  // The database it writes to: a Transition on it can take this store's writes and others'.
  const std::shared_ptr<NodeDb>& database() const;
  ~JobStore();

  // A new job and its plan, every subtask pending.
  Status create(const JobRecord& job, const std::vector<PlannedTask>& plan);
  Result<JobRecord> job(const std::string& id);
  Result<std::vector<JobRecord>> jobs();
  Result<std::vector<SubtaskRecord>> subtasks(const std::string& job_id);

  Status assign(const std::string& job_id, uint32_t index, const NodeId& provider, uint64_t deadline);
  // Only the provider it is assigned to may deliver it, once. With a transition the write is
  // staged in it (the caller keeps others from touching the subtask until it commits).
  Status accept(const std::string& job_id, uint32_t index, const NodeId& provider, const std::string& commitment,
                uint64_t price = 0, const std::string& agreement_hash = "", const std::string& provider_key = "",
                Transition* transition = nullptr);
  // Back to pending: the provider failed or the result was rejected.
  Status release(const std::string& job_id, uint32_t index);
  // Releases every assignment whose deadline is before `now_ms`; returns their indices.
  Result<std::vector<uint32_t>> release_overdue(const std::string& job_id, uint64_t now_ms);
  // A running job ends once: done (with its output), cancelled or failed (with the reason).
  Status set_state(const std::string& job_id, JobState state, const std::string& error = "",
                   const std::string& output = "");
  // Adds to the job's verification totals.
  Status add_verification(const std::string& job_id, uint64_t work, uint32_t rejected);
  // Redundancy: appends twins (pending) to a running job, with their originals, in one write.
  Status add_twins(const std::string& job_id, const std::vector<PlannedTask>& twins,
                   const std::vector<uint32_t>& originals);
  // Redundancy: marks an original's group of twins settled; when its own result lost to its
  // twins', `commitment` replaces it (a result of the same work).
  Status resolve(const std::string& job_id, uint32_t original, const std::string& commitment = "",
                 uint32_t rejected = 0, Transition* transition = nullptr);

  struct Impl;

 private:
  explicit JobStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::compute
