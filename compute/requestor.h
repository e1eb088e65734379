// The requestor's side of the compute layer: it turns a submitted render job into subtasks (sized
// from the offers' benchmark scores), proposes each to a provider chosen by price and speed with
// an agreement it signs, follows the results on the job's result stream, fetches each result
// by its commitment and checks it before accepting it, and assembles the image once every subtask
// is in. Subtasks whose provider refuses, fails, leaves the network or misses its deadline go back
// to be assigned again. Job and subtask state live in the job store, and accepted results in the
// blob store, so a requestor restarted mid-job resumes it without redoing accepted subtasks.
// Before a result is accepted, the verifier re-renders random pixels of it (verifier/render_check.h).
// Progress events (JSON) go out on the job's progress stream.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compute/offer_book.h"
#include "host/render/job_plan.h"
#include "network/blob_service.h"
#include "network/blob_store.h"
#include "network/job_store.h"
#include "network/stream_node.h"
#include "verifier/reputation.h"

namespace strata::compute {

struct JobSpec {
  std::string scene;  // the scene manifest's blob id (hex), in this node's blob store
  render::RenderSettings settings;
  uint64_t max_price_per_gigasample = 1000;
  double redundancy = 0;  // the share of subtasks a second provider computes too (0 to 1)
};

struct JobStatus {
  network::JobRecord job;
  size_t total = 0, pending = 0, assigned = 0, accepted = 0;
  uint32_t reassigned = 0;   // assignments beyond one per subtask
  uint32_t rejected = 0;       // results the verifier caught
  uint64_t verified_work = 0;  // pixel-samples the verifier re-rendered
  uint64_t work = 0;           // pixel-samples of the whole job
  size_t providers = 0;      // offers that can serve it now
  std::string image;         // the finished image (PNG) and its linear PFM beside it
  std::string linear_image;
};

class Requestor {
 public:
  struct Options {
    std::string image_dir;  // finished images go here
    std::string work_dir;   // scenes are unpacked here to be checked
    render::PlanOptions plan;
    std::chrono::milliseconds tick{20};
    // A subtask's deadline: this many times its expected time on the provider, and at least
    // min_deadline.
    double deadline_factor = 4;
    std::chrono::milliseconds min_deadline{10000};
    // Every result is spot-checked before it is accepted: enough random pixels are re-rendered on
    // `verify_device` that a result with `bad_fraction` of its pixels wrong is caught with
    // probability `catch_rate`. A provider caught once is excluded in the reputation store and
    // gets no more work from this requestor; the others are ranked by price over reliability.
    bool verify = true;
    std::string verify_device = "cpu";
    double catch_rate = 0.99;
    double bad_fraction = 0.01;
    // A provider caught is out of the job either way; this keeps it out of every later job too.
    bool exclude_caught = true;
    std::function<void(const std::string&)> log;
  };
  // Resumes the store's running jobs. Everything passed must outlive the requestor.
  static Result<std::unique_ptr<Requestor>> start(network::StreamNode& node, network::BlobStore& store,
                                                  network::BlobService& blobs, network::JobStore& jobs, OfferBook& book,
                                                  verifier::ReputationStore& reputation, Options options);
  ~Requestor();

  // Loads the scene (an error names what is wrong with it), plans the job over the offers that
  // can serve it now (an error when there are none) and starts it.
  Result<network::JobRecord> submit(const JobSpec& spec);
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
