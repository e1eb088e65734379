#include "host/render/scene.h"

#include <cmath>
#include <filesystem>

#include "host/render/bvh.h"
#include "host/render/scene_files.h"

namespace strata::render {

kt::Material Scene::default_material() {
  kt::Material m{};
  for (float& c : m.base_color) c = 1.0f;
  m.metallic = 1.0f;
  m.roughness = 1.0f;
  m.specular = 1.0f;
  m.base_color_tex = m.metal_rough_tex = m.emissive_tex = m.normal_tex = -1;
  m.normal_scale = 1.0f;
  m.alpha_cutoff = 0.5f;
  m.transmission = 0.0f;
  m.transmission_tex = -1;
  m.f0 = 0.04f;  // IOR 1.5
  m.flags = 0;
  return m;
}

Result<Scene> load_scene(const SceneFiles& files) {
  const std::string& path = files.main();
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Result<Scene> scene = (ext == ".gltf" || ext == ".glb") ? load_gltf(files)
                        : ext == ".obj"                   ? load_obj(files)
                                                          : Result<Scene>(invalid_argument(
                                                                "scene '" + path + "': unknown format '" + ext +
                                                                "' (expected .gltf, .glb or .obj)"));
  if (!scene.is_ok()) return scene;
  Status s = validate_scene(*scene);
  if (!s.is_ok()) return Status(s.code(), "scene '" + path + "': " + s.message());
  return scene;
}

Result<Scene> load_scene(const std::string& path) {
  auto files = SceneFiles::read_folder(path);
  if (!files.is_ok()) return files.status();
  return load_scene(*files);
}

Status validate_scene(const Scene& scene) {
  if (scene.shading.empty()) return invalid_argument("the scene has no triangles to render");
  if (scene.vertices.size() != scene.shading.size() * 3) return internal_error("vertex and triangle counts disagree");
  if (scene.shading.size() > TRI_PRIM_MASK) return invalid_argument("the scene has more than 2^31 triangles");
  for (size_t i = 0; i < scene.vertices.size(); ++i) {
    if (!is_finite(scene.vertices[i])) {
      return invalid_argument("triangle " + std::to_string(i / 3) + " has a NaN or infinite vertex");
    }
  }
  for (size_t t = 0; t < scene.shading.size(); ++t) {
    const kt::TriShading& s = scene.shading[t];
    if (s.material >= scene.materials.size()) {
      return invalid_argument("triangle " + std::to_string(t) + " uses material " + std::to_string(s.material) +
                              " of " + std::to_string(scene.materials.size()));
    }
    for (float v : {s.n0[0], s.n0[1], s.n0[2], s.n1[0], s.n1[1], s.n1[2], s.n2[0], s.n2[1], s.n2[2],
                    s.uv0[0], s.uv0[1], s.uv1[0], s.uv1[1], s.uv2[0], s.uv2[1]}) {
      if (!std::isfinite(v)) return invalid_argument("triangle " + std::to_string(t) + " has a NaN or infinite normal or texture coordinate");
    }
  }
  for (size_t i = 0; i < scene.materials.size(); ++i) {
    const kt::Material& m = scene.materials[i];
    for (int tex : {m.base_color_tex, m.metal_rough_tex, m.emissive_tex, m.normal_tex, m.transmission_tex}) {
      if (tex < -1 || tex >= static_cast<int>(scene.textures.size())) {
        return invalid_argument("material " + std::to_string(i) + " refers to texture " + std::to_string(tex) +
                                " of " + std::to_string(scene.textures.size()));
      }
    }
    for (float v : {m.base_color[0], m.base_color[1], m.base_color[2], m.emission[0], m.emission[1],
                    m.emission[2], m.metallic, m.roughness, m.specular}) {
      if (!std::isfinite(v) || v < 0) return invalid_argument("material " + std::to_string(i) + " has a negative or non-finite factor");
    }
    if (!std::isfinite(m.normal_scale)) return invalid_argument("material " + std::to_string(i) + " has a non-finite normal scale");
    if (!std::isfinite(m.alpha_cutoff)) return invalid_argument("material " + std::to_string(i) + " has a non-finite alpha cutoff");
    if (!(m.transmission >= 0 && m.transmission <= 1) || !(m.f0 >= 0 && m.f0 <= 1)) {
      return invalid_argument("material " + std::to_string(i) + " has a transmission or IOR out of range");
    }
  }
  for (size_t i = 0; i < scene.textures.size(); ++i) {
    const Texture& t = scene.textures[i];
    if (t.width <= 0 || t.height <= 0 || t.rgba.size() != size_t(t.width) * size_t(t.height)) {
      return invalid_argument("texture " + std::to_string(i) + " ('" + t.name + "') has no pixel data");
    }
    for (float v : t.uv_transform) {
      if (!std::isfinite(v)) return invalid_argument("texture " + std::to_string(i) + " has a non-finite transform");
    }
  }
  for (size_t i = 0; i < scene.punctual_lights.size(); ++i) {
    const kt::Light& l = scene.punctual_lights[i];
    for (float v : {l.position[0], l.position[1], l.position[2], l.direction[0], l.direction[1], l.direction[2],
                    l.intensity[0], l.intensity[1], l.intensity[2]}) {
      if (!std::isfinite(v)) return invalid_argument("light " + std::to_string(i) + " has a non-finite value");
    }
  }
  if (!is_finite(scene.background) || scene.background.x < 0 || scene.background.y < 0 || scene.background.z < 0) {
    return invalid_argument("the background radiance must be finite and non-negative");
  }
  return Status::ok();
}

namespace {

void scene_bounds(const Scene& scene, Float3& lo, Float3& hi) {
  lo = hi = scene.vertices.empty() ? Float3{} : scene.vertices[0];
  for (const Float3& v : scene.vertices) {
    lo = min3(lo, v);
    hi = max3(hi, v);
  }
}

float luminance(const float* c) { return 0.2126f * c[0] + 0.7152f * c[1] + 0.0722f * c[2]; }

// Mean of a texture's sRGB-decoded colour: scales an emissive factor into a light's power.
float mean_texture_luminance(const Texture& t, const std::vector<float>& lut) {
  double sum = 0;
  for (uint32_t px : t.rgba) {
    float c[3] = {lut[px & 0xff], lut[(px >> 8) & 0xff], lut[(px >> 16) & 0xff]};
    sum += luminance(c);
  }
  return t.rgba.empty() ? 0.0f : static_cast<float>(sum / t.rgba.size());
}

}  // namespace

Camera default_camera(const Scene& scene) {
  Float3 lo, hi;
  scene_bounds(scene, lo, hi);
  Float3 center = (lo + hi) * 0.5f;
  float radius = std::max(length(hi - lo) * 0.5f, 1e-3f);
  Camera cam;
  float distance = radius / std::sin(cam.yfov * 0.5f);
  cam.position = center + Float3{0, 0, distance};
  cam.forward = {0, 0, -1};
  cam.up = {0, 1, 0};
  return cam;
}

Result<SceneGpu> build_scene_gpu(const Scene& scene) {
  STRATA_RETURN_IF_ERROR(validate_scene(scene));
  SceneGpu gpu;
  gpu.background = scene.background;
  scene_bounds(scene, gpu.bounds_min, gpu.bounds_max);
  gpu.srgb_lut.resize(256);
  for (int i = 0; i < 256; ++i) {
    double c = i / 255.0;
    gpu.srgb_lut[i] = static_cast<float>(c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4));
  }

