// The provider's host scheduler. It advertises the node's devices in a signed offer, takes
// subtask proposals from requestors (checking the requestor's signature, the price, the deadline
// and its own capacity, then signing the agreement), fetches and checks the job's scene blobs,
// runs each subtask on the first free device whose memory holds the scene (one worker per device
// and slot: several subtasks in flight on a device when its memory holds their scenes; a few
// accepted subtasks queued behind) or, with share_samples, on all its devices at once (each renders a share of
// the subtask's sample pieces; the shares are summed on the first, moved there with NCCL between
// CUDA GPUs), and announces every result with its commitment (the content address of the
// encoded result) on the job's result stream, keeping the result for the requestor to fetch.
// A subtask whose deadline passed before it started, or that fails, is answered with the reason.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compute/offer_book.h"
#include "host/device.h"
#include "host/device_peers.h"
#include "host/render/renderer.h"
#include "network/blob_service.h"
#include "network/blob_store.h"
#include "network/render_messages.h"
#include "network/stream_node.h"
#include "network/task_messages.h"

namespace strata::compute {

// The kernel name offers and demands use for the path tracer.
inline constexpr const char* kRenderKernel = "render/pathtrace-v1";

class Provider {
 public:
  struct Options {
    uint64_t price_per_gigasample = 100;
    uint32_t queue_per_device = 2;  // accepted subtasks waiting for each device, beyond those it runs
    // Subtasks each device renders at once, each with its own copy of its scene, as far as the
    // device's memory holds them all (the scenes' needs are counted against it). Ignored when the
    // devices share samples.
    uint32_t slots_per_device = 1;
    std::chrono::milliseconds announce_interval{1000};
    std::chrono::milliseconds offer_lifetime{10000};
    std::string work_dir;  // scenes are unpacked here
    double score = 0;      // pixel-samples per second of all devices together; 0: measured at start
    // All devices work on each subtask together, sharing its sample pieces (fewer subtasks in
    // flight, each done sooner); otherwise each device takes subtasks of its own.
    bool share_samples = false;
    std::function<void(const std::string&)> log;  // what it does, one line each
    // For the verifier's tests only: alters each result before it goes out, as a dishonest
    // provider would (the renderer that made it is there to make another).
    std::function<void(const network::RenderTask&, network::RenderResult&, render::Renderer&)> alter_result;
    // For the verifier's tests only: alters the announcement (its commitment) before it goes out.
    std::function<void(network::TaskResult&)> alter_announcement;
    // For the requestor's tests only: a Status that fails each subtask in place of rendering it,
    // as a scene that does not load here would.
    std::function<Status(const network::RenderTask&)> fail_subtask;
  };
  // Every device passes the known-answer self-tests before it takes work. The node, stores and
  // offer book must outlive the provider.
  static Result<std::unique_ptr<Provider>> start(network::StreamNode& node, network::BlobStore& store,
                                                 network::BlobService& blobs, OfferBook& book,
                                                 std::vector<std::unique_ptr<Device>> devices, Options options);
  ~Provider();

  // For the node's frame dispatch (kTaskProposal, kTaskCancel); answers on the network thread and
  // leaves the work to the device workers.
  Status handle(const network::PeerInfo& from, const network::FrameView& frame);

  network::Offer offer() const;
  struct Counts {
    uint64_t accepted = 0, refused = 0, completed = 0, failed = 0;
    uint64_t cancelled = 0;  // accepted subtasks dropped because their requestor withdrew the job
    double kernel_seconds = 0;
    uint32_t most_running = 0;  // the most subtasks rendering at once
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

// Pixel-samples per second of `device` on a small benchmark scene (about a quarter second).
Result<double> measure_render_speed(Device& device);

}  // namespace strata::compute
