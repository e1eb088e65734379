// Wavefront OBJ + MTL import through tinyobjloader. MTL maps onto the metallic-roughness model:
// Kd (and map_Kd) is the base colour, Ke (and map_Ke) the emitted radiance, Pr/Pm the PBR
// extension's roughness and metallic when present, else roughness from the Phong exponent Ns.
// OBJ surfaces are double-sided, as OBJ has no notion of a back face.
#include <tiny_obj_loader.h>

#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "host/render/scene.h"
#include "host/render/scene_files.h"
#include "host/render/texture_decode.h"

namespace strata::render {
namespace {

// Material libraries come from the scene's own files, relative to the OBJ's folder; each
// material remembers its library, whose folder its texture names are relative to.
class SceneMaterialReader : public tinyobj::MaterialReader {
 public:
  SceneMaterialReader(const SceneFiles& files, const std::string& obj) : files_(files), obj_(obj) {}

  bool operator()(const std::string& name, std::vector<tinyobj::material_t>* materials,
                  std::map<std::string, int>* names, std::string* warn, std::string* err) override {
    if (!refused.is_ok()) return false;
    auto path = resolve_scene_reference(obj_, name);
    const std::vector<uint8_t>* bytes = path.is_ok() ? files_.find(*path) : nullptr;
    if (!bytes) {
      if (warn) *warn += "material library '" + name + "' is not one of the scene's files\n";
      return false;
    }
    // tinyobjloader knows a library by the name the OBJ gives it ("m.mtl", "./m.mtl"): one
    // file is read once, whatever it is called.
    if (!loaded_.insert(*path).second) return true;
    refused = check_mtl_structure(*bytes, "material library '" + *path + "'", budget_);
    if (!refused.is_ok()) return false;
    std::istringstream in(std::string(bytes->begin(), bytes->end()));
    tinyobj::LoadMtl(names, materials, &in, warn, err);
    library_of.resize(materials->size(), *path);
    return true;
  }

  std::vector<std::string> library_of;  // per material: the library that defined it
  Status refused;                       // a library over the bounds: the scene is refused

 private:
  const SceneFiles& files_;
  const std::string& obj_;
  std::set<std::string> loaded_;
  MtlBudget budget_;
};

Result<int> load_texture(Scene& scene, std::map<std::string, int>& cache, const SceneFiles& files,
                         const std::string& library, const std::string& name, uint64_t& pixel_budget,
                         const std::string& what) {
  if (name.empty()) return -1;
  auto path = resolve_scene_reference(library, name);
  if (!path.is_ok()) return invalid_argument(what + ": " + path.status().message());
  if (auto it = cache.find(*path); it != cache.end()) return it->second;
  const std::vector<uint8_t>* bytes = files.find(*path);
  if (!bytes) return invalid_argument(what + ": texture '" + name + "' is not one of the scene's files");
  auto decoded = decode_texture(*bytes, name, pixel_budget);
  if (!decoded.is_ok()) return invalid_argument(what + ": " + decoded.status().message());
  Texture t;
  t.width = decoded->width;
  t.height = decoded->height;
  t.name = name;
  t.rgba.resize(size_t(t.width) * t.height);
  // OBJ textures are stored top row first while v = 0 is the bottom: flip rows.
  for (int y = 0; y < t.height; ++y) {
    std::memcpy(&t.rgba[size_t(t.height - 1 - y) * t.width], decoded->rgba.data() + size_t(y) * t.width * 4,
                size_t(t.width) * 4);
  }
  int index = static_cast<int>(scene.textures.size());
  scene.textures.push_back(std::move(t));
  cache[*path] = index;
  return index;
}

}  // namespace

Result<Scene> load_obj(const SceneFiles& files) {
  const std::string& path = files.main();
  const std::vector<uint8_t>* main = files.find(path);
  if (!main) return not_found("scene '" + path + "': the main file is missing");
  STRATA_RETURN_IF_ERROR(check_obj_structure(*main, "scene '" + path + "'"));
  std::istringstream obj(std::string(main->begin(), main->end()));
  SceneMaterialReader materials(files, path);
  tinyobj::attrib_t attrib;
  std::vector<tinyobj::shape_t> shapes;
  std::vector<tinyobj::material_t> material_list;
  std::string warn, err;
  bool parsed = false;
  try {
    parsed = tinyobj::LoadObj(&attrib, &shapes, &material_list, &warn, &err, &obj, &materials, true, true);
  } catch (const std::exception& e) {
    err = e.what();
  }
  if (!materials.refused.is_ok()) return invalid_argument("scene '" + path + "': " + materials.refused.message());
  if (!parsed) {
    std::string why = err;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return invalid_argument("scene '" + path + "': OBJ could not be read: " + why);
  }
  materials.library_of.resize(material_list.size(), path);
  Scene scene;
  std::map<std::string, int> texture_cache;
  uint64_t pixel_budget = kMaxTexturePixels;
  for (size_t i = 0; i < material_list.size(); ++i) {
    const tinyobj::material_t& src = material_list[i];
    const std::string& library = materials.library_of[i];
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
    auto base = load_texture(scene, texture_cache, files, library, src.diffuse_texname, pixel_budget, what);
    if (!base.is_ok()) return base.status();
    auto emissive = load_texture(scene, texture_cache, files, library, src.emissive_texname, pixel_budget, what);
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
  for (const tinyobj::shape_t& shape : shapes) {
    const auto& mesh = shape.mesh;
    size_t offset = 0;
    for (size_t f = 0; f < mesh.num_face_vertices.size(); ++f) {
      size_t fv = mesh.num_face_vertices[f];
      if (fv != 3 || offset + 3 > mesh.indices.size()) {
        offset += fv;
        continue;
      }
      if (scene.shading.size() >= kMaxSceneTriangles) {
        return invalid_argument("scene '" + path + "': over the bound of " + std::to_string(kMaxSceneTriangles) +
                                " triangles");
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
