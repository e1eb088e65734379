// The compute layer's scheduling cost: a requestor node and K provider nodes in this process,
// talking over loopback TCP like separate machines, render one job of many small subtasks. It
// reports subtasks dispatched per second and the scheduling overhead, the share of the providers'
// time not spent in kernels: 1 - (kernel time summed over subtasks) / (providers x wall time),
// where the wall time runs from submit to the assembled image (planning, proposals, scene fetch
// and load, result announcements, result fetch and check, assembly, and the tail where some
// providers have nothing left to do, all count as overhead).
//
//   schedule_bench [--providers K] [--subtask-ms 100,10] [--subtasks N] [--device cpu] [--queue Q]
//
// Subtasks are sized from the device's measured speed on the demo scene so that each holds about
// the given kernel time on one provider alone. Providers sharing this machine's cores slow each
// other's kernels, which the overhead figure does not count against scheduling: it compares busy
// kernel time with the time available, whatever the kernels' speed.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "compute/compute_node.h"
#include "compute/scene_package.h"
#include "host/render/renderer.h"
#include "network/clock.h"

namespace {

using namespace strata;
using Clock = std::chrono::steady_clock;

struct Args {
  int providers = 2;
  std::vector<double> subtask_ms{100, 10};
  int subtasks = 48;
  std::string device = "cpu";
  uint32_t queue = 2;
};

std::vector<double> parse_list(const char* text) {
  std::vector<double> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stod(item));
  return out;
}

void die(const std::string& what) {
  std::fprintf(stderr, "schedule_bench: %s\n", what.c_str());
  std::exit(1);
}

