#include "host/render/procedural.h"

#include <cmath>
#include <filesystem>
#include <fstream>

namespace strata::render {
namespace {
constexpr float kPi = 3.14159265358979f;

void add_triangle(Scene& scene, Float3 a, Float3 b, Float3 c, Float3 na, Float3 nb, Float3 nc, uint32_t material) {
  scene.vertices.insert(scene.vertices.end(), {a, b, c});
  kt::TriShading sh{};
  Float3 n[3] = {na, nb, nc};
  float* dst[3] = {sh.n0, sh.n1, sh.n2};
  for (int k = 0; k < 3; ++k) {
    dst[k][0] = n[k].x;
    dst[k][1] = n[k].y;
    dst[k][2] = n[k].z;
  }
  sh.material = material;
  sh.light = -1;
  scene.shading.push_back(sh);
}
}  // namespace

uint32_t add_diffuse_material(Scene& scene, Float3 albedo, Float3 emission, bool double_sided) {
  kt::Material m = Scene::default_material();
  m.base_color[0] = albedo.x;
  m.base_color[1] = albedo.y;
  m.base_color[2] = albedo.z;
  m.emission[0] = emission.x;
  m.emission[1] = emission.y;
  m.emission[2] = emission.z;
  m.metallic = 0;
  m.specular = 0;
  m.flags = double_sided ? MAT_DOUBLE_SIDED : 0u;
  scene.materials.push_back(m);
  return static_cast<uint32_t>(scene.materials.size() - 1);
}

void add_sphere(Scene& scene, Float3 center, float radius, uint32_t rings, uint32_t material) {
  uint32_t segments = rings * 2;
  auto dir = [&](uint32_t i, uint32_t j) {
    float theta = kPi * static_cast<float>(i) / static_cast<float>(rings);
    float phi = 2 * kPi * static_cast<float>(j % segments) / static_cast<float>(segments);
    return Float3{std::sin(theta) * std::cos(phi), std::cos(theta), -std::sin(theta) * std::sin(phi)};
  };
  for (uint32_t i = 0; i < rings; ++i) {
    for (uint32_t j = 0; j < segments; ++j) {
      Float3 a = dir(i, j), b = dir(i + 1, j), c = dir(i + 1, j + 1), d = dir(i, j + 1);
      if (i != 0) add_triangle(scene, center + a * radius, center + b * radius, center + d * radius, a, b, d, material);
      if (i + 1 != rings) add_triangle(scene, center + b * radius, center + c * radius, center + d * radius, b, c, d, material);
    }
  }
}

void add_quad(Scene& scene, Float3 p, Float3 u, Float3 v, uint32_t material) {
  Float3 n = normalize(cross(u, v));
  add_triangle(scene, p, p + u, p + u + v, n, n, n, material);
  add_triangle(scene, p, p + u + v, p + v, n, n, n, material);
}

Scene make_emitting_enclosure(float albedo, float emission, uint32_t rings) {
  Scene scene;
  add_sphere(scene, {0, 0, 0}, 2.0f, rings,
             add_diffuse_material(scene, {albedo, albedo, albedo}, {emission, emission, emission}));
  Camera cam;
  cam.position = {0.3f, -0.2f, 0.5f};
  cam.yfov = 1.2f;
  scene.camera = cam;
  return scene;
}

Scene make_bench_scene(uint32_t triangles) {
  Scene scene;
  uint32_t ground = add_diffuse_material(scene, {0.6f, 0.6f, 0.6f});
  uint32_t mats[3] = {add_diffuse_material(scene, {0.8f, 0.3f, 0.2f}), add_diffuse_material(scene, {0.2f, 0.6f, 0.8f}),
                      add_diffuse_material(scene, {0.7f, 0.7f, 0.3f})};
  add_quad(scene, {-12, 0, 12}, {24, 0, 0}, {0, 0, -24}, ground);
  // A g x g grid of spheres; each UV sphere with r rings has 4 r (r - 1) triangles.
  uint32_t g = triangles >= 200000 ? 10 : (triangles >= 20000 ? 6 : 3);
  uint32_t per_sphere = std::max<uint32_t>(triangles / (g * g), 8);
  uint32_t rings = std::max<uint32_t>(2, static_cast<uint32_t>(std::lround((1 + std::sqrt(1.0 + per_sphere)) / 2)));
  float spacing = 20.0f / g, radius = spacing * 0.4f;
  for (uint32_t i = 0; i < g; ++i)
    for (uint32_t j = 0; j < g; ++j) {
      Float3 c{-10 + spacing * (i + 0.5f), radius, -10 + spacing * (j + 0.5f)};
      add_sphere(scene, c, radius, rings, mats[(i + j) % 3]);
    }
  kt::Light sun{};
  sun.type = LIGHT_DIRECTIONAL;
  Float3 d = normalize(Float3{-0.4f, -1.0f, -0.3f});
  for (int a = 0; a < 3; ++a) {
    sun.direction[a] = d[a];
    sun.intensity[a] = 2.0f;
  }
  scene.punctual_lights.push_back(sun);
  scene.background = {0.4f, 0.5f, 0.6f};
  Camera cam;
  cam.position = {0, 14, 22};
  cam.forward = normalize(Float3{0, -0.55f, -1});
  cam.up = {0, 1, 0};
  scene.camera = cam;
  return scene;
}

Status write_obj(const Scene& scene, const std::string& path) {
  std::filesystem::path obj(path);
  std::filesystem::path mtl = obj;
  mtl.replace_extension(".mtl");
  std::ofstream m(mtl);
  for (size_t i = 0; i < scene.materials.size(); ++i) {
    const kt::Material& mat = scene.materials[i];
    m << "newmtl m" << i << "\nKd " << mat.base_color[0] << " " << mat.base_color[1] << " " << mat.base_color[2]
      << "\nKe " << mat.emission[0] << " " << mat.emission[1] << " " << mat.emission[2] << "\n";
  }
  std::ofstream o(obj);
  o << "mtllib " << mtl.filename().string() << "\n";
  for (const Float3& v : scene.vertices) o << "v " << v.x << " " << v.y << " " << v.z << "\n";
  uint32_t current = ~0u;
  for (size_t t = 0; t < scene.shading.size(); ++t) {
    if (scene.shading[t].material != current) {
      current = scene.shading[t].material;
      o << "usemtl m" << current << "\n";
    }
    o << "f " << t * 3 + 1 << " " << t * 3 + 2 << " " << t * 3 + 3 << "\n";
  }
  if (!o || !m) return io_error("cannot write '" + path + "' or its .mtl");
  return Status::ok();
}

}  // namespace strata::render
