// The provider's host scheduler, for the kernels of every family it knows (compute/family.h). It
// advertises the node's devices in a signed offer (per kernel, the devices' measured speed in its
// work unit and a price), takes task proposals from requestors (checking the requestor's
// signature, the kernel, the task, the price, the deadline and its own capacity, then signing the
// agreement), and runs each task with its family's runner on the first free device whose memory
// holds what the task needs (one worker per device and slot: several tasks in flight on a device
// when its memory holds them; a few accepted tasks queued behind) or, with share_samples, on all
// its devices at once (render: each renders a share of the task's sample pieces; the shares are
// summed on the first, moved there with NCCL between CUDA GPUs). Every result is announced with
// its commitment on the job's result stream and kept for the requestor to fetch. A task whose
// deadline passed before it started, or that fails, is answered with the reason.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "compute/families.h"
#include "compute/offer_book.h"
#include "host/device.h"
#include "host/device_peers.h"
#include "network/blob_service.h"
#include "network/blob_store.h"
#include "network/stream/stream_node.h"
#include "compute/task_messages.h"

namespace strata::compute {

class Provider {
 public:
  struct Options {
    uint64_t price = 100;  // per 10^9 work units, for every kernel not in `kernel_prices`
    std::map<std::string, uint64_t> kernel_prices;
    std::set<std::string> families;  // the families whose kernels it offers; empty: every one
    uint32_t queue_per_device = 2;  // accepted subtasks waiting for each device, beyond those it runs
    // Subtasks each device renders at once, each with its own copy of its scene, as far as the
    // device's memory holds them all (the scenes' needs are counted against it). Ignored when the
    // devices share samples.
    uint32_t slots_per_device = 1;
    std::chrono::milliseconds announce_interval{1000};
    std::chrono::milliseconds offer_lifetime{10000};
    std::string work_dir;  // scratch space for the families
    // Work units per second of all devices together, claimed for every kernel; 0: each kernel's
    // speed is measured on every device at start.
    double score = 0;
    // All devices work on each subtask together, sharing its sample pieces (fewer subtasks in
    // flight, each done sooner); otherwise each device takes subtasks of its own.
    bool share_samples = false;
    std::function<void(const std::string&)> log;  // what it does, one line each
    // For the verifier's tests only: alters the announcement (its commitment) before it goes out.
    std::function<void(compute::TaskResult&)> alter_announcement;
  };
  // Every device passes the known-answer self-tests before it takes work. The node, stores and
  // offer book must outlive the provider.
  static Result<std::unique_ptr<Provider>> start(network::StreamNode& node, network::BlobStore& store,
                                                 network::BlobService& blobs, OfferBook& book, const Families& families,
                                                 std::vector<std::unique_ptr<Device>> devices, Options options);
  ~Provider();

  // For the node's frame dispatch (kTaskProposal, kTaskCancel); answers on the network thread and
  // leaves the work to the device workers.
  Status handle(const network::PeerInfo& from, const network::FrameView& frame);

  compute::Offer offer() const;
  struct Counts {
    uint64_t accepted = 0, refused = 0, completed = 0, failed = 0;
    uint64_t cancelled = 0;  // accepted subtasks dropped because their requestor withdrew the job
    double kernel_seconds = 0;
    uint32_t most_running = 0;  // the most subtasks running at once
  };
  Counts counts() const;
  // How a subtask's shares move between devices when they share samples: "nccl", "host (why)",
  // or empty when each device works alone.
  std::string transfer() const;

  struct Impl;

 private:
  explicit Provider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::compute
