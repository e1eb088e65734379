// The render spot check: honest results pass, on the backend that made them and on another;
// noise, fewer samples than agreed, another seed, another tile's result and a result with 1% of
// its pixels altered are caught, the last at the rate the chosen number of checked pixels
// promises.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "host/render/renderer.h"
#include "tests/test_support.h"
#include "compute/render/family.h"
#include "compute/render/messages.h"
#include "verifier/family.h"
#include "verifier/render_check.h"

namespace {

using namespace strata;
using namespace strata::verifier;

struct Fixture {
  render::PreparedScene scene;
  std::unique_ptr<Device> device;
  std::unique_ptr<render::Renderer> renderer;
  render::RenderSettings settings;
};

Fixture make(const std::string& device_id = "cpu") {
  Fixture f;
  auto scene = render::prepare_scene(tests::source_dir() + "/scenes/demo.gltf");
  EXPECT_TRUE(scene.is_ok());
  f.scene = std::move(*scene);
  f.device = tests::open_or_die(device_id);
  auto r = render::Renderer::create(*f.device, f.scene.gpu, f.scene.camera);
  EXPECT_TRUE(r.is_ok());
  f.renderer = std::move(*r);
  f.settings.width = 160;
  f.settings.height = 120;
  f.settings.seed = 5;
  return f;
}

render::AccumBuffer render_tile(Fixture& f, render::TileRect tile, uint32_t begin, uint32_t count,
                                const render::RenderSettings* settings = nullptr) {
  render::AccumBuffer a = render::AccumBuffer::for_rect(tile);
  EXPECT_TRUE(f.renderer->render(settings ? *settings : f.settings, tile, begin, count, a).is_ok());
  return a;
}

const render::TileRect kTile{48, 40, 64, 32};  // 2048 pixels, over the lit box

Verdict check(Fixture& f, const render::AccumBuffer& claimed, uint32_t pixels, uint64_t seed) {
  auto v = spot_check_render(*f.renderer, f.settings, claimed, 8, 4, 1, pixels, seed);
  EXPECT_TRUE(v.is_ok()) << v.status().to_string();
  return *v;
}

// A result whose samples were cut into pieces (shared across a rig's devices) passes when it is
// checked with its pieces, on another backend too; a result summed as one piece but claiming
// three is caught, since the pieces round differently.
TEST(RenderCheck, ResultsInPiecesAreCheckedWithTheirPieces) {
  Fixture cpu = make("cpu");
  Fixture opencl = make("opencl");
  render::AccumBuffer pieces = render::AccumBuffer::for_rect(kTile);
  ASSERT_TRUE(opencl.renderer->render_pieces(opencl.settings, kTile, 8, 12, 3, pieces).is_ok());
  auto v = spot_check_render(*cpu.renderer, cpu.settings, pieces, 8, 12, 3, 2048, 3);
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_TRUE(v->passed) << v->reason;
  EXPECT_EQ(v->work_checked, 2048u * 12);
  render::AccumBuffer one_piece = render_tile(cpu, kTile, 8, 12);
  auto caught = spot_check_render(*cpu.renderer, cpu.settings, one_piece, 8, 12, 3, 2048, 3);
  ASSERT_TRUE(caught.is_ok());
  EXPECT_FALSE(caught->passed);
  auto bad = spot_check_render(*cpu.renderer, cpu.settings, pieces, 8, 12, 13, 10, 3);
  EXPECT_FALSE(bad.is_ok());  // more pieces than samples
}

TEST(RenderCheck, PixelsToCheckFollowFromTheCatchRate) {
  EXPECT_EQ(pixels_to_check(0.99, 0.01, 65536), 459u);  // (1 - 0.01)^459 < 0.01 < 0.99^458
  EXPECT_LE(std::pow(0.99, 459), 0.01);
  EXPECT_GT(std::pow(0.99, 458), 0.01);
  EXPECT_EQ(pixels_to_check(0.99, 0.01, 300), 300u);  // small tiles: every pixel
  EXPECT_EQ(pixels_to_check(0.9, 0.5, 1000), 4u);
  EXPECT_EQ(pixels_to_check(1.0, 0.01, 1000), 1000u);
  EXPECT_EQ(pixels_to_check(0.99, 1.0, 1000), 1u);
  EXPECT_EQ(pixels_to_check(0.99, 0.01, 0), 0u);
}

TEST(RenderCheck, HonestResultsPassOnAnyBackend) {
  Fixture cpu = make("cpu");
  render::AccumBuffer honest = render_tile(cpu, kTile, 8, 4);
  Verdict v = check(cpu, honest, 459, 1);
  EXPECT_TRUE(v.passed) << v.reason;
  EXPECT_EQ(v.work_checked, 459u * 4);
  // A result from the opencl backend, checked on the cpu backend, every pixel.
  Fixture opencl = make("opencl");
  render::AccumBuffer other = render_tile(opencl, kTile, 8, 4);
  Verdict all = check(cpu, other, 2048, 2);
  EXPECT_TRUE(all.passed) << all.reason;
}

TEST(RenderCheck, DishonestResultsAreCaught) {
  Fixture f = make();
  render::AccumBuffer honest = render_tile(f, kTile, 8, 4);
  // Noise with the right sample counts.
  render::AccumBuffer noise = honest;
  std::mt19937 rng(4);
  for (size_t i = 0; i < noise.rgbw.size(); ++i) {
    if (i % 4 != 3) noise.rgbw[i] = std::uniform_real_distribution<float>(0, 4)(rng);
  }
  EXPECT_FALSE(check(f, noise, 8, 3).passed);
  // Half the samples, scaled to look like all of them.
  render::AccumBuffer fewer = render_tile(f, kTile, 8, 2);
  for (size_t i = 0; i < fewer.rgbw.size(); ++i) fewer.rgbw[i] *= 2;
  EXPECT_FALSE(check(f, fewer, 8, 4).passed);
  // A correct render under another seed.
  render::RenderSettings other_seed = f.settings;
  other_seed.seed = 6;
  EXPECT_FALSE(check(f, render_tile(f, kTile, 8, 4, &other_seed), 8, 5).passed);
  // Another tile's result, passed off as this one's.
  render::AccumBuffer reused = render_tile(f, {16, 16, 64, 32}, 8, 4);
  reused.rect = kTile;
  EXPECT_FALSE(check(f, reused, 8, 6).passed);
  // A different sample range of the right tile.
  EXPECT_FALSE(check(f, render_tile(f, kTile, 12, 4), 8, 7).passed);
}

// 1% of the pixels (21 of 2048) nudged by one unit in the last place: checking
// pixels_to_check(0.99, 0.01, 2048) = 459 pixels must catch at least 99% of such results.
TEST(RenderCheck, OnePercentAlteredIsCaughtAtThePromisedRate) {
  Fixture f = make();
  render::AccumBuffer honest = render_tile(f, kTile, 8, 4);
  uint32_t n = pixels_to_check(0.99, 0.01, 2048);
  ASSERT_EQ(n, 459u);
  const int trials = 60;
  int caught = 0;
  std::mt19937 rng(11);
  for (int t = 0; t < trials; ++t) {
    render::AccumBuffer altered = honest;
    std::vector<uint32_t> all(2048);
    for (uint32_t i = 0; i < 2048; ++i) all[i] = i;
    std::shuffle(all.begin(), all.end(), rng);
    for (int k = 0; k < 21; ++k) altered.rgbw[size_t(all[k]) * 4] = std::nextafter(altered.rgbw[size_t(all[k]) * 4], 1e9f);
    caught += check(f, altered, n, 1000 + t).passed ? 0 : 1;
  }
  std::printf("caught %d of %d results with 1%% of their pixels altered, checking %u of 2048 pixels\n", caught, trials, n);
  // At 99% per result, missing more than 2 of 60 has probability under 2.5%; with the fixed seeds
  // here the outcome is the same on every run.
  EXPECT_GE(caught, trials - 2);
}

}  // namespace