  Bvh bvh = build_bvh(scene.vertices);
  gpu.nodes = kernel_nodes(bvh);
  gpu.tris.resize(bvh.order.size());
  for (size_t i = 0; i < bvh.order.size(); ++i) {
    uint32_t t = bvh.order[i];
    const Float3* v = &scene.vertices[size_t(t) * 3];
    Float3 e1 = v[1] - v[0], e2 = v[2] - v[0];
    kt::Tri& tri = gpu.tris[i];
    for (int a = 0; a < 3; ++a) {
      tri.v0[a] = v[0][a];
      tri.e1[a] = e1[a];
      tri.e2[a] = e2[a];
    }
    tri.prim = t;
    if (scene.materials[scene.shading[t].material].flags & (MAT_ALPHA_MASK | MAT_ALPHA_BLEND)) tri.prim |= TRI_ALPHA_TESTED;
  }

  gpu.materials = scene.materials;
  for (const Texture& t : scene.textures) {
    kt::TexInfo info{};
    info.offset = static_cast<uint32_t>(gpu.texels.size());
    info.width = static_cast<uint32_t>(t.width);
    info.height = static_cast<uint32_t>(t.height);
    info.sampler = t.sampler;
    std::copy(t.uv_transform.begin(), t.uv_transform.end(), info.uv_transform);
    gpu.tex_infos.push_back(info);
    gpu.texels.insert(gpu.texels.end(), t.rgba.begin(), t.rgba.end());
  }

