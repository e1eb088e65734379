// The render verifier's cost and catch rate on a realistic plan: a 512x512 job of the demo scene at
// 64 spp, planned for this device's speed with the requestor's defaults (2-second subtasks, so
// 256x256 tiles over ranges of samples). For each of the first subtasks it renders the subtask,
// spot-checks the honest result (the pixels checked follow from a 99% catch rate for results with
// 1% of their pixels wrong), and then checks results with 1% of their pixels altered many times
// over, each time with fresh random pixels. It reports the verification cost, as work (pixel-samples
// re-rendered over the subtask's) and as time (check over render, same device), and the share of
// altered results caught. --pieces P renders and checks the subtasks cut into P sample pieces, as
// for a job with a rig whose devices share subtasks (each checked pixel is then P launches).
//
//   verify_bench [--device cpu] [--subtasks N] [--trials T] [--size WxH] [--spp N] [--catch-rate C] [--bad-fraction F]
//                [--pieces P]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "bench/bench_support.h"
#include "host/render/job_plan.h"
#include "host/render/renderer.h"
#include "verifier/render_check.h"

namespace {

using namespace strata;
using Clock = std::chrono::steady_clock;

void die(const std::string& what) {
  std::fprintf(stderr, "verify_bench: %s\n", what.c_str());
  std::exit(1);
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  std::string device_id = "cpu";
  int subtasks = 4, trials = 200;
  uint32_t width = 512, height = 512, spp = 64;
  double catch_rate = 0.99, bad_fraction = 0.01;
  uint32_t pieces = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--device") device_id = value();
    else if (a == "--subtasks") subtasks = std::stoi(value());
    else if (a == "--trials") trials = std::stoi(value());
    else if (a == "--size") {
      if (std::sscanf(value().c_str(), "%ux%u", &width, &height) != 2) die("--size must be WxH");
    } else if (a == "--spp") spp = static_cast<uint32_t>(std::stoul(value()));
    else if (a == "--catch-rate") catch_rate = std::stod(value());
    else if (a == "--bad-fraction") bad_fraction = std::stod(value());
    else if (a == "--pieces") pieces = static_cast<uint32_t>(std::stoul(value()));
    else die("unknown argument " + a);
  }
  auto scene = render::prepare_scene(bench::demo_scene_path());
  if (!scene.is_ok()) die(scene.status().to_string());
  auto device = open_device(device_id);
  if (!device.is_ok()) die(device.status().to_string());
  auto renderer = render::Renderer::create(**device, scene->gpu, scene->camera);
  if (!renderer.is_ok()) die(renderer.status().to_string());
  render::RenderSettings settings;
  settings.width = width;
  settings.height = height;
  settings.spp = spp;
  settings.seed = 1;

  // This device's speed on the scene, for the plan, as an offer would state it.
  render::AccumBuffer probe = render::AccumBuffer::for_rect({0, 0, 128, 128});
  (void)(*renderer)->render(settings, probe.rect, 0, 1, probe);
  auto t0 = Clock::now();
  (void)(*renderer)->render(settings, probe.rect, 1, 8, probe);
  double speed = 128.0 * 128 * 8 / seconds_since(t0);
  auto plan = render::plan_render_job(settings, {speed}, render::PlanOptions{});
  if (!plan.is_ok()) die(plan.status().to_string());
  std::printf("device %s, %.3g samples/s; %ux%u at %u spp in %zu subtasks of %ux%u pixels x %u samples in %u piece(s)\n",
              device_id.c_str(), speed, width, height, spp, plan->size(), (*plan)[0].tile.w, (*plan)[0].tile.h,
              (*plan)[0].sample_count, pieces);

  double render_s = 0, check_s = 0;
  uint64_t work = 0, checked = 0;
  int caught = 0, tried = 0;
  std::mt19937_64 rng(7);
  for (int i = 0; i < subtasks && i < int(plan->size()); ++i) {
    const render::Subtask& s = (*plan)[i];
    render::AccumBuffer honest = render::AccumBuffer::for_rect(s.tile);
    auto t = Clock::now();
    uint32_t cut = std::min(pieces, s.sample_count);
    if (Status st = (*renderer)->render_pieces(settings, s.tile, s.sample_begin, s.sample_count, cut, honest); !st.is_ok()) {
      die(st.to_string());
    }
    render_s += seconds_since(t);
    work += s.work();
    uint64_t pixels = uint64_t(s.tile.w) * s.tile.h;
    uint32_t n = verifier::pixels_to_check(catch_rate, bad_fraction, pixels);
    t = Clock::now();
    auto v = verifier::spot_check_render(**renderer, settings, honest, s.sample_begin, s.sample_count, cut, n, rng());
    check_s += seconds_since(t);
    if (!v.is_ok()) die(v.status().to_string());
    if (!v->passed) die("an honest result failed its check: " + v->reason);
    checked += v->work_checked;
    // Results with bad_fraction of their pixels altered by one unit in the last place.
    uint64_t bad = static_cast<uint64_t>(std::ceil(bad_fraction * double(pixels)));
    for (int k = 0; k < trials; ++k) {
      render::AccumBuffer altered = honest;
      std::vector<uint32_t> order(pixels);
      for (uint32_t p = 0; p < pixels; ++p) order[p] = p;
      for (uint64_t b = 0; b < bad; ++b) {
        std::swap(order[b], order[b + rng() % (pixels - b)]);
        altered.rgbw[size_t(order[b]) * 4] = std::nextafter(altered.rgbw[size_t(order[b]) * 4], 1e30f);
      }
      auto c = verifier::spot_check_render(**renderer, settings, altered, s.sample_begin, s.sample_count, cut, n, rng());
      if (!c.is_ok()) die(c.status().to_string());
      ++tried;
      caught += c->passed ? 0 : 1;
    }
  }
  std::printf("checking %u of each subtask's pixels for a %.0f%% catch rate of results with %.0f%% of their pixels wrong:\n",
              verifier::pixels_to_check(catch_rate, bad_fraction, uint64_t((*plan)[0].tile.w) * (*plan)[0].tile.h),
              catch_rate * 100, bad_fraction * 100);
  std::printf("  verification cost %.2f%% of the work (pixel-samples), %.2f%% of the render time\n", 100.0 * checked / work,
              100.0 * check_s / render_s);
  std::printf("  caught %d of %d altered results (%.2f%%)\n", caught, tried, 100.0 * caught / std::max(1, tried));
  return 0;
}
