// Micro-benchmarks: BVH construction and single-pass rendering on the cpu backend, and what
// cutting a subtask's samples into pieces costs, on one device and shared by two.
#include <benchmark/benchmark.h>

#include "host/device.h"
#include "host/device_peers.h"
#include "host/render/bvh.h"
#include "host/render/multi_device.h"
#include "host/render/procedural.h"
#include "host/render/renderer.h"

namespace {

void BM_BvhBuild(benchmark::State& state) {
  strata::render::Scene scene = strata::render::make_bench_scene(static_cast<uint32_t>(state.range(0)));
  for (auto _ : state) {
    auto bvh = strata::render::build_bvh(scene.vertices);
    benchmark::DoNotOptimize(bvh.nodes.data());
  }
  state.SetItemsProcessed(state.iterations() * scene.triangle_count());
}
BENCHMARK(BM_BvhBuild)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_RenderCpu(benchmark::State& state) {
  strata::render::Scene scene = strata::render::make_bench_scene(static_cast<uint32_t>(state.range(0)));
  auto gpu = strata::render::build_scene_gpu(scene);
  auto device = strata::open_device("cpu");
  auto renderer = strata::render::Renderer::create(**device, *gpu, *scene.camera);
  strata::render::RenderSettings s;
  s.width = 128;
  s.height = 96;
  s.spp = 1;
  uint64_t rays = 0;
  for (auto _ : state) {
    auto accum = (*renderer)->render_image(s);
    rays += accum->total_rays();
  }
  state.counters["rays/s"] = benchmark::Counter(static_cast<double>(rays), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RenderCpu)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

// Times one 64x64 tile's 32 samples cut into range(0) pieces, rendered by
// render(settings, tile, pieces, accum) on a 10k-triangle scene.
template <typename Render>
void time_tile_pieces(benchmark::State& state, Render&& render) {
  strata::render::RenderSettings s;
  s.width = s.height = 64;
  strata::render::TileRect tile{0, 0, 64, 64};
  uint32_t pieces = static_cast<uint32_t>(state.range(0));
  for (auto _ : state) {
    auto accum = strata::render::AccumBuffer::for_rect(tile);
    if (!render(s, tile, pieces, accum).is_ok()) state.SkipWithError("render failed");
    benchmark::DoNotOptimize(accum.rgbw.data());
  }
  state.SetItemsProcessed(state.iterations() * 64 * 64 * 32);
}

const strata::render::Scene& pieces_scene() {
  static const strata::render::Scene scene = strata::render::make_bench_scene(10000);
  return scene;
}

// On one cpu device: each piece is its own upload, launch and download plus a host-side sum,
// against one running sum.
void BM_TilePieces(benchmark::State& state) {
  auto gpu = strata::render::build_scene_gpu(pieces_scene());
  auto device = strata::open_device("cpu");
  auto renderer = strata::render::Renderer::create(**device, *gpu, *pieces_scene().camera);
  time_tile_pieces(state, [&](auto& s, auto tile, uint32_t pieces, auto& accum) {
    return (*renderer)->render_pieces(s, tile, 0, 32, pieces, accum);
  });
}
BENCHMARK(BM_TilePieces)->Arg(1)->Arg(4)->Arg(16)->UseRealTime()->Unit(benchmark::kMillisecond);

// Shared by two cpu devices (host transfers, sum on the first): the cost of the transfers and
// the sum over one device rendering the same pieces.
void BM_SharedSamplesTwoCpuDevices(benchmark::State& state) {
  auto gpu = strata::render::build_scene_gpu(pieces_scene());
  auto a = strata::open_device("cpu");
  auto b = strata::open_device("cpu");
  auto peers = strata::DevicePeers::create({a->get(), b->get()});
  auto multi = strata::render::MultiDeviceRenderer::create(**peers, {1.0, 1.0}, *gpu, *pieces_scene().camera);
  time_tile_pieces(state, [&](auto& s, auto tile, uint32_t pieces, auto& accum) {
    return (*multi)->render(s, tile, 0, 32, pieces, accum);
  });
}
BENCHMARK(BM_SharedSamplesTwoCpuDevices)->Arg(2)->Arg(4)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
