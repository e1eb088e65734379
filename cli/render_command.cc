#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/progress.h"
#include "host/device.h"
#include "host/render/image_io.h"
#include "host/render/renderer.h"

#ifndef STRATA_DEMO_SCENE
#define STRATA_DEMO_SCENE "scenes/demo.gltf"
#endif

namespace strata::cli {
namespace {

struct RenderOptions {
  std::string scene = STRATA_DEMO_SCENE;
  std::string output = "strata-render.png";
  std::string linear_output;
  std::string size = "640x480";
  uint32_t spp = 64;
  std::string device = "auto";
  uint32_t seed = 0;
  uint32_t depth = 8;
  std::vector<float> background;
  std::vector<float> look_from, look_at, up;
  float fov_degrees = 0;
};

}  // namespace

bool parse_size(const std::string& s, uint32_t& w, uint32_t& h) {
  unsigned long a = 0, b = 0;
  char x = 0, extra = 0;
  if (std::sscanf(s.c_str(), "%lu%c%lu%c", &a, &x, &b, &extra) != 3 || (x != 'x' && x != 'X')) return false;
  if (a == 0 || b == 0 || a > 16384 || b > 16384) return false;
  w = static_cast<uint32_t>(a);
  h = static_cast<uint32_t>(b);
  return true;
}

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "strata render: %s\n", what.c_str());
  return 1;
}

int run_render(const RenderOptions& o) {
  render::RenderSettings settings;
  if (!parse_size(o.size, settings.width, settings.height)) {
    return fail("--size '" + o.size + "' must be WIDTHxHEIGHT with each between 1 and 16384");
  }
  settings.spp = o.spp;
  settings.seed = o.seed;
  settings.max_depth = o.depth;
  if (Status s = render::check_settings(settings); !s.is_ok()) return fail(s.message());
  // Refuse an unwritable format before spending the render on it.
  if (Status s = render::check_image_path(o.output); !s.is_ok()) return fail(s.message());

  std::optional<render::Float3> background;
  if (!o.background.empty()) {
    if (o.background.size() != 3) return fail("--background takes three numbers: R,G,B");
    background = render::Float3{o.background[0], o.background[1], o.background[2]};
  }
  auto scene = render::prepare_scene(o.scene, background);
  if (!scene.is_ok()) return fail(scene.status().message());
  if (scene->default_environment) {
    // A file with no light of its own would render black: light it like an overcast sky.
    std::fprintf(stderr, "note: the scene has no lights; using a uniform white environment (see --background)\n");
  }
  auto device = open_device(o.device);
  if (!device.is_ok()) return fail(device.status().to_string());
  if (Status s = self_test(**device); !s.is_ok()) return fail(s.to_string());
  if (Status s = render::render_self_test(**device); !s.is_ok()) return fail(s.to_string());
  render::Camera camera = scene->camera;
  for (const auto* v : {&o.look_from, &o.look_at, &o.up}) {
    if (!v->empty() && v->size() != 3) return fail("--look-from, --look-at and --up take three numbers: X,Y,Z");
  }
  if (!o.look_from.empty()) camera.position = {o.look_from[0], o.look_from[1], o.look_from[2]};
  if (!o.look_at.empty()) camera.forward = render::normalize(render::Float3{o.look_at[0], o.look_at[1], o.look_at[2]} - camera.position);
  if (!o.up.empty()) camera.up = {o.up[0], o.up[1], o.up[2]};
  if (o.fov_degrees != 0) {
    if (!(o.fov_degrees > 0 && o.fov_degrees < 179)) return fail("--fov must be between 0 and 179 degrees");
    camera.yfov = o.fov_degrees * 3.14159265f / 180.0f;
  }
  auto renderer = render::Renderer::create(**device, scene->gpu, camera);
  if (!renderer.is_ok()) return fail(renderer.status().to_string());

  std::fprintf(stderr, "rendering %s (%zu triangles, %zu lights) at %ux%u, %u spp on %s (%s)\n", o.scene.c_str(),
               scene->triangles, scene->gpu.lights.size(), settings.width, settings.height, settings.spp,
               (*device)->info().id().c_str(), (*device)->info().name.c_str());
  ProgressBar bar("render");
  auto start = std::chrono::steady_clock::now();
  auto accum = (*renderer)->render_image(settings, [&](uint32_t done, uint32_t total) { bar.update(done, total); });
  bar.finish();
  if (!accum.is_ok()) return fail(accum.status().to_string());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  render::Image image = render::resolve(*accum);
  if (Status s = render::write_image(o.output, image); !s.is_ok()) return fail(s.message());
  if (!o.linear_output.empty()) {
    if (Status s = render::write_pfm(o.linear_output, image); !s.is_ok()) return fail(s.message());
  }
  double samples = double(settings.width) * settings.height * settings.spp;
  auto absolute = [](const std::string& p) { return std::filesystem::absolute(p).lexically_normal().string(); };
  std::printf("image: %s\n", absolute(o.output).c_str());
  if (!o.linear_output.empty()) std::printf("linear image: %s\n", absolute(o.linear_output).c_str());
  std::printf("time %.2f s, %.3g samples/s, %.3g rays/s on %s (%s)\n", seconds, samples / seconds,
              double(accum->total_rays()) / seconds, (*device)->info().id().c_str(), (*device)->info().name.c_str());
  return 0;
}

}  // namespace

Runner add_render_command(CLI::App& app) {
  auto o = std::make_shared<RenderOptions>();
  auto* cmd = app.add_subcommand("render", "Path trace a glTF 2.0 (.gltf/.glb) or OBJ scene to PNG or PFM");
  cmd->add_option("scene", o->scene, "Scene file (.gltf, .glb, .obj); the bundled demo scene by default");
  cmd->add_option("-o,--output", o->output, "Output image: .png (tonemapped sRGB) or .pfm (linear float)");
  cmd->add_option("--linear", o->linear_output, "Also write the linear image as PFM to this path");
  cmd->add_option("--size", o->size, "Image size WIDTHxHEIGHT");
  cmd->add_option("--spp", o->spp, "Samples per pixel");
  cmd->add_option("--device", o->device, "auto, cpu, opencl[:N] or cuda[:N]");
  cmd->add_option("--seed", o->seed, "Job seed: the same seed gives the same image on every device");
  cmd->add_option("--depth", o->depth, "Maximum path length in segments");
  cmd->add_option("--background", o->background, "Uniform environment radiance R,G,B")->delimiter(',');
  cmd->add_option("--look-from", o->look_from, "Camera position X,Y,Z (overrides the file's camera)")->delimiter(',');
  cmd->add_option("--look-at", o->look_at, "Point the camera looks at X,Y,Z")->delimiter(',');
  cmd->add_option("--up", o->up, "Camera up vector X,Y,Z")->delimiter(',');
  cmd->add_option("--fov", o->fov_degrees, "Vertical field of view in degrees");
  return [o] { return run_render(*o); };
}

}  // namespace strata::cli
