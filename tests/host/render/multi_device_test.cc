// Sharing one subtask's samples across devices: the pieces of the sample range, how they are
// dealt out, and the sum on the first device, which must equal one device rendering the same
// pieces bit for bit (the verifier re-renders on one device).
#include <gtest/gtest.h>

#include <cstring>

#include "host/backends.h"
#include "host/render/multi_device.h"
#include "host/render/procedural.h"
#include "tests/host/render/render_support.h"

namespace {

using namespace strata;
using namespace strata::render;

TEST(SamplePieces, CutTheRangeIntoNearEqualConsecutivePieces) {
  EXPECT_EQ(sample_pieces(10, 7, 3), (std::vector<SampleRange>{{10, 3}, {13, 2}, {15, 2}}));
  EXPECT_EQ(sample_pieces(0, 8, 1), (std::vector<SampleRange>{{0, 8}}));
  EXPECT_EQ(sample_pieces(5, 4, 4), (std::vector<SampleRange>{{5, 1}, {6, 1}, {7, 1}, {8, 1}}));
  EXPECT_TRUE(check_sample_pieces(7, 3).is_ok());
  Status none = check_sample_pieces(7, 0);
  EXPECT_FALSE(none.is_ok());
  EXPECT_NE(none.message().find("cannot be cut into 0 pieces"), std::string::npos) << none.message();
  EXPECT_FALSE(check_sample_pieces(4, 5).is_ok());  // more pieces than samples
  EXPECT_FALSE(check_sample_pieces(1000, kMaxSamplePieces + 1).is_ok());
}

TEST(SamplePieces, DealtToDevicesByTheirSpeed) {
  EXPECT_EQ(MultiDeviceRenderer::deal_pieces(4, {1, 1}), (std::vector<size_t>{0, 0, 1, 1}));
  EXPECT_EQ(MultiDeviceRenderer::deal_pieces(4, {3, 1}), (std::vector<size_t>{0, 0, 0, 1}));
  EXPECT_EQ(MultiDeviceRenderer::deal_pieces(5, {1, 4}), (std::vector<size_t>{0, 1, 1, 1, 1}));
  EXPECT_EQ(MultiDeviceRenderer::deal_pieces(1, {1, 1, 1}), (std::vector<size_t>{0}));
  EXPECT_EQ(MultiDeviceRenderer::deal_pieces(3, {2, 1, 1}).size(), 3u);
}

struct Fixture {
  Scene scene = make_bench_scene(500);
  SceneGpu gpu;
  RenderSettings settings;
  TileRect tile{5, 3, 13, 9};
  Fixture() {
    auto g = build_scene_gpu(scene);
    EXPECT_TRUE(g.is_ok());
    if (g.is_ok()) gpu = std::move(*g);
    settings.width = 24;
    settings.height = 16;
    settings.seed = 4242;
  }
  Camera camera() const { return scene.camera ? *scene.camera : default_camera(scene); }
};

bool same_bits(const AccumBuffer& a, const AccumBuffer& b) {
  return a.rgbw.size() == b.rgbw.size() && std::memcmp(a.rgbw.data(), b.rgbw.data(), a.rgbw.size() * sizeof(float)) == 0 &&
         a.rays == b.rays;
}

// render_pieces is each piece rendered from zero, the pieces added in order; with one piece it is
// render(), and with several it stays within rounding of it.
TEST(SamplePieces, RenderPiecesIsTheOrderedSumOfThePieces) {
  Fixture f;
  auto device = tests::open_or_die("cpu:0");
  ASSERT_TRUE(device);
  auto renderer = Renderer::create(*device, f.gpu, f.camera());
  ASSERT_TRUE(renderer.is_ok()) << renderer.status().to_string();
  AccumBuffer whole = AccumBuffer::for_rect(f.tile);
  ASSERT_TRUE((*renderer)->render(f.settings, f.tile, 3, 10, whole).is_ok());
  AccumBuffer one = AccumBuffer::for_rect(f.tile);
  ASSERT_TRUE((*renderer)->render_pieces(f.settings, f.tile, 3, 10, 1, one).is_ok());
  EXPECT_TRUE(same_bits(whole, one));

  AccumBuffer three = AccumBuffer::for_rect(f.tile);
  ASSERT_TRUE((*renderer)->render_pieces(f.settings, f.tile, 3, 10, 3, three).is_ok());
  // The reference: samples 3-6, 7-9 and 10-12, each from zero, added in that order.
  std::vector<AccumBuffer> parts;
  for (auto [begin, count] : std::vector<std::pair<uint32_t, uint32_t>>{{3, 4}, {7, 3}, {10, 3}}) {
    parts.push_back(AccumBuffer::for_rect(f.tile));
    ASSERT_TRUE((*renderer)->render(f.settings, f.tile, begin, count, parts.back()).is_ok());
  }
  size_t rounded_apart = 0;
  for (size_t i = 0; i < three.rgbw.size(); ++i) {
    float want = (parts[0].rgbw[i] + parts[1].rgbw[i]) + parts[2].rgbw[i];
    ASSERT_EQ(std::memcmp(&want, &three.rgbw[i], sizeof want), 0) << "value " << i;
    EXPECT_NEAR(three.rgbw[i], whole.rgbw[i], 1e-4f * std::max(1.0f, std::fabs(whole.rgbw[i])));
    rounded_apart += three.rgbw[i] != whole.rgbw[i];
  }
  for (size_t p = 0; p < three.rays.size(); ++p) EXPECT_EQ(three.rays[p], parts[0].rays[p] + parts[1].rays[p] + parts[2].rays[p]);
  EXPECT_EQ(three.rays, whole.rays);
  // Not a vacuous check: adding in pieces does round differently from one running sum somewhere.
  EXPECT_GT(rounded_apart, 0u);

  AccumBuffer bad = AccumBuffer::for_rect(f.tile);
  Status too_many = (*renderer)->render_pieces(f.settings, f.tile, 0, 2, 3, bad);
  EXPECT_FALSE(too_many.is_ok());
}

// Devices of different backends sharing the samples give, through the first device's sum, the
// bits of one cpu device rendering the same pieces, however the pieces are dealt.
TEST(MultiDevice, SharedSamplesEqualOneDeviceBitForBit) {
  Fixture f;
  std::vector<std::unique_ptr<Device>> owned;
  for (const std::string& id : tests::test_device_ids()) owned.push_back(tests::open_or_die(id));
  owned.push_back(tests::open_or_die("cpu:0"));  // a second cpu device: at least two of them
  std::vector<Device*> devices;
  for (auto& d : owned) {
    ASSERT_TRUE(d);
    devices.push_back(d.get());
  }
  auto reference_device = tests::open_or_die("cpu:0");
  auto reference = Renderer::create(*reference_device, f.gpu, f.camera());
  ASSERT_TRUE(reference.is_ok());
  // Rotations put each backend first: the sum runs on each of them.
  for (size_t first = 0; first < devices.size(); ++first) {
    std::vector<Device*> order;
    for (size_t i = 0; i < devices.size(); ++i) order.push_back(devices[(first + i) % devices.size()]);
    auto peers = DevicePeers::create(order);
    ASSERT_TRUE(peers.is_ok()) << peers.status().to_string();
    EXPECT_EQ((*peers)->method().substr(0, 4), "host");
    std::vector<double> speeds(order.size(), 1.0);
    speeds[0] = 3.0;
    auto multi = MultiDeviceRenderer::create(**peers, speeds, f.gpu, f.camera());
    ASSERT_TRUE(multi.is_ok()) << multi.status().to_string();
    for (uint32_t pieces : {1u, 2u, 3u, 5u, 8u}) {
      AccumBuffer want = AccumBuffer::for_rect(f.tile);
      ASSERT_TRUE((*reference)->render_pieces(f.settings, f.tile, 2, 9, pieces, want).is_ok());
      AccumBuffer got = AccumBuffer::for_rect(f.tile);
      Status s = (*multi)->render(f.settings, f.tile, 2, 9, pieces, got);
      ASSERT_TRUE(s.is_ok()) << s.to_string();
      EXPECT_TRUE(same_bits(want, got)) << pieces << " pieces, " << order[0]->info().id() << " first";
    }
  }
}

TEST(MultiDevice, BadArgumentsAreClearErrors) {
  Fixture f;
  auto a = tests::open_or_die("cpu:0");
  auto b = tests::open_or_die("cpu:0");
  auto peers = DevicePeers::create({a.get(), b.get()});
  ASSERT_TRUE(peers.is_ok());
  auto wrong_speeds = MultiDeviceRenderer::create(**peers, {1.0}, f.gpu, f.camera());
  ASSERT_FALSE(wrong_speeds.is_ok());
  EXPECT_NE(wrong_speeds.status().message().find("1 speeds for 2 devices"), std::string::npos);
  EXPECT_FALSE(MultiDeviceRenderer::create(**peers, {1.0, 0.0}, f.gpu, f.camera()).is_ok());
  auto multi = MultiDeviceRenderer::create(**peers, {1.0, 1.0}, f.gpu, f.camera());
  ASSERT_TRUE(multi.is_ok());
  AccumBuffer accum = AccumBuffer::for_rect(f.tile);
  EXPECT_FALSE((*multi)->render(f.settings, f.tile, 0, 4, 0, accum).is_ok());
  EXPECT_FALSE((*multi)->render(f.settings, TileRect{20, 0, 8, 8}, 0, 4, 2, accum).is_ok());  // outside the image
  AccumBuffer wrong = AccumBuffer::for_rect(TileRect{0, 0, 2, 2});
  EXPECT_FALSE((*multi)->render(f.settings, f.tile, 0, 4, 2, wrong).is_ok());
  auto buffer = a->allocate(16);
  ASSERT_TRUE(buffer.is_ok());
  DevicePeers::Copy from_first{0, buffer->get(), buffer->get()};
  Status copy = (*peers)->copy_to_first(std::span(&from_first, 1));
  EXPECT_FALSE(copy.is_ok());
  EXPECT_FALSE(DevicePeers::create({}).is_ok());
}

// NCCL between two CUDA GPUs: the transfers must leave the same bits as one device. Needs a rig
// with two GPUs or more.
TEST(MultiDevice, NcclBetweenCudaGpusEqualsOneDevice) {
  auto cuda = backends::cuda_enumerate();
  if (!cuda.available() || cuda.devices.size() < 2) GTEST_SKIP() << "needs two CUDA GPUs";
  Fixture f;
  std::vector<std::unique_ptr<Device>> owned;
  std::vector<Device*> devices;
  for (const DeviceInfo& info : cuda.devices) {
    owned.push_back(tests::open_or_die(info.id()));
    ASSERT_TRUE(owned.back());
    devices.push_back(owned.back().get());
  }
  auto peers = DevicePeers::create(devices);
  ASSERT_TRUE(peers.is_ok()) << peers.status().to_string();
  EXPECT_EQ((*peers)->method(), "nccl");
  auto multi = MultiDeviceRenderer::create(**peers, std::vector<double>(devices.size(), 1.0), f.gpu, f.camera());
  ASSERT_TRUE(multi.is_ok()) << multi.status().to_string();
  auto reference = Renderer::create(*devices[0], f.gpu, f.camera());
  ASSERT_TRUE(reference.is_ok());
  for (uint32_t pieces : {2u, 4u, 7u}) {
    AccumBuffer want = AccumBuffer::for_rect(f.tile), got = AccumBuffer::for_rect(f.tile);
    ASSERT_TRUE((*reference)->render_pieces(f.settings, f.tile, 0, 14, pieces, want).is_ok());
    ASSERT_TRUE((*multi)->render(f.settings, f.tile, 0, 14, pieces, got).is_ok());
    EXPECT_TRUE(same_bits(want, got)) << pieces << " pieces";
  }
}

}  // namespace