  // The light table: emissive triangles, then punctual lights.
  gpu.shading = scene.shading;
  std::vector<float> power;
  for (size_t t = 0; t < gpu.shading.size(); ++t) {
    kt::TriShading& sh = gpu.shading[t];
    const Float3* v = &scene.vertices[t * 3];
    sh.area = 0.5f * length(cross(v[1] - v[0], v[2] - v[0]));
    sh.light = -1;
    const kt::Material& m = gpu.materials[sh.material];
    float lum = luminance(m.emission);
    if (m.emissive_tex >= 0) lum *= mean_texture_luminance(scene.textures[m.emissive_tex], gpu.srgb_lut);
    if (!(lum > 0) || !(sh.area > 0)) continue;
    kt::Light l{};
    l.type = LIGHT_TRIANGLE;
    l.prim = static_cast<uint32_t>(t);
    for (int a = 0; a < 3; ++a) {
      l.position[a] = v[0][a];
      l.direction[a] = (v[1] - v[0])[a];
      l.intensity[a] = (v[2] - v[0])[a];
    }
    sh.light = static_cast<int32_t>(gpu.lights.size());
    gpu.lights.push_back(l);
    power.push_back(lum * sh.area * 3.14159265f * ((m.flags & MAT_DOUBLE_SIDED) ? 2.0f : 1.0f));
  }
  // Triangle lights are chosen one per vertex in proportion to power; the punctual lights
  // after them are all sampled at every vertex.
  double total = 0;
  for (float p : power) total += p;
  double running = 0;
  for (size_t i = 0; i < gpu.lights.size(); ++i) {
    running += power[i];
    gpu.lights[i].pdf = static_cast<float>(power[i] / total);
    gpu.lights[i].cdf = i + 1 == gpu.lights.size() ? 1.0f : static_cast<float>(running / total);
  }
  gpu.triangle_light_count = static_cast<uint32_t>(gpu.lights.size());
  for (const kt::Light& l : scene.punctual_lights) {
    if (l.intensity[0] > 0 || l.intensity[1] > 0 || l.intensity[2] > 0) {
      gpu.lights.push_back(l);
      gpu.lights.back().pdf = gpu.lights.back().cdf = 1.0f;
    }
  }
  return gpu;
}

uint64_t SceneGpu::device_bytes() const {
  auto bytes = [](const auto& v) { return uint64_t(v.size()) * sizeof(v[0]); };
  return bytes(nodes) + bytes(tris) + bytes(shading) + bytes(materials) + bytes(tex_infos) + bytes(texels) +
         bytes(srgb_lut) + bytes(lights);
}

Result<PreparedScene> prepare_scene(const SceneFiles& files, std::optional<Float3> background) {
  auto scene = load_scene(files);
  if (!scene.is_ok()) return scene.status();
  if (background) scene->background = *background;
  auto gpu = build_scene_gpu(*scene);
  if (!gpu.is_ok()) return gpu.status();
  PreparedScene p;
  p.camera = scene->camera ? *scene->camera : default_camera(*scene);
  p.triangles = scene->triangle_count();
  if (gpu->lights.empty() && !background) {
    gpu->background = {1, 1, 1};
    p.default_environment = true;
  }
  p.gpu = std::move(*gpu);
  return p;
}

Result<PreparedScene> prepare_scene(const std::string& path, std::optional<Float3> background) {
  auto files = SceneFiles::read_folder(path);
  if (!files.is_ok()) return files.status();
  return prepare_scene(*files, background);
}

}  // namespace strata::render
