// A requestor's jobs and their subtasks in RocksDB, so a requestor restarted mid-job resumes it
// without redoing accepted subtasks. Every change is a synced write. A subtask moves
// pending -> assigned (to a provider, until a deadline) -> accepted (with its result's
// commitment); an assignment whose deadline passes, or whose provider fails, goes back to
// pending for someone else, and an accepted subtask is never accepted again or reassigned, so no
// result is lost or counted twice.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/render/job_plan.h"
#include "host/status.h"
#include "network/identity.h"

namespace strata::network {

enum class SubtaskState { kPending, kAssigned, kAccepted };
enum class JobState { kRunning, kDone, kCancelled, kFailed };
const char* to_string(SubtaskState state);
const char* to_string(JobState state);

struct SubtaskRecord {
  render::Subtask subtask;
  SubtaskState state = SubtaskState::kPending;
  NodeId provider{};       // while assigned, and once accepted
  uint64_t deadline = 0;   // ms since the epoch, while assigned
  std::string commitment;  // the accepted result's commitment (hex)
  uint32_t attempts = 0;   // assignments so far
};

struct JobRecord {
  std::string id;
  std::string scene;  // the scene's manifest blob id (hex)
  render::RenderSettings settings;
  JobState state = JobState::kRunning;
  uint64_t max_price = 0;   // per gigasample
  uint64_t min_memory = 0;  // device memory the scene needs
  uint32_t redundancy = 1;
  uint64_t created_at = 0;  // ms since the epoch
  std::string error;        // why it stopped, when it failed
  uint64_t verified_work = 0;  // pixel-samples the verifier re-rendered
  uint32_t rejected = 0;       // results the verifier caught
};

class JobStore {
 public:
  static Result<std::unique_ptr<JobStore>> open(const std::string& dir);
  ~JobStore();

  // A new job and its plan, every subtask pending.
  Status create(const JobRecord& job, const std::vector<render::Subtask>& plan);
  Result<JobRecord> job(const std::string& id);
  Result<std::vector<JobRecord>> jobs();
  Result<std::vector<SubtaskRecord>> subtasks(const std::string& job_id);

  Status assign(const std::string& job_id, uint32_t index, const NodeId& provider, uint64_t deadline);
  // Only the provider it is assigned to may deliver it, once.
  Status accept(const std::string& job_id, uint32_t index, const NodeId& provider, const std::string& commitment);
  // Back to pending: the provider failed or the result was rejected.
  Status release(const std::string& job_id, uint32_t index);
  // Releases every assignment whose deadline is before `now_ms`; returns their indices.
  Result<std::vector<uint32_t>> release_overdue(const std::string& job_id, uint64_t now_ms);
  // A running job ends once: done, cancelled or failed (with the reason).
  Status set_state(const std::string& job_id, JobState state, const std::string& error = "");
  // Adds to the job's verification totals.
  Status add_verification(const std::string& job_id, uint64_t work, uint32_t rejected);

  struct Impl;

 private:
  explicit JobStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::network
