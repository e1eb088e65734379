// Rendering helpers for the render tests.
#pragma once

#include <gtest/gtest.h>

#include "host/render/image_io.h"
#include "host/render/renderer.h"
#include "tests/test_support.h"

namespace strata::tests {

// Renders the whole image on device `id`; fails the test on any error.
inline render::AccumBuffer render_on(const std::string& id, const render::Scene& scene,
                                     const render::RenderSettings& settings) {
  auto device = open_or_die(id);
  if (!device) return {};
  auto gpu = render::build_scene_gpu(scene);
  EXPECT_TRUE(gpu.is_ok()) << gpu.status().to_string();
  if (!gpu.is_ok()) return {};
  render::Camera cam = scene.camera ? *scene.camera : render::default_camera(scene);
  auto renderer = render::Renderer::create(*device, *gpu, cam);
  EXPECT_TRUE(renderer.is_ok()) << renderer.status().to_string();
  if (!renderer.is_ok()) return {};
  auto accum = (*renderer)->render_image(settings);
  EXPECT_TRUE(accum.is_ok()) << accum.status().to_string();
  return accum.is_ok() ? std::move(accum.value()) : render::AccumBuffer{};
}

}  // namespace strata::tests
