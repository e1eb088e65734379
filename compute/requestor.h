// The requestor's side of the compute layer, for jobs of any family (compute/family.h): it has
// the job's family plan it into tasks (sized from the offers' speeds for the job's kernel),
// proposes each to a provider chosen by price and speed with an agreement it signs, follows the
// results on the job's result stream, fetches each result by its commitment and has the family
// check and verify it before accepting it, and has the family accumulate the results in task
// order into the job's output once every subtask is in. Subtasks whose provider refuses, fails, leaves the network or misses its deadline go back
// to be assigned again. Job and subtask state live in the job store, and accepted results in the
// blob store, so a requestor restarted mid-job resumes it without redoing accepted subtasks.
// Before a result is accepted, the family's verifier recomputes a random part of it. Progress
// events (JSON) go out on the job's progress stream.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compute/families.h"
#include "compute/offer_book.h"
#include "network/blob_service.h"
#include "network/blob_store.h"
#include "compute/job_store.h"
#include "network/stream/stream_node.h"
#include "verifier/reputation.h"

namespace strata::compute {

struct JobSpec {
  std::string family = "render";
  nlohmann::json spec;     // the family's (render_spec, proof_spec)
  uint64_t max_price = 1000;  // per 10^9 work units of the job's kernel
  double redundancy = 0;  // the share of subtasks a second provider computes too (0 to 1)
};

struct JobStatus {
  compute::JobRecord job;
  size_t total = 0, pending = 0, assigned = 0, accepted = 0;
  uint32_t reassigned = 0;   // assignments beyond one per subtask
  uint32_t rejected = 0;       // results the verifier caught
  uint64_t verified_work = 0;  // work units the verifier recomputed
  uint64_t work = 0;           // work units of the whole job
  size_t providers = 0;      // offers that can serve it now
  // A file the finished job wrote, by its name in the output ("image", "linear_image" for render,
  // "output" for proof); empty when there is none.
  std::string output(const std::string& key) const;
};

class Requestor {
 public:
  struct Options {
    std::string image_dir;  // finished outputs (images, JSON lines) go here
    std::string work_dir;   // scratch space for the families
    std::chrono::milliseconds tick{20};
    // A subtask's deadline: this many times its expected time on the provider, and at least
    // min_deadline.
    double deadline_factor = 4;
    std::chrono::milliseconds min_deadline{10000};
    // Every result is spot-checked before it is accepted on `verify_device`, as the family's
    // catch target says (FamilyOptions). A provider caught once is excluded in the reputation
    // store and gets no more work from this requestor; the others are ranked by price over
    // reliability.
    bool verify = true;
    std::string verify_device = "cpu";
    // A provider caught is out of the job either way; this keeps it out of every later job too.
    bool exclude_caught = true;
    std::function<void(const std::string&)> log;
  };
  // Resumes the store's running jobs. Everything passed must outlive the requestor.
  static Result<std::unique_ptr<Requestor>> start(network::StreamNode& node, network::BlobStore& store,
                                                  network::BlobService& blobs, compute::JobStore& jobs, OfferBook& book,
                                                  verifier::ReputationStore& reputation, const Families& families,
                                                  Options options);
  ~Requestor();

  // Has the family read the spec (an error names what is wrong with it), plans the job over the
  // offers that can serve it now (an error when there are none) and starts it.
  Result<compute::JobRecord> submit(const JobSpec& spec);
  Status cancel(const std::string& job_id);
  Result<JobStatus> status(const std::string& job_id);
  Result<std::vector<JobStatus>> list();

  // For the node's frame dispatch (kTaskReply).
  Status handle(const network::PeerInfo& from, const network::FrameView& frame);

  struct Impl;

 private:
  explicit Requestor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::compute
