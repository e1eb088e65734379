#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/bench_devices.h"
#include "cli/commands.h"
#include "host/device.h"
#include "host/render/procedural.h"
#include "host/render/renderer.h"

namespace strata::cli {
namespace {

struct BenchOptions {
  std::vector<std::string> devices;
  std::vector<uint32_t> triangles{1000, 10000, 100000, 1000000};
  std::string size = "320x240";
  uint32_t spp = 4;
  uint32_t depth = 8;
  std::string export_dir;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Writes the scene as OBJ with a file of the matching Embree pathtracer arguments (camera, lights).
int export_scene(const render::Scene& scene, const std::string& dir, uint32_t n) {
  std::filesystem::create_directories(dir);
  std::string base = dir + "/bench_" + std::to_string(n);
  if (Status s = render::write_obj(scene, base + ".obj"); !s.is_ok()) {
    std::fprintf(stderr, "strata bench: %s\n", s.message().c_str());
    return 1;
  }
  // The benchmark compares ray tracing, so both renderers are lit by the same uniform sky alone.
  const render::Camera& c = *scene.camera;
  render::Float3 at = c.position + c.forward;
  std::ofstream args(base + ".args");
  args << "EMBREE_ARGS=\"--vp " << c.position.x << " " << c.position.y << " " << c.position.z << " --vi " << at.x << " "
       << at.y << " " << at.z << " --vu " << c.up.x << " " << c.up.y << " " << c.up.z << " --fov "
       << c.yfov * 180.0 / 3.14159265358979 << " --ambientlight " << scene.background.x << " " << scene.background.y
       << " " << scene.background.z << "\"\n";
  args << "STRATA_ARGS=\"--look-from " << c.position.x << "," << c.position.y << "," << c.position.z << " --look-at "
       << at.x << "," << at.y << "," << at.z << " --up " << c.up.x << "," << c.up.y << "," << c.up.z << " --fov "
       << c.yfov * 180.0 / 3.14159265358979 << " --background " << scene.background.x << "," << scene.background.y
       << "," << scene.background.z << "\"";
  args << "\n";
  std::printf("wrote %s.obj (%zu triangles) and %s.args\n", base.c_str(), scene.triangle_count(), base.c_str());
  return 0;
}

int run_bench(const BenchOptions& o) {
  render::RenderSettings settings;
  if (std::sscanf(o.size.c_str(), "%ux%u", &settings.width, &settings.height) != 2) {
    std::fprintf(stderr, "strata bench: --size must be WIDTHxHEIGHT\n");
    return 1;
  }
  settings.spp = o.spp;
  settings.max_depth = o.depth;
  if (Status s = render::check_settings(settings); !s.is_ok()) {
    std::fprintf(stderr, "strata bench: %s\n", s.message().c_str());
    return 1;
  }
  if (!o.export_dir.empty()) {
    for (uint32_t n : o.triangles) {
      if (int rc = export_scene(render::make_bench_scene(n), o.export_dir, n)) return rc;
    }
    return 0;
  }
  std::vector<std::unique_ptr<Device>> devices = open_bench_devices(o.devices);
  std::printf("# %ux%u, %u spp, path length %u\n", settings.width, settings.height, settings.spp, settings.max_depth);
  std::printf("%-10s %10s %9s %10s %12s %12s\n", "device", "triangles", "build_s", "render_s", "samples/s", "rays/s");
  for (uint32_t n : o.triangles) {
    render::Scene scene = render::make_bench_scene(n);
    auto t0 = std::chrono::steady_clock::now();
    auto gpu = render::build_scene_gpu(scene);
    double build = seconds_since(t0);
    if (!gpu.is_ok()) {
      std::fprintf(stderr, "strata bench: %s\n", gpu.status().message().c_str());
      return 1;
    }
    for (auto& device : devices) {
      auto renderer = render::Renderer::create(*device, *gpu, *scene.camera);
      if (!renderer.is_ok()) {
        std::printf("%-10s %10zu  %s\n", device->info().id().c_str(), scene.triangle_count(),
                    renderer.status().to_string().c_str());
        continue;
      }
      // One warm-up launch (kernel compilation, caches), then the timed render.
      render::RenderSettings warm = settings;
      warm.spp = 1;
      (void)(*renderer)->render_image(warm);
      auto t1 = std::chrono::steady_clock::now();
      auto accum = (*renderer)->render_image(settings);
      double secs = seconds_since(t1);
      if (!accum.is_ok()) {
        std::printf("%-10s %10zu  %s\n", device->info().id().c_str(), scene.triangle_count(),
                    accum.status().to_string().c_str());
        continue;
      }
      double samples = double(settings.width) * settings.height * settings.spp;
      std::printf("%-10s %10zu %9.3f %10.3f %12.4g %12.4g\n", device->info().id().c_str(), scene.triangle_count(),
                  build, secs, samples / secs, double(accum->total_rays()) / secs);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace

std::vector<std::unique_ptr<Device>> open_bench_devices(const std::vector<std::string>& wanted) {
  std::vector<std::string> ids = wanted;
  if (ids.empty()) {
    for (const BackendReport& r : enumerate_devices()) {
      if (!r.available()) std::printf("# %s unavailable: %s\n", backend_name(r.backend), r.unavailable_reason.c_str());
      for (const DeviceInfo& d : r.devices) ids.push_back(d.id());
    }
  }
  std::vector<std::unique_ptr<Device>> devices;
  for (const std::string& id : ids) {
    auto d = open_device(id);
    if (!d.is_ok()) {
      std::printf("# %s: %s\n", id.c_str(), d.status().to_string().c_str());
      continue;
    }
    std::printf("# %s: %s\n", id.c_str(), (*d)->info().name.c_str());
    devices.push_back(std::move(d.value()));
  }
  return devices;
}

Runner add_bench_command(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Benchmarks");
  auto* cmd = bench->add_subcommand("render", "Samples/s and rays/s per device on scenes of growing triangle count");
  bench->require_subcommand(1);
  auto o = std::make_shared<BenchOptions>();
  cmd->add_option("--devices", o->devices, "Devices to measure (default: every device present)")->delimiter(',');
  cmd->add_option("--triangles", o->triangles, "Scene sizes in triangles")->delimiter(',');
  cmd->add_option("--size", o->size, "Image size WIDTHxHEIGHT");
  cmd->add_option("--spp", o->spp, "Samples per pixel");
  cmd->add_option("--depth", o->depth, "Maximum path length in segments");
  cmd->add_option("--export", o->export_dir, "Write the scenes as OBJ, with the camera and sky as strata and Embree pathtracer arguments, and exit");
  Runner proof = add_bench_proof_command(*bench);
  Runner analytics = add_bench_analytics_command(*bench);
  auto* proof_cmd = bench->get_subcommand("proof");
  return [o, cmd, proof, analytics, proof_cmd] {
    if (!cmd->parsed()) return proof_cmd->parsed() ? proof() : analytics();
    return run_bench(*o);
  };
}

}  // namespace strata::cli
