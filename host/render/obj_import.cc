// Wavefront OBJ + MTL import through tinyobjloader. MTL maps onto the metallic-roughness model:
// Kd (and map_Kd) is the base colour, Ke (and map_Ke) the emitted radiance, Pr/Pm the PBR
// extension's roughness and metallic when present, else roughness from the Phong exponent Ns.
// OBJ surfaces are double-sided, as OBJ has no notion of a back face.
#include <tiny_obj_loader.h>

#include <stb_image.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "host/render/scene.h"

namespace strata::render {
namespace {

Result<int> load_texture(Scene& scene, std::map<std::string, int>& cache, const std::string& dir,
                         const std::string& name, const std::string& what) {
  if (name.empty()) return -1;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  std::string file = (std::filesystem::path(dir) / name).string();
  int w = 0, h = 0, n = 0;
  unsigned char* pixels = stbi_load(file.c_str(), &w, &h, &n, 4);
  if (!pixels) {
    return invalid_argument(what + ": texture '" + file + "' could not be loaded: " + stbi_failure_reason());
  }
  Texture t;
  t.width = w;
  t.height = h;
  t.name = name;
  t.rgba.resize(size_t(w) * h);
  // OBJ textures are stored top row first while v = 0 is the bottom: flip rows.
  for (int y = 0; y < h; ++y) {
    std::memcpy(&t.rgba[size_t(h - 1 - y) * w], pixels + size_t(y) * w * 4, size_t(w) * 4);
  }
  stbi_image_free(pixels);
  int index = static_cast<int>(scene.textures.size());
  scene.textures.push_back(std::move(t));
  cache[name] = index;
  return index;
}

}  // namespace

Result<Scene> load_obj(const std::string& path) {
  tinyobj::ObjReaderConfig config;
  config.triangulate = true;
  config.mtl_search_path = std::filesystem::path(path).parent_path().string();
  tinyobj::ObjReader reader;
  if (!reader.ParseFromFile(path, config)) {
    std::string why = reader.Error();
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return invalid_argument("scene '" + path + "': OBJ could not be read: " + why);
  }
  const tinyobj::attrib_t& attrib = reader.GetAttrib();
  Scene scene;
  std::map<std::string, int> texture_cache;
  const std::string dir = config.mtl_search_path;
  for (size_t i = 0; i < reader.GetMaterials().size(); ++i) {
    const tinyobj::material_t& src = reader.GetMaterials()[i];
    std::string what = "scene '" + path + "': material '" + src.name + "'";
    kt::Material m = Scene::default_material();
    for (int c = 0; c < 3; ++c) {
      m.base_color[c] = static_cast<float>(src.diffuse[c]);
      m.emission[c] = static_cast<float>(src.emission[c]);
    }
    m.base_color[3] = static_cast<float>(src.dissolve);
    bool has_pbr = src.roughness > 0 || src.metallic > 0;
    m.metallic = has_pbr ? static_cast<float>(src.metallic) : 0.0f;
    m.roughness = has_pbr ? static_cast<float>(src.roughness)
                          : std::sqrt(2.0f / (std::max(static_cast<float>(src.shininess), 0.0f) + 2.0f));
    // Without a specular colour, the MTL describes a purely diffuse surface.
    bool has_specular = src.specular[0] > 0 || src.specular[1] > 0 || src.specular[2] > 0;
    m.specular = has_pbr || has_specular ? 1.0f : 0.0f;
    m.flags = MAT_DOUBLE_SIDED;
    if (src.dissolve < 1) m.flags |= MAT_ALPHA_BLEND;  // d < 1: partly transparent
    auto base = load_texture(scene, texture_cache, dir, src.diffuse_texname, what);
    if (!base.is_ok()) return base.status();
    auto emissive = load_texture(scene, texture_cache, dir, src.emissive_texname, what);
    if (!emissive.is_ok()) return emissive.status();
    m.base_color_tex = *base;
    m.emissive_tex = *emissive;
    if (m.emissive_tex >= 0 && m.emission[0] == 0 && m.emission[1] == 0 && m.emission[2] == 0) {
      m.emission[0] = m.emission[1] = m.emission[2] = 1.0f;
    }
    scene.materials.push_back(m);
  }
  const uint32_t default_material = static_cast<uint32_t>(scene.materials.size());
  kt::Material fallback = Scene::default_material();
  fallback.metallic = 0;
  fallback.specular = 0;
  fallback.base_color[0] = fallback.base_color[1] = fallback.base_color[2] = 0.8f;
  fallback.flags = MAT_DOUBLE_SIDED;
  scene.materials.push_back(fallback);

  const size_t nverts = attrib.vertices.size() / 3, nnormals = attrib.normals.size() / 3,
               nuvs = attrib.texcoords.size() / 2;
  for (const tinyobj::shape_t& shape : reader.GetShapes()) {
    const auto& mesh = shape.mesh;
    size_t offset = 0;
    for (size_t f = 0; f < mesh.num_face_vertices.size(); ++f) {
      size_t fv = mesh.num_face_vertices[f];
      if (fv != 3 || offset + 3 > mesh.indices.size()) {
        offset += fv;
        continue;
      }
      kt::TriShading sh{};
      float* normals[3] = {sh.n0, sh.n1, sh.n2};
      float* uvs[3] = {sh.uv0, sh.uv1, sh.uv2};
      bool all_normals = true;
      for (int k = 0; k < 3; ++k) {
        const tinyobj::index_t& idx = mesh.indices[offset + k];
        if (idx.vertex_index < 0 || size_t(idx.vertex_index) >= nverts) {
          return invalid_argument("scene '" + path + "': shape '" + shape.name + "' face " + std::to_string(f) +
                                  " uses vertex " + std::to_string(idx.vertex_index + 1) + " which does not exist (" +
                                  std::to_string(nverts) + " vertices)");
        }
        const float* p = &attrib.vertices[size_t(idx.vertex_index) * 3];
        scene.vertices.push_back({p[0], p[1], p[2]});
        if (idx.normal_index >= 0 && size_t(idx.normal_index) < nnormals) {
          Float3 n = normalize(Float3{attrib.normals[idx.normal_index * 3], attrib.normals[idx.normal_index * 3 + 1],
                                      attrib.normals[idx.normal_index * 3 + 2]});
          normals[k][0] = n.x;
          normals[k][1] = n.y;
          normals[k][2] = n.z;
        } else {
          all_normals = false;
        }
        if (idx.texcoord_index >= 0 && size_t(idx.texcoord_index) < nuvs) {
          uvs[k][0] = attrib.texcoords[idx.texcoord_index * 2];
          uvs[k][1] = attrib.texcoords[idx.texcoord_index * 2 + 1];
        }
      }
      if (!all_normals) std::memset(sh.n0, 0, sizeof(float) * 9);  // partial normals: use the face normal
      int mat = f < mesh.material_ids.size() ? mesh.material_ids[f] : -1;
      sh.material = mat >= 0 && size_t(mat) < scene.materials.size() - 1 ? uint32_t(mat) : default_material;
      sh.light = -1;
      scene.shading.push_back(sh);
      offset += fv;
    }
  }
  return scene;
}

}  // namespace strata::render
