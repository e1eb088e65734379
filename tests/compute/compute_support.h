// Helpers for the compute-layer tests: nodes in one process, the local reference render of a
// scene, and image comparison within float rounding.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "compute/compute_node.h"
#include "host/render/image_io.h"

namespace strata::tests {

struct ComputeNodeSpec {
  uint8_t seed = 1;
  std::string data_dir = "";  // empty: a fresh scratch directory
  bool provide = false;
  uint64_t price = 100;
  std::chrono::milliseconds min_deadline{10000};
  double target_seconds = 0.2;
  uint32_t max_tile = 32;
  std::string device = "cpu";  // what a provider offers: device ids, separated by commas
  bool share_samples = false;  // its devices share each subtask's samples
  uint32_t slots = 1;          // subtasks each device renders at once
  std::function<void(const compute::RenderTask&, compute::RenderResult&, render::Renderer&)> alter_result = {};
  std::function<void(compute::TaskResult&)> alter_announcement = {};
  std::function<void(const compute::ProofTask&, compute::ProofResult&)> alter_proof = {};
  std::function<void(const compute::AnalyticsTask&, compute::AnalyticsResult&)> alter_analytics = {};
  size_t analytics_batch_events = 2000;  // a requestor's analytics tasks: on-time events each
  std::function<Status(const compute::RenderTask&)> fail_subtask = {};
  bool exclude_caught = true;
  bool verify = true;
  std::function<std::vector<std::unique_ptr<Device>>()> make_devices = {};  // instead of `device`
  std::function<void(compute::ProofTask&)> alter_proof_task = {};  // as a dishonest requestor plans
  std::set<std::string> families = {};  // a provider's offered families; empty: every one
  uint16_t listen_port = 0;             // 0: any free port
};
std::unique_ptr<compute::ComputeNode> start_compute_node(const ComputeNodeSpec& spec);

// A proposal of one 16x16, one-sample render subtask as a requestor that is only a test transport
// sends it: the agreement, the task and the demand, signed by `signer`.
struct TestProposal {
  network::PublicKey provider{};
  uint64_t price = 100;
  uint64_t deadline = 0;
  uint64_t memory = 1 << 20;
  std::string kernel = compute::kRenderKernel;
  std::string job_id = "job-x";
  uint32_t subtask = 0;
  network::BlobId scene{};
};
std::vector<uint8_t> encode_test_proposal(const TestProposal& p, const network::Identity& signer);

// The scene rendered here in one piece on the cpu backend, resolved.
render::Image local_render(const std::string& scene, const render::RenderSettings& settings);

// The largest relative difference between two images of the same size (pixels within 1e-6 of
// zero compare absolutely), or infinity when the sizes differ.
double max_relative_difference(const render::Image& a, const render::Image& b);

}  // namespace strata::tests
