// The job family interface: the compute layer knows a kind of work (render, proof) only through
// it, so that every family goes through the same market, agreements, scheduling, deadlines,
// reassignment, commitments, verification, reputation and receipts (../DESIGN.md, "Job
// families"). Tasks are opaque bytes with their work in the kernel's work unit; only the family
// encodes and decodes them.
//
// On the requestor a family opens a job from its spec (JSON) and then plans it into tasks, checks
// each result against its task and the commitment its provider announced, verifies it, compares
// twins, and accumulates accepted results in task order into the job's output. On the provider it
// self-tests devices, measures their speed per work unit, and runs tasks.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "host/device.h"
#include "host/status.h"
#include "network/blob_service.h"
#include "network/blob_store.h"
#include "compute/job_store.h"
#include "compute/task_messages.h"
#include "verifier/family.h"

namespace strata {
class DevicePeers;
}

namespace strata::compute {

using compute::PlannedTask;

// What the requestor's job manager lends its jobs.
struct JobContext {
  network::BlobStore& store;  // this node's blobs: the job's inputs, and the inputs its plan cuts out
  std::string output_dir;     // finished outputs go here
  std::string work_dir;       // scratch space
};

// One provider that can serve a job, as planning sees it.
struct ProviderSpeed {
  double speed = 0;     // work units per second, from its offer
  uint32_t pieces = 1;  // devices that share each of its tasks
};

// What a provider announced for a result: the root over its chunks, and their number.
struct Commitment {
  std::array<uint8_t, 32> merkle_root{};
  uint32_t chunks = 0;
};

// The requestor's side of one job. check, same and max_result_bytes change nothing and may run on
// any thread at any time; verify calls come one at a time, and so do accumulate and finish (the
// last once every result is in).
class FamilyJob {
 public:
  virtual ~FamilyJob() = default;
  // The job as stored and shown: its spec, with what planning chose.
  virtual nlohmann::json spec() const = 0;
  virtual std::string kernel() const = 0;
  virtual uint64_t min_memory() const = 0;  // device memory one task needs
  // Tasks at indices 0, 1, ... for job `job_id`, sized so that these providers each finish one in
  // about the target time and all have work.
  virtual Result<std::vector<PlannedTask>> plan(const std::string& job_id, const std::vector<ProviderSpeed>& providers) = 0;
  // The same work as `task` under another index (redundancy's twins).
  virtual Result<PlannedTask> twin(const PlannedTask& task, uint32_t index) = 0;
  // The most bytes a result of `task` can take: a larger one is refused before it is fetched.
  virtual uint64_t max_result_bytes(const PlannedTask& task) const = 0;
  // Whether `result` answers `task` and has the commitment its provider announced. An
  // kInvalidArgument error is the provider's fault.
  virtual Status check(const PlannedTask& task, std::span<const uint8_t> result, const Commitment& announced) = 0;
  // Spot-checks a checked result on `device`; `seed`, drawn after the result was committed, picks
  // what is recomputed.
  virtual Result<verifier::Verdict> verify(Device& device, const PlannedTask& task, std::span<const uint8_t> result,
                                           uint64_t seed) = 0;
  // Whether two checked results of the same work agree.
  virtual bool same(std::span<const uint8_t> a, std::span<const uint8_t> b) const = 0;
  // Adds an accepted result to the output; called for every original task, strictly in order.
  virtual Status accumulate(const PlannedTask& task, std::span<const uint8_t> result) = 0;
  // Writes the output once every task is accumulated, with `device` for what is left to compute
  // (a tree's top); returns what it wrote (a JSON object).
  virtual Result<nlohmann::json> finish(const std::string& job_id, Device& device) = 0;
  // The progress event for an accepted task (its "event" and what the task covers).
  virtual nlohmann::json describe(const PlannedTask& task) const = 0;
};

// What a provider lends the runners of its tasks.
struct ProviderContext {
  network::BlobService& blobs;  // fetches a task's inputs from its requestor
  DevicePeers* peers = nullptr;  // set when the devices share each task
  std::vector<double> speeds;    // of each device, when they share
  std::function<void(const std::string&)> log;
};

// A task's result as its family encoded it, with its commitment.
struct TaskOutput {
  std::vector<uint8_t> bytes;
  Commitment commitment;
};

// Runs one worker's tasks, keeping what they share (a loaded scene) between them.
class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  // Runs `proposal`'s task on `devices` (one, or several sharing it). A task that is malformed or
  // whose input does not load is kInvalidArgument: the job's fault, not the provider's.
  virtual Result<TaskOutput> run(std::span<Device* const> devices, const compute::TaskProposal& proposal,
                                 const network::NodeId& requestor) = 0;
  // Lets go of what it keeps, while the worker waits.
  virtual void idle() {}
};

class Family {
 public:
  virtual ~Family() = default;
  virtual std::string name() const = 0;
  // Requestor: reads and checks a spec (a new job's or a stored one's) and sizes the job.
  virtual Result<std::unique_ptr<FamilyJob>> open(const nlohmann::json& spec, JobContext& context) = 0;
  // Provider: the kernels it runs, the known-answer self-test a device must pass first, and a
  // device's speed in a kernel's work unit.
  virtual std::vector<std::string> kernels() const = 0;
  // Whether a proposal's task bytes decode to one of this family's tasks, for the job and index its
  // agreement names; an error says what is wrong with them.
  virtual Status check_task(const compute::TaskProposal& proposal) const = 0;
  virtual Status self_test(Device& device) = 0;
  virtual Result<double> speed(Device& device, const std::string& kernel) = 0;
  // Whether its runners share one task among several devices (else they use the first).
  virtual bool shares_tasks_across_devices() const { return false; }
  virtual std::unique_ptr<TaskRunner> runner(ProviderContext& context) = 0;
};

}  // namespace strata::compute