namespace {

// The family interface over encoded messages, as the requestor uses it.
TEST(RenderCheck, FamilyVerifierTakesTheWireMessages) {
  Fixture f = make();
  compute::RenderTask task;
  task.job_id = "job-1";
  task.width = f.settings.width;
  task.height = f.settings.height;
  task.tile = kTile;
  task.sample_begin = 8;
  task.sample_count = 4;
  task.seed = f.settings.seed;
  task.subtask = 3;
  compute::RenderResult result{"job-1", 3, 8, 4, render_tile(f, kTile, 8, 4)};
  auto verifier = compute::make_render_verifier(*f.renderer, {});
  auto v = verifier->verify(encode(task), encode(result), 9);
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_TRUE(v->passed) << v->reason;
  EXPECT_EQ(v->work_checked, 459u * 4);
  compute::RenderResult other = result;
  other.subtask = 4;
  v = verifier->verify(encode(task), encode(other), 9);
  ASSERT_TRUE(v.is_ok());
  EXPECT_FALSE(v->passed);
  EXPECT_NE(v->reason.find("another subtask"), std::string::npos) << v->reason;
  std::vector<uint8_t> junk(64, 1);
  v = verifier->verify(encode(task), junk, 9);
  ASSERT_TRUE(v.is_ok());
  EXPECT_FALSE(v->passed);
  EXPECT_FALSE(verifier->verify(junk, encode(result), 9).is_ok());
}

}  // namespace
