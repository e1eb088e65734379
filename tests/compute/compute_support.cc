#include "tests/compute/compute_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "host/render/renderer.h"
#include "compute/render/messages.h"
#include "compute/task_messages.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace strata::tests {

std::unique_ptr<compute::ComputeNode> start_compute_node(const ComputeNodeSpec& spec) {
  compute::ComputeNode::Options o;
  o.data_dir = spec.data_dir.empty() ? scratch_dir() + "/compute-" + std::to_string(spec.seed) : spec.data_dir;
  if (spec.provide) {
    if (spec.make_devices) o.provide = spec.make_devices();
    for (size_t at = 0; at <= spec.device.size() && !spec.make_devices;) {
      size_t comma = std::min(spec.device.find(',', at), spec.device.size());
      o.provide.push_back(open_or_die(spec.device.substr(at, comma - at)));
      at = comma + 1;
    }
    o.provider.share_samples = spec.share_samples;
    o.provider.slots_per_device = spec.slots;
    o.families.render.alter_result = spec.alter_result;
    o.families.render.fail_subtask = spec.fail_subtask;
    o.families.proof.alter_result = spec.alter_proof;
    o.families.analytics.alter_result = spec.alter_analytics;
    o.provider.alter_announcement = spec.alter_announcement;
    o.provider.price = spec.price;
    o.provider.families = spec.families;
    o.provider.score = 2e6;  // skip the start-up measurement; the plan only needs relative speeds
    o.provider.announce_interval = std::chrono::milliseconds(200);
  }
  o.families.proof.alter_task = spec.alter_proof_task;
  o.stream.transport.listen_port = spec.listen_port;
  o.requestor.min_deadline = spec.min_deadline;
  o.requestor.exclude_caught = spec.exclude_caught;
  o.requestor.verify = spec.verify;
  if (std::getenv("STRATA_TEST_LOG")) {
    auto log = [seed = spec.seed](const std::string& line) { std::fprintf(stderr, "[node %u] %s\n", seed, line.c_str()); };
    o.provider.log = log;
    o.requestor.log = log;
    o.stream.on_refuse = log;
  }
  o.families.render.plan.target_seconds = spec.target_seconds;
  o.families.render.plan.max_tile = spec.max_tile;
  o.families.render.plan.min_tile = 8;
  o.families.proof.plan.target_seconds = spec.target_seconds;
  o.families.proof.plan.min_task_work = 64;
  o.families.analytics.batch_events = spec.analytics_batch_events;
  auto node = compute::ComputeNode::start(test_identity(spec.seed), std::move(o));
  EXPECT_TRUE(node.is_ok()) << node.status().to_string();
  return node.is_ok() ? std::move(*node) : nullptr;
}

render::Image local_render(const std::string& scene, const render::RenderSettings& settings) {
  auto prepared = render::prepare_scene(scene);
  EXPECT_TRUE(prepared.is_ok()) << prepared.status().to_string();
  auto device = open_or_die("cpu");
  auto renderer = render::Renderer::create(*device, prepared->gpu, prepared->camera);
  EXPECT_TRUE(renderer.is_ok());
  auto accum = (*renderer)->render_image(settings);
  EXPECT_TRUE(accum.is_ok());
  return render::resolve(*accum);
}

double max_relative_difference(const render::Image& a, const render::Image& b) {
  if (a.width != b.width || a.height != b.height || a.rgb.size() != b.rgb.size()) {
    return std::numeric_limits<double>::infinity();
  }
  double worst = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) {
    double x = a.rgb[i], y = b.rgb[i];
    double scale = std::max({std::abs(x), std::abs(y), 1e-6});
    worst = std::max(worst, std::abs(x - y) / scale);
  }
  return worst;
}

std::vector<uint8_t> encode_test_proposal(const TestProposal& p, const network::Identity& signer) {
  compute::Agreement a;
  a.job_id = p.job_id;
  a.provider = p.provider;
  a.subtasks = {p.subtask};
  a.price = p.price;
  a.deadline = p.deadline;
  compute::RenderTask task;
  task.job_id = p.job_id;
  task.subtask = p.subtask;
  task.scene_hash = p.scene;
  task.width = task.height = 16;
  task.tile = {0, 0, 16, 16};
  task.sample_count = 1;
  compute::Demand d;
  d.job_id = p.job_id;
  d.kernel = p.kernel;
  d.min_memory_bytes = p.memory;
  d.max_price = 1000;
  d.sign(signer);
  return encode(compute::make_proposal(a, encode(task), d, signer));
}

}  // namespace strata::tests
