// Splitting render jobs: every (pixel, sample) is in exactly one subtask, subtasks are sized from
// the providers' speeds, bad input is named, and the subtasks rendered one by one and merged
// equal the whole render bit for bit.
#include <gtest/gtest.h>

#include <cmath>

#include "host/render/job_plan.h"
#include "tests/host/render/render_support.h"
#include "verifier/image_metrics.h"

namespace {

using namespace strata;
using namespace strata::render;

RenderSettings settings(uint32_t w, uint32_t h, uint32_t spp) {
  RenderSettings s;
  s.width = w;
  s.height = h;
  s.spp = spp;
  s.seed = 7;
  return s;
}

// Counts how often each (pixel, sample) is covered.
void expect_exact_cover(const RenderSettings& s, const std::vector<Subtask>& plan) {
  std::vector<uint8_t> seen(size_t(s.width) * s.height * s.spp, 0);
  uint64_t work = 0;
  for (size_t i = 0; i < plan.size(); ++i) {
    const Subtask& t = plan[i];
    EXPECT_EQ(t.index, i);
    ASSERT_LE(t.tile.x + t.tile.w, s.width);
    ASSERT_LE(t.tile.y + t.tile.h, s.height);
    ASSERT_LE(t.sample_begin + t.sample_count, s.spp);
    ASSERT_GT(t.sample_count, 0u);
    work += t.work();
    for (uint32_t y = t.tile.y; y < t.tile.y + t.tile.h; ++y)
      for (uint32_t x = t.tile.x; x < t.tile.x + t.tile.w; ++x)
        for (uint32_t k = t.sample_begin; k < t.sample_begin + t.sample_count; ++k)
          ++seen[(size_t(y) * s.width + x) * s.spp + k];
  }
  EXPECT_EQ(work, uint64_t(s.width) * s.height * s.spp);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), static_cast<std::ptrdiff_t>(seen.size())) << "each exactly once";
}

TEST(JobPlan, EveryPixelSampleExactlyOnce) {
  for (auto [w, h, spp] : {std::tuple{640u, 480u, 64u}, {100u, 37u, 5u}, {1u, 1u, 1u}, {300u, 17u, 129u}}) {
    for (std::vector<double> speeds : {std::vector<double>{1e6}, {2e7, 5e5, 3e6}, {1e12}}) {
      RenderSettings s = settings(w, h, spp);
      auto plan = plan_render_job(s, speeds);
      ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
      expect_exact_cover(s, *plan);
    }
  }
}

TEST(JobPlan, SizedFromTheSlowestProviderAndEnoughForAll) {
  RenderSettings s = settings(1920, 1080, 256);  // 5.3e8 pixel-samples
  PlanOptions o;
  o.target_seconds = 2.0;
  // Slowest 1e6 pixel-samples/s: no subtask much over 2e6 pixel-samples.
  auto plan = plan_render_job(s, {1e6, 1e8}, o);
  ASSERT_TRUE(plan.is_ok());
  for (const Subtask& t : *plan) EXPECT_LE(t.work(), uint64_t(2e6) + 256 * 256) << t.tile.w << "x" << t.tile.h;
  // Very fast providers: still at least two subtasks each.
  auto few = plan_render_job(s, {1e15, 1e15, 1e15}, o);
  ASSERT_TRUE(few.is_ok());
  EXPECT_GE(few->size(), 6u);
}

// The attack from the hostile-testing report: a provider that offers a speed of 1 pixel-sample a
// second would cut a 1024x1024x64 job into 262,144 subtasks. The floor on a subtask's work and
// the cap on a plan hold whatever the offers claim.
TEST(JobPlan, OffersCannotInflateThePlan) {
  RenderSettings s = settings(1024, 1024, 64);
  auto plan = plan_render_job(s, {1.0});
  ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
  PlanOptions defaults;
  EXPECT_LE(plan->size(), defaults.max_subtasks);
  for (const Subtask& t : *plan) EXPECT_GE(t.work(), defaults.min_subtask_work) << t.tile.w << "x" << t.tile.h;
  expect_exact_cover(s, *plan);
  // The largest image and sample count the settings allow still plan within the cap.
  auto huge = plan_render_job(settings(16384, 16384, 4096), {1.0});
  ASSERT_TRUE(huge.is_ok()) << huge.status().to_string();
  EXPECT_LE(huge->size(), defaults.max_subtasks);
  // A cap the tiles cannot meet is refused with its name.
  PlanOptions tight;
  tight.max_subtasks = 3;
  tight.max_tile = 16;
  auto refused = plan_render_job(settings(64, 64, 1), {1.0}, tight);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("over the bound of 3"), std::string::npos) << refused.status().message();
}

