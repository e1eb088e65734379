// A renderable scene: a triangle soup with per-triangle shading data, glTF metallic-roughness
// materials, textures, punctual lights, a camera and a uniform background. Importers fill it;
// build_scene_gpu() turns it into the flat buffers the render kernels read.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "host/render/kernel_types.h"
#include "host/render/vec.h"
#include "host/status.h"

namespace strata::render {

struct Camera {
  Float3 position;
  Float3 forward{0, 0, -1};
  Float3 up{0, 1, 0};
  float yfov = 0.6911f;  // radians (glTF's default-ish 39.6 degrees, Blender's 50 mm lens)
};

struct Texture {
  int width = 0;
  int height = 0;
  std::vector<uint32_t> rgba;  // RGBA8, R in the low byte
  std::string name;
  uint32_t sampler = TEX_WRAP_REPEAT | (TEX_WRAP_REPEAT << 2);  // kt::TexInfo::sampler bits
  std::array<float, 6> uv_transform{1, 0, 0, 0, 1, 0};          // kt::TexInfo::uv_transform
};

struct Scene {
  std::vector<Float3> vertices;             // three per triangle
  std::vector<kt::TriShading> shading;      // one per triangle (light and area set by build)
  std::vector<kt::Material> materials;
  std::vector<Texture> textures;
  std::vector<kt::Light> punctual_lights;   // point, spot and directional lights
  std::optional<Camera> camera;             // the file's camera, if it has one
  Float3 background{0, 0, 0};               // environment radiance

  size_t triangle_count() const { return shading.size(); }
  // glTF's material defaults: white, metallic 1, roughness 1, no emission, single-sided.
  static kt::Material default_material();
};

class SceneFiles;

// Loads .gltf, .glb or .obj (with its .mtl) by the main file's extension, reading nothing but
// `files`. Every problem is an invalid-argument Status that names the file as the scene calls it
// and what is wrong; what an input can inflate (node visits, triangles, texture pixels) is
// bounded (host/render/texture_decode.h) and refused with the bound's name.
Result<Scene> load_scene(const SceneFiles& files);
Result<Scene> load_gltf(const SceneFiles& files);
Result<Scene> load_obj(const SceneFiles& files);
// The scene file at `path` and what it references, read by SceneFiles::read_folder.
Result<Scene> load_scene(const std::string& path);

// Checks what the kernels rely on: at least one triangle, finite vertices, material and texture
// indices in range, finite non-negative factors.
Status validate_scene(const Scene& scene);

// A camera that frames the scene's bounds from the +Z side, for files without one.
Camera default_camera(const Scene& scene);

// The scene in the kernels' layout: BVH nodes, triangles in BVH order, shading, materials,
// textures and the light table with its selection CDF.
struct SceneGpu {
  std::vector<kt::BvhNode> nodes;
  std::vector<kt::Tri> tris;
  std::vector<kt::TriShading> shading;
  std::vector<kt::Material> materials;
  std::vector<kt::TexInfo> tex_infos;
  std::vector<uint32_t> texels;
  std::vector<float> srgb_lut;  // 256 entries: the sRGB transfer function per byte value
  std::vector<kt::Light> lights;  // triangle lights first, then punctual lights
  uint32_t triangle_light_count = 0;
  Float3 background;
  Float3 bounds_min, bounds_max;

  // Bytes of device memory the scene's buffers take.
  uint64_t device_bytes() const;
};

Result<SceneGpu> build_scene_gpu(const Scene& scene);

// A scene file made ready to render: loaded, checked, in the kernels' layout, with its camera
// (the file's, or default_camera). A file with no lights and no `background` given is lit by a
// uniform white environment, the same wherever it is prepared, so a provider renders exactly
// what the requestor's own render would.
struct PreparedScene {
  SceneGpu gpu;
  Camera camera;
  size_t triangles = 0;
  bool default_environment = false;  // the white environment was added
};
Result<PreparedScene> prepare_scene(const SceneFiles& files, std::optional<Float3> background = {});
Result<PreparedScene> prepare_scene(const std::string& path, std::optional<Float3> background = {});

}  // namespace strata::render
