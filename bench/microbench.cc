// Micro-benchmarks: BVH construction and single-pass rendering on the cpu backend.
#include <benchmark/benchmark.h>

#include "host/device.h"
#include "host/render/bvh.h"
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

}  // namespace

BENCHMARK_MAIN();