// Pixel-samples per second of the device on the demo scene, alone.
double demo_speed(const std::string& scene, const std::string& device_id) {
  auto prepared = render::prepare_scene(scene);
  if (!prepared.is_ok()) die(prepared.status().to_string());
  auto device = open_device(device_id);
  if (!device.is_ok()) die(device.status().to_string());
  auto renderer = render::Renderer::create(**device, prepared->gpu, prepared->camera);
  if (!renderer.is_ok()) die(renderer.status().to_string());
  render::RenderSettings s;
  s.width = s.height = 128;
  render::TileRect tile{0, 0, 128, 128};
  render::AccumBuffer accum = render::AccumBuffer::for_rect(tile);
  (void)(*renderer)->render(s, tile, 0, 1, accum);
  auto start = Clock::now();
  uint64_t samples = 0;
  double seconds = 0;
  for (uint32_t pass = 1; seconds < 0.5; ++pass) {
    if (Status st = (*renderer)->render(s, tile, pass * 2, 2, accum); !st.is_ok()) die(st.to_string());
    samples += 128ull * 128 * 2;
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return samples / seconds;
}

std::unique_ptr<compute::ComputeNode> start_node(const std::string& dir, uint8_t seed, const Args& a, double subtask_ms,
                                                 double speed, bool provide) {
  std::array<uint8_t, 32> key{};
  key.fill(seed);
  compute::ComputeNode::Options o;
  o.data_dir = dir;
  o.storage = false;
  o.families.render.plan.target_seconds = subtask_ms / 1000.0;
  o.families.render.plan.min_tile = 8;
  o.requestor.min_deadline = std::chrono::seconds(120);
  if (provide) {
    auto device = open_device(a.device);
    if (!device.is_ok()) die(device.status().to_string());
    o.provide.push_back(std::move(*device));
    o.provider.score = speed;
    o.provider.queue_per_device = a.queue;
    o.provider.announce_interval = std::chrono::milliseconds(200);
  }
  if (std::getenv("SCHEDULE_BENCH_LOG")) {
    auto log = [seed](const std::string& line) {
      std::fprintf(stderr, "%llu [%u] %s\n", (unsigned long long)(network::now_ms() % 100000), seed, line.c_str());
    };
    o.provider.log = log;
    o.requestor.log = log;
  }
  auto node = compute::ComputeNode::start(network::Identity::from_seed(key), std::move(o));
  if (!node.is_ok()) die(node.status().to_string());
  return std::move(*node);
}

void run(const Args& a, double subtask_ms, double speed, const std::string& scene, const std::string& base) {
  std::string dir = base + "/" + std::to_string(int(subtask_ms * 1000));
  auto requestor = start_node(dir + "/requestor", 1, a, subtask_ms, speed, false);
  std::vector<std::unique_ptr<compute::ComputeNode>> providers;
  for (int i = 0; i < a.providers; ++i) {
    providers.push_back(start_node(dir + "/provider" + std::to_string(i), uint8_t(10 + i), a, subtask_ms, speed, true));
    auto peer = providers.back()->stream_node().transport().connect("127.0.0.1", requestor->stream_node().transport().port());
    if (!peer.is_ok() && peer.status().message().find("already connected") == std::string::npos) die(peer.status().to_string());
  }
  for (int waited = 0; requestor->offers().offers(network::now_ms()).size() < size_t(a.providers); waited += 10) {
    if (waited > 10000) die("the providers' offers did not arrive");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto files = render::SceneFiles::read_folder(scene);
  if (!files.is_ok()) die(files.status().to_string());
  auto manifest = compute::store_scene(requestor->blobs(), *files);
  if (!manifest.is_ok()) die(manifest.status().to_string());

  // About `subtasks` subtasks of `subtask_ms` each: a 256x256 image with enough samples.
  render::RenderSettings settings;
  settings.width = settings.height = 256;
  double samples = a.subtasks * subtask_ms / 1000.0 * speed;
  settings.spp = std::max<uint32_t>(1, static_cast<uint32_t>(std::ceil(samples / (256.0 * 256.0))));
  compute::JobSpec spec;
  spec.spec = compute::render_spec(network::to_string(*manifest), settings);
  auto start = Clock::now();
  auto job = requestor->requestor().submit(spec);
  if (!job.is_ok()) die(job.status().to_string());
  compute::JobStatus st;
  for (;;) {
    auto s = requestor->requestor().status(job->id);
    if (!s.is_ok()) die(s.status().to_string());
    st = *s;
    if (st.job.state != compute::JobState::kRunning) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  if (st.job.state != compute::JobState::kDone) die("the job ended " + std::string(compute::to_string(st.job.state)) + ": " + st.job.error);
  double kernel = 0;
  for (auto& p : providers) kernel += p->provider()->counts().kernel_seconds;
  double available = a.providers * wall;
  double overhead = 1.0 - kernel / available;
  std::printf("subtasks of %g ms alone (mean %.1f ms of kernel with %d providers sharing this machine): %zu subtasks, "
              "wall %.2f s\n",
              subtask_ms, 1000.0 * kernel / st.total, a.providers, st.total, wall);
  std::printf("  %.1f subtasks dispatched per second; scheduling overhead %.1f%% of the providers' time "
              "(%.1f ms per subtask); reassigned %u; the requestor's verifier re-did %.1f%% of the work\n",
              st.total / wall, 100.0 * overhead, 1000.0 * (available - kernel) / st.total, st.reassigned,
              100.0 * double(st.verified_work) / double(std::max<uint64_t>(1, st.work)));
  std::fflush(stdout);
  providers.clear();
  requestor.reset();
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--providers") a.providers = std::atoi(value());
    else if (arg == "--subtask-ms") a.subtask_ms = parse_list(value());
    else if (arg == "--subtasks") a.subtasks = std::atoi(value());
    else if (arg == "--device") a.device = value();
    else if (arg == "--queue") a.queue = static_cast<uint32_t>(std::atoi(value()));
    else die("unknown argument " + arg);
  }
  if (a.providers < 1 || a.subtasks < 1) die("--providers and --subtasks must be at least 1");
  std::string scene = bench::demo_scene_path();
  double speed = demo_speed(scene, a.device);
  std::printf("device %s renders the demo scene at %.3g samples/s alone; %d providers on loopback\n", a.device.c_str(),
              speed, a.providers);
  std::string base = (std::filesystem::temp_directory_path() / ("strata-schedule-bench-" + std::to_string(getpid()))).string();
  for (double ms : a.subtask_ms) run(a, ms, speed, scene, base);
  std::filesystem::remove_all(base);
  return 0;
}
