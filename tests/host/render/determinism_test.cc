// Bit-identical rendering: across backends, across tilings and across sample-range splits.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "host/render/procedural.h"
#include "tests/host/render/render_support.h"
#include "verifier/image_metrics.h"

namespace {

using namespace strata;
using namespace strata::render;

Scene demo_scene() {
  auto scene = load_scene(strata::tests::source_dir() + "/scenes/demo.gltf");
  EXPECT_TRUE(scene.is_ok()) << scene.status().to_string();
  return scene.is_ok() ? std::move(scene.value()) : Scene{};
}

RenderSettings small_settings() {
  RenderSettings s;
  s.width = 48;
  s.height = 36;
  s.spp = 4;
  s.seed = 1234;
  return s;
}

// The demo scene exercises textures, metals, triangle and punctual lights.
TEST(Determinism, EveryBackendMatchesTheCpuBitForBit) {
  Scene scene = demo_scene();
  RenderSettings s = small_settings();
  AccumBuffer ref = tests::render_on("cpu:0", scene, s);
  ASSERT_FALSE(ref.rgbw.empty());
  for (const std::string& id : tests::test_device_ids()) {
    if (id == "cpu:0") continue;
    AccumBuffer got = tests::render_on(id, scene, s);
    auto cmp = verifier::compare_floats(ref.rgbw, got.rgbw);
    EXPECT_TRUE(cmp.bit_identical()) << id << ": " << cmp.differing << " of " << cmp.count
                                     << " values differ, first at " << cmp.first_difference
                                     << ", max error " << cmp.max_abs_error;
    EXPECT_EQ(ref.rays, got.rays) << id;
  }
}

TEST(Determinism, DifferentSeedsGiveDifferentImages) {
  Scene scene = demo_scene();
  RenderSettings s = small_settings();
  AccumBuffer a = tests::render_on("cpu:0", scene, s);
  s.seed = 99;
  AccumBuffer b = tests::render_on("cpu:0", scene, s);
  EXPECT_GT(verifier::compare_floats(a.rgbw, b.rgbw).differing, a.rgbw.size() / 2);
}

// A random crop rendered alone equals the same pixels of the full render, and splitting the
// sample range over several launches changes nothing, on every backend.
TEST(Determinism, CropsAndSampleSplitsReproduceTheFullRender) {
  Scene scene = demo_scene();
  RenderSettings s = small_settings();
  AccumBuffer full = tests::render_on("cpu:0", scene, s);
  ASSERT_FALSE(full.rgbw.empty());
  auto gpu = build_scene_gpu(scene);
  ASSERT_TRUE(gpu.is_ok());
  std::mt19937 rng(7);
  for (const std::string& id : tests::test_device_ids()) {
    auto device = tests::open_or_die(id);
    ASSERT_TRUE(device);
    auto renderer = Renderer::create(*device, *gpu, *scene.camera);
    ASSERT_TRUE(renderer.is_ok());
    for (int trial = 0; trial < 3; ++trial) {
      TileRect crop;
      crop.w = 1 + rng() % 12;
      crop.h = 1 + rng() % 12;
      crop.x = rng() % (s.width - crop.w + 1);
      crop.y = rng() % (s.height - crop.h + 1);
      AccumBuffer part = AccumBuffer::for_rect(crop);
      // Samples 0..s.spp in two launches of uneven size.
      uint32_t split = 1 + rng() % (s.spp - 1);
      ASSERT_TRUE((*renderer)->render(s, crop, 0, split, part).is_ok());
      ASSERT_TRUE((*renderer)->render(s, crop, split, s.spp - split, part).is_ok());
      for (uint32_t y = 0; y < crop.h; ++y) {
        const float* want = &full.rgbw[((size_t(crop.y) + y) * s.width + crop.x) * 4];
        const float* got = &part.rgbw[size_t(y) * crop.w * 4];
        ASSERT_EQ(std::memcmp(want, got, crop.w * 4 * sizeof(float)), 0)
            << id << ": crop " << crop.w << "x" << crop.h << " at (" << crop.x << "," << crop.y << ") row " << y;
      }
    }
  }
}

TEST(Determinism, MergingTilesEqualsTheFullImage) {
  Scene scene = demo_scene();
  RenderSettings s = small_settings();
  AccumBuffer full = tests::render_on("cpu:0", scene, s);
  auto gpu = build_scene_gpu(scene);
  ASSERT_TRUE(gpu.is_ok());
  auto device = tests::open_or_die("cpu:0");
  auto renderer = Renderer::create(*device, *gpu, *scene.camera);
  ASSERT_TRUE(renderer.is_ok());
  AccumBuffer merged = AccumBuffer::for_rect({0, 0, s.width, s.height});
  for (uint32_t y = 0; y < s.height; y += 16)
    for (uint32_t x = 0; x < s.width; x += 16) {
      TileRect t{x, y, std::min(16u, s.width - x), std::min(16u, s.height - y)};
      AccumBuffer tile = AccumBuffer::for_rect(t);
      ASSERT_TRUE((*renderer)->render(s, t, 0, s.spp, tile).is_ok());
      ASSERT_TRUE(merged.merge(tile).is_ok());
    }
  EXPECT_TRUE(verifier::compare_floats(full.rgbw, merged.rgbw).bit_identical());
  AccumBuffer outside = AccumBuffer::for_rect({40, 30, 16, 16});
  EXPECT_EQ(merged.merge(outside).code(), StatusCode::kInvalidArgument);
}

TEST(Determinism, RendererRejectsBadTilesAndSettings) {
  Scene scene = demo_scene();
  auto gpu = build_scene_gpu(scene);
  ASSERT_TRUE(gpu.is_ok());
  auto device = tests::open_or_die("cpu:0");
  auto renderer = Renderer::create(*device, *gpu, *scene.camera);
  ASSERT_TRUE(renderer.is_ok());
  RenderSettings s = small_settings();
  AccumBuffer a = AccumBuffer::for_rect({40, 30, 16, 16});
  Status outside = (*renderer)->render(s, {40, 30, 16, 16}, 0, 1, a);
  EXPECT_EQ(outside.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(outside.message().find("outside"), std::string::npos);
  AccumBuffer b = AccumBuffer::for_rect({0, 0, 8, 8});
  EXPECT_EQ((*renderer)->render(s, {0, 0, 4, 4}, 0, 1, b).code(), StatusCode::kInvalidArgument);
  s.spp = 0;
  EXPECT_EQ(check_settings(s).code(), StatusCode::kInvalidArgument);
  s.spp = 1;
  s.width = 0;
  EXPECT_EQ(check_settings(s).code(), StatusCode::kInvalidArgument);
}

// Scattered pixels rendered as a list (the spot check's one launch per piece) have the bits the
// same pixels have in a tile render with the same pieces, on every backend.
TEST(Determinism, PixelListsMatchTheTileRender) {
  Scene scene = demo_scene();
  RenderSettings s = small_settings();
  auto gpu = build_scene_gpu(scene);
  ASSERT_TRUE(gpu.is_ok());
  TileRect tile{0, 0, s.width, s.height};
  std::vector<std::array<uint32_t, 2>> pixels = {{0, 0}, {47, 35}, {13, 20}, {30, 2}, {13, 20}};
  for (const std::string& id : tests::test_device_ids()) {
    auto device = tests::open_or_die(id);
    ASSERT_TRUE(device);
    auto renderer = Renderer::create(*device, *gpu, *scene.camera);
    ASSERT_TRUE(renderer.is_ok());
    for (uint32_t pieces : {1u, 3u}) {
      AccumBuffer whole = AccumBuffer::for_rect(tile);
      ASSERT_TRUE((*renderer)->render_pieces(s, tile, 1, 5, pieces, whole).is_ok());
      auto list = (*renderer)->render_pixels(s, pixels, 1, 5, pieces);
      ASSERT_TRUE(list.is_ok()) << list.status().to_string();
      ASSERT_EQ(list->rays.size(), pixels.size());
      for (size_t i = 0; i < pixels.size(); ++i) {
        size_t p = size_t(pixels[i][1]) * s.width + pixels[i][0];
        EXPECT_EQ(std::memcmp(&whole.rgbw[p * 4], &list->rgbw[i * 4], 4 * sizeof(float)), 0) << id << " pixel " << i;
        EXPECT_EQ(whole.rays[p], list->rays[i]) << id << " pixel " << i;
      }
    }
    std::vector<std::array<uint32_t, 2>> outside = {{48, 0}};
    auto bad = (*renderer)->render_pixels(s, outside, 0, 4, 1);
    ASSERT_FALSE(bad.is_ok());
    EXPECT_NE(bad.status().message().find("pixel (48, 0) is outside the 48x36 image"), std::string::npos);
    EXPECT_FALSE((*renderer)->render_pixels(s, {}, 0, 4, 1).is_ok());
    EXPECT_FALSE((*renderer)->render_pixels(s, pixels, 0, 2, 3).is_ok());
  }
}

}  // namespace