TEST(JobPlan, BadInputIsNamed) {
  EXPECT_NE(plan_render_job(settings(64, 64, 4), {}).status().message().find("at least one provider"), std::string::npos);
  EXPECT_NE(plan_render_job(settings(64, 64, 4), {1e6, 0}).status().message().find("positive"), std::string::npos);
  EXPECT_NE(plan_render_job(settings(64, 64, 4), {NAN}).status().message().find("positive"), std::string::npos);
  EXPECT_FALSE(plan_render_job(settings(0, 64, 4), {1e6}).is_ok());
  PlanOptions o;
  o.min_tile = 64;
  o.max_tile = 32;
  EXPECT_FALSE(plan_render_job(settings(64, 64, 4), {1e6}, o).is_ok());
}

// The subtasks of a plan rendered separately (as providers would) and merged in plan order.
AccumBuffer render_plan(const Scene& scene, const RenderSettings& s, const std::vector<Subtask>& plan) {
  auto device = tests::open_or_die("cpu:0");
  auto gpu = build_scene_gpu(scene);
  EXPECT_TRUE(gpu.is_ok());
  auto renderer = Renderer::create(*device, *gpu, scene.camera ? *scene.camera : default_camera(scene));
  EXPECT_TRUE(renderer.is_ok());
  AccumBuffer merged = AccumBuffer::for_rect({0, 0, s.width, s.height});
  for (const Subtask& t : plan) {
    AccumBuffer part = AccumBuffer::for_rect(t.tile);
    EXPECT_TRUE((*renderer)->render(s, t.tile, t.sample_begin, t.sample_count, part).is_ok());
    EXPECT_TRUE(merged.merge(part).is_ok());
  }
  return merged;
}

// Split by tiles only, the merged subtasks equal the whole render bit for bit. Split by sample
// ranges as well, each pixel's sum is grouped differently, so it equals the whole render within
// float rounding (every sample itself is bit-identical wherever it is computed), and the same
// plan merged in the same order always gives the same bits.
TEST(JobPlan, MergedSubtasksEqualTheWholeRender) {
  auto scene = load_scene(tests::source_dir() + "/scenes/demo.gltf");
  ASSERT_TRUE(scene.is_ok());
  RenderSettings s = settings(40, 30, 6);
  AccumBuffer whole = tests::render_on("cpu:0", *scene, s);
  PlanOptions o;
  o.min_tile = 16;
  o.max_tile = 16;
  o.min_subtask_work = 1;  // subtasks of two samples, far under the default floor
  auto tiles_only = plan_render_job(s, {1e12}, o);  // fast: every tile keeps all its samples
  ASSERT_TRUE(tiles_only.is_ok());
  ASSERT_EQ(tiles_only->size(), 6u);
  AccumBuffer by_tiles = render_plan(*scene, s, *tiles_only);
  EXPECT_TRUE(verifier::compare_floats(whole.rgbw, by_tiles.rgbw).bit_identical());
  EXPECT_EQ(whole.rays, by_tiles.rays);

  auto split = plan_render_job(s, {16.0 * 16 * 2 / o.target_seconds}, o);  // two samples per subtask
  ASSERT_TRUE(split.is_ok());
  ASSERT_EQ(split->size(), 18u);
  AccumBuffer by_ranges = render_plan(*scene, s, *split);
  EXPECT_EQ(whole.rays, by_ranges.rays);
  for (size_t i = 0; i < whole.rgbw.size(); ++i) {
    EXPECT_NEAR(by_ranges.rgbw[i], whole.rgbw[i], 1e-5f * std::max(1.0f, std::fabs(whole.rgbw[i]))) << i;
  }
  AccumBuffer again = render_plan(*scene, s, *split);
  EXPECT_TRUE(verifier::compare_floats(by_ranges.rgbw, again.rgbw).bit_identical());
}

}  // namespace
