// glTF 2.0 import (.gltf and .glb) through tinygltf: meshes under their node transforms,
// metallic-roughness materials with KHR_materials_emissive_strength and KHR_materials_specular,
// the first camera, and KHR_lights_punctual lights. Units follow the spec: emissive factor times
// strength is radiance (W / sr / m^2, as Cycles' emission strength); light intensities are
// photometric, candela (point, spot) and lux (directional), and become radiometric W/sr and W/m^2
// at 683 lm/W, the conversion Blender's exporter uses in its default (standard) lighting mode.
#include <tiny_gltf.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <tuple>

#include "host/render/scene.h"
#include "host/render/scene_files.h"
#include "host/render/texture_decode.h"

namespace strata::render {
namespace {

using tinygltf::Model;

// The bytes behind an accessor, checked to lie inside its buffer view and buffer.
struct AccessorData {
  const tinygltf::Accessor* accessor;
  const unsigned char* base;  // first element
  size_t stride;              // bytes between elements
  int component_size;         // bytes per component
};

Result<AccessorData> accessor_data(const Model& model, int index, const std::string& what) {
  if (index < 0 || index >= static_cast<int>(model.accessors.size())) {
    return invalid_argument(what + ": accessor " + std::to_string(index) + " does not exist");
  }
  const tinygltf::Accessor& acc = model.accessors[index];
  if (acc.sparse.isSparse) return invalid_argument(what + ": sparse accessors are not supported");
  if (acc.bufferView < 0 || acc.bufferView >= static_cast<int>(model.bufferViews.size())) {
    return invalid_argument(what + ": accessor " + std::to_string(index) + " has no valid buffer view");
  }
  const tinygltf::BufferView& view = model.bufferViews[acc.bufferView];
  if (view.buffer < 0 || view.buffer >= static_cast<int>(model.buffers.size())) {
    return invalid_argument(what + ": buffer view " + std::to_string(acc.bufferView) + " has no valid buffer");
  }
  const std::vector<unsigned char>& data = model.buffers[view.buffer].data;
  int comp_size = tinygltf::GetComponentSizeInBytes(static_cast<uint32_t>(acc.componentType));
  int components = tinygltf::GetNumComponentsInType(static_cast<uint32_t>(acc.type));
  if (comp_size <= 0 || components <= 0) {
    return invalid_argument(what + ": accessor " + std::to_string(index) + " has an unknown component type");
  }
  const uint64_t elem_size = uint64_t(comp_size) * components;
  const uint64_t stride = view.byteStride ? view.byteStride : elem_size;
  // In checked 64-bit arithmetic: a hostile count or stride must not wrap into a small size.
  uint64_t view_end = 0, needed = 0;
  bool past_end = __builtin_add_overflow(uint64_t(view.byteOffset), uint64_t(view.byteLength), &view_end) ||
                  view_end > data.size();
  if (acc.count > 0 && !past_end) {
    past_end = __builtin_mul_overflow(stride, uint64_t(acc.count) - 1, &needed) ||
               __builtin_add_overflow(needed, uint64_t(acc.byteOffset), &needed) ||
               __builtin_add_overflow(needed, elem_size, &needed) || needed > view.byteLength;
  }
  if (past_end) {
    return invalid_argument(what + ": accessor " + std::to_string(index) + " (count " + std::to_string(acc.count) +
                            ") reads past the end of its buffer (" + std::to_string(data.size()) +
                            " bytes; the file may be truncated)");
  }
  return AccessorData{&acc, data.data() + view.byteOffset + acc.byteOffset, stride, comp_size};
}

// Reads accessor `index` as `components` floats per element (float or normalized integers).
Status read_floats(const Model& model, int index, int components, std::vector<float>& out, const std::string& what) {
  auto data = accessor_data(model, index, what);
  if (!data.is_ok()) return data.status();
  const tinygltf::Accessor& acc = *data->accessor;
  int type_components = tinygltf::GetNumComponentsInType(static_cast<uint32_t>(acc.type));
  if (type_components != components) {
    return invalid_argument(what + ": accessor " + std::to_string(index) + " has " + std::to_string(type_components) +
                            " components per element, expected " + std::to_string(components));
  }
  out.resize(acc.count * components);
  for (size_t i = 0; i < acc.count; ++i) {
    const unsigned char* p = data->base + i * data->stride;
    for (int c = 0; c < components; ++c) {
      const unsigned char* q = p + size_t(c) * data->component_size;
      float v;
      switch (acc.componentType) {
        case TINYGLTF_COMPONENT_TYPE_FLOAT: std::memcpy(&v, q, 4); break;
        case TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE: v = *q / 255.0f; break;
        case TINYGLTF_COMPONENT_TYPE_BYTE: v = std::max(static_cast<int8_t>(*q) / 127.0f, -1.0f); break;
        case TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT: { uint16_t s; std::memcpy(&s, q, 2); v = s / 65535.0f; break; }
        case TINYGLTF_COMPONENT_TYPE_SHORT: { int16_t s; std::memcpy(&s, q, 2); v = std::max(s / 32767.0f, -1.0f); break; }
        default: return invalid_argument(what + ": accessor " + std::to_string(index) + " has an unsupported component type");
      }
      out[i * components + c] = v;
    }
  }
  return Status::ok();
}

Status read_indices(const Model& model, int index, std::vector<uint32_t>& out, const std::string& what) {
  auto data = accessor_data(model, index, what + " indices");
  if (!data.is_ok()) return data.status();
  const tinygltf::Accessor& acc = *data->accessor;
  if (acc.type != TINYGLTF_TYPE_SCALAR) return invalid_argument(what + ": indices must be scalars");
  int size = data->component_size;
  if (acc.componentType != TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE && acc.componentType != TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT &&
      acc.componentType != TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT) {
    return invalid_argument(what + ": indices must be unsigned byte, short or int");
  }
  out.resize(acc.count);
  for (size_t i = 0; i < acc.count; ++i) {
    const unsigned char* q = data->base + i * data->stride;
    if (size == 1) out[i] = *q;
    else if (size == 2) { uint16_t s; std::memcpy(&s, q, 2); out[i] = s; }
    else std::memcpy(&out[i], q, 4);
  }
  return Status::ok();
}

Mat4 node_matrix(const tinygltf::Node& node) {
  Mat4 m;
  if (node.matrix.size() == 16) {
    for (int i = 0; i < 16; ++i) m.m[i] = node.matrix[i];
    return m;
  }
  Mat4 t, r, s;
  if (node.translation.size() == 3) {
    t.m[12] = node.translation[0];
    t.m[13] = node.translation[1];
    t.m[14] = node.translation[2];
  }
  if (node.rotation.size() == 4) {
    double x = node.rotation[0], y = node.rotation[1], z = node.rotation[2], w = node.rotation[3];
    r.m[0] = 1 - 2 * (y * y + z * z); r.m[1] = 2 * (x * y + z * w);     r.m[2] = 2 * (x * z - y * w);
    r.m[4] = 2 * (x * y - z * w);     r.m[5] = 1 - 2 * (x * x + z * z); r.m[6] = 2 * (y * z + x * w);
    r.m[8] = 2 * (x * z + y * w);     r.m[9] = 2 * (y * z - x * w);     r.m[10] = 1 - 2 * (x * x + y * y);
  }
  if (node.scale.size() == 3) {
    s.m[0] = node.scale[0];
    s.m[5] = node.scale[1];
    s.m[10] = node.scale[2];
  }
  return t * r * s;
}

double extension_number(const tinygltf::ExtensionMap& ext, const char* name, const char* key, double fallback) {
  auto it = ext.find(name);
  if (it == ext.end() || !it->second.IsObject() || !it->second.Has(key)) return fallback;
  const tinygltf::Value& v = it->second.Get(key);
  return v.IsNumber() || v.IsInt() ? v.GetNumberAsDouble() : fallback;
}

class GltfImporter {
 public:
  explicit GltfImporter(const Model& model) : model_(model) {}

  Result<Scene> run() {
    for (size_t i = 0; i < model_.materials.size(); ++i) {
      STRATA_RETURN_IF_ERROR(add_material(model_.materials[i], static_cast<int>(i)));
    }
    default_material_ = -1;
    std::vector<int> roots;
    int scene_index = model_.defaultScene >= 0 ? model_.defaultScene : 0;
    if (model_.scenes.empty()) {
      // A file with no scene: use every root node.
      std::vector<bool> is_child(model_.nodes.size());
      for (const auto& n : model_.nodes)
        for (int c : n.children)
          if (c >= 0 && c < static_cast<int>(is_child.size())) is_child[c] = true;
      for (size_t i = 0; i < model_.nodes.size(); ++i)
        if (!is_child[i]) roots.push_back(static_cast<int>(i));
    } else {
      if (scene_index >= static_cast<int>(model_.scenes.size())) return invalid_argument("the default scene does not exist");
      roots = model_.scenes[scene_index].nodes;
    }
    for (int n : roots) STRATA_RETURN_IF_ERROR(count(n, 0));
    for (int n : roots) STRATA_RETURN_IF_ERROR(visit(n, Mat4(), 0));
    return std::move(scene_);
  }

 private:
  // A first pass that only counts node visits and the triangles they instance (from the
  // accessors' declared counts, which the reads later hold them to), so that a small file whose
  // nodes share children many times over is refused before any triangle is made.
  Status count(int index, int depth) {
    if (index < 0 || index >= static_cast<int>(model_.nodes.size())) return Status::ok();  // visit() names it
    if (depth > 128) return invalid_argument("the node hierarchy is deeper than 128 levels (a cycle?)");
    if (++visits_ > kMaxNodeVisits) {
      return invalid_argument("the node hierarchy makes over " + std::to_string(kMaxNodeVisits) +
                              " node visits (a node shared by several parents counts once for each)");
    }
    const tinygltf::Node& node = model_.nodes[index];
    if (node.mesh >= 0 && node.mesh < static_cast<int>(model_.meshes.size())) {
      // Each instance reads its mesh's accessors again: a large mesh instanced often is work
      // out of proportion to its triangles.
      reads_ += declared_reads(model_.meshes[node.mesh]);
      if (reads_ > kMaxInstancedReads) {
        return invalid_argument("the scene's instances read over " + std::to_string(kMaxInstancedReads) +
                                " accessor elements, the bound for a scene (at node " + std::to_string(index) + ")");
      }
      triangles_ += declared_triangles(model_.meshes[node.mesh]);
      if (triangles_ > kMaxSceneTriangles) {
        return invalid_argument("the scene instances over " + std::to_string(kMaxSceneTriangles) +
                                " triangles, the bound for a scene (at node " + std::to_string(index) + ", mesh " +
                                std::to_string(node.mesh) + ")");
      }
    }
    for (int c : node.children) STRATA_RETURN_IF_ERROR(count(c, depth + 1));
    return Status::ok();
  }

  // Accessor elements an instance of `mesh` reads (and one for each primitive).
  uint64_t declared_reads(const tinygltf::Mesh& mesh) const {
    uint64_t total = 0;
    auto count = [&](int accessor) {
      return accessor >= 0 && accessor < static_cast<int>(model_.accessors.size()) ? uint64_t(model_.accessors[accessor].count) : 0;
    };
    for (const tinygltf::Primitive& prim : mesh.primitives) {
      total += 1 + count(prim.indices);
      for (const auto& [name, accessor] : prim.attributes) total += count(accessor);
    }
    return total;
  }

  uint64_t declared_triangles(const tinygltf::Mesh& mesh) const {
    uint64_t total = 0;
    for (const tinygltf::Primitive& prim : mesh.primitives) {
      int mode = prim.mode < 0 ? TINYGLTF_MODE_TRIANGLES : prim.mode;
      int source = prim.indices;
      if (source < 0) {
        auto it = prim.attributes.find("POSITION");
        source = it == prim.attributes.end() ? -1 : it->second;
      }
      if (source < 0 || source >= static_cast<int>(model_.accessors.size())) continue;
      uint64_t n = model_.accessors[source].count;
      if (mode == TINYGLTF_MODE_TRIANGLES) total += n / 3;
      else if (mode == TINYGLTF_MODE_TRIANGLE_STRIP || mode == TINYGLTF_MODE_TRIANGLE_FAN) total += n >= 2 ? n - 2 : 0;
    }
    return total;
  }

  Status visit(int index, const Mat4& parent, int depth) {
    if (index < 0 || index >= static_cast<int>(model_.nodes.size())) {
      return invalid_argument("node " + std::to_string(index) + " does not exist");
    }
    if (depth > 128) return invalid_argument("the node hierarchy is deeper than 128 levels (a cycle?)");
    const tinygltf::Node& node = model_.nodes[index];
    Mat4 world = parent * node_matrix(node);
    if (node.mesh >= 0) {
      if (node.mesh >= static_cast<int>(model_.meshes.size())) {
        return invalid_argument("node " + std::to_string(index) + " uses mesh " + std::to_string(node.mesh) + " which does not exist");
      }
      STRATA_RETURN_IF_ERROR(add_mesh(model_.meshes[node.mesh], node.mesh, world));
    }
    if (node.camera >= 0 && !scene_.camera) STRATA_RETURN_IF_ERROR(add_camera(node.camera, world));
    double light = extension_number(node.extensions, "KHR_lights_punctual", "light", -1);
    if (light != -1) {
      if (!(light >= 0 && light < double(model_.lights.size())) || light != std::floor(light)) {
        return invalid_argument("node " + std::to_string(index) + " refers to a light that does not exist");
      }
      STRATA_RETURN_IF_ERROR(add_light(static_cast<int>(light), world));
    }
    for (int c : node.children) STRATA_RETURN_IF_ERROR(visit(c, world, depth + 1));
    return Status::ok();
  }

  Status add_mesh(const tinygltf::Mesh& mesh, int mesh_index, const Mat4& world) {
    const bool flip = world.determinant3() < 0;  // mirrored transforms reverse the winding
    for (size_t p = 0; p < mesh.primitives.size(); ++p) {
      const tinygltf::Primitive& prim = mesh.primitives[p];
      std::string what = "mesh " + std::to_string(mesh_index) + (mesh.name.empty() ? "" : " ('" + mesh.name + "')") +
                         " primitive " + std::to_string(p);
      int mode = prim.mode < 0 ? TINYGLTF_MODE_TRIANGLES : prim.mode;
      if (mode != TINYGLTF_MODE_TRIANGLES && mode != TINYGLTF_MODE_TRIANGLE_STRIP && mode != TINYGLTF_MODE_TRIANGLE_FAN) {
        continue;  // points and lines have no area to render
      }
      auto pos_it = prim.attributes.find("POSITION");
      if (pos_it == prim.attributes.end()) return invalid_argument(what + " has no POSITION attribute");
      std::vector<float> pos, nrm, uv;
      STRATA_RETURN_IF_ERROR(read_floats(model_, pos_it->second, 3, pos, what + " POSITION"));
      size_t nverts = pos.size() / 3;
      if (auto it = prim.attributes.find("NORMAL"); it != prim.attributes.end()) {
        STRATA_RETURN_IF_ERROR(read_floats(model_, it->second, 3, nrm, what + " NORMAL"));
        if (nrm.size() != pos.size()) return invalid_argument(what + ": NORMAL and POSITION counts differ");
      }
      if (auto it = prim.attributes.find("TEXCOORD_0"); it != prim.attributes.end()) {
        STRATA_RETURN_IF_ERROR(read_floats(model_, it->second, 2, uv, what + " TEXCOORD_0"));
        if (uv.size() / 2 != nverts) return invalid_argument(what + ": TEXCOORD_0 and POSITION counts differ");
      }
      std::vector<uint32_t> idx;
      if (prim.indices >= 0) {
        STRATA_RETURN_IF_ERROR(read_indices(model_, prim.indices, idx, what));
      } else {
        idx.resize(nverts);
        for (size_t i = 0; i < nverts; ++i) idx[i] = static_cast<uint32_t>(i);
      }
      for (size_t i = 0; i < idx.size(); ++i) {
        if (idx[i] >= nverts) {
          return invalid_argument(what + ": index " + std::to_string(idx[i]) + " at position " + std::to_string(i) +
                                  " is out of range (" + std::to_string(nverts) + " vertices)");
        }
      }
      std::vector<uint32_t> tris;
      if (mode == TINYGLTF_MODE_TRIANGLES) {
        tris.assign(idx.begin(), idx.begin() + idx.size() / 3 * 3);
      } else {
        for (size_t i = 2; i < idx.size(); ++i) {
          if (mode == TINYGLTF_MODE_TRIANGLE_FAN) tris.insert(tris.end(), {idx[0], idx[i - 1], idx[i]});
          else if (i % 2 == 0) tris.insert(tris.end(), {idx[i - 2], idx[i - 1], idx[i]});
          else tris.insert(tris.end(), {idx[i - 1], idx[i - 2], idx[i]});
        }
      }
      uint32_t material;
      if (prim.material >= 0) {
        if (prim.material >= static_cast<int>(model_.materials.size())) {
          return invalid_argument(what + " uses material " + std::to_string(prim.material) + " which does not exist");
        }
        material = static_cast<uint32_t>(prim.material);
      } else {
        material = default_material_index();
      }
      for (size_t t = 0; t + 2 < tris.size(); t += 3) {
        uint32_t c[3] = {tris[t], tris[t + 1], tris[t + 2]};
        if (flip) std::swap(c[1], c[2]);
        kt::TriShading sh{};
        float* normals[3] = {sh.n0, sh.n1, sh.n2};
        float* uvs[3] = {sh.uv0, sh.uv1, sh.uv2};
        for (int k = 0; k < 3; ++k) {
          const float* p = &pos[size_t(c[k]) * 3];
          scene_.vertices.push_back(world.point({p[0], p[1], p[2]}));
          if (!nrm.empty()) {
            const float* n = &nrm[size_t(c[k]) * 3];
            Float3 wn = world.normal({n[0], n[1], n[2]});
            normals[k][0] = wn.x;
            normals[k][1] = wn.y;
            normals[k][2] = wn.z;
          }
          if (!uv.empty()) {
            uvs[k][0] = uv[size_t(c[k]) * 2];
            uvs[k][1] = uv[size_t(c[k]) * 2 + 1];
          }
        }
        sh.material = material;
        sh.light = -1;
        scene_.shading.push_back(sh);
      }
    }
    return Status::ok();
  }

  uint32_t default_material_index() {
    if (default_material_ < 0) {
      default_material_ = static_cast<int>(scene_.materials.size());
      scene_.materials.push_back(Scene::default_material());
    }
    return static_cast<uint32_t>(default_material_);
  }

  Result<int> texture(int texture_index, const tinygltf::ExtensionMap& info_extensions, const std::string& what) {
    if (texture_index < 0) return -1;
    if (texture_index >= static_cast<int>(model_.textures.size())) {
      return invalid_argument(what + " refers to texture " + std::to_string(texture_index) + " which does not exist");
    }
    int source = model_.textures[texture_index].source;
    if (source < 0 || source >= static_cast<int>(model_.images.size())) {
      return invalid_argument(what + ": texture " + std::to_string(texture_index) + " has no valid image");
    }
    uint32_t sampler = sampler_bits(model_.textures[texture_index].sampler);
    std::array<float, 6> transform = uv_transform(info_extensions);
    auto key = std::make_tuple(source, sampler, transform);
    if (auto it = image_to_texture_.find(key); it != image_to_texture_.end()) return it->second;
    const tinygltf::Image& img = model_.images[source];
    std::string name = img.uri.empty() ? img.name : img.uri;
    if (img.image.empty() || img.width <= 0 || img.height <= 0 || img.component < 1 || img.component > 4 ||
        (img.bits != 8 && img.bits != 16)) {
      return invalid_argument(what + ": image " + std::to_string(source) + " ('" + name + "') could not be loaded");
    }
    size_t bytes_per_channel = img.bits / 8;
    if (img.image.size() < size_t(img.width) * img.height * img.component * bytes_per_channel) {
      return invalid_argument(what + ": image " + std::to_string(source) + " ('" + name + "') is truncated");
    }
    texture_pixels_ += uint64_t(img.width) * uint64_t(img.height);
    if (texture_pixels_ > kMaxTexturePixels) {
      return invalid_argument(what + ": image " + std::to_string(source) + " ('" + name +
                              "') takes the scene's textures over the bound of " + std::to_string(kMaxTexturePixels) +
                              " texture pixels (each sampler and transform of an image is a copy)");
    }
    Texture t;
    t.width = img.width;
    t.height = img.height;
    t.name = name;
    t.sampler = sampler;
    t.uv_transform = transform;
    t.rgba.resize(size_t(img.width) * img.height);
    for (size_t i = 0; i < t.rgba.size(); ++i) {
      uint8_t ch[4] = {0, 0, 0, 255};
      for (int c = 0; c < img.component; ++c) {
        // 16-bit channels keep their high byte (little-endian storage).
        ch[c] = img.image[(i * img.component + c) * bytes_per_channel + (bytes_per_channel - 1)];
      }
      if (img.component <= 2) {  // grey (and alpha): replicate
        ch[3] = img.component == 2 ? ch[1] : 255;
        ch[1] = ch[2] = ch[0];
      }
      t.rgba[i] = ch[0] | (ch[1] << 8) | (ch[2] << 16) | (uint32_t(ch[3]) << 24);
    }
    int index = static_cast<int>(scene_.textures.size());
    scene_.textures.push_back(std::move(t));
    image_to_texture_[key] = index;
    return index;
  }

  // KHR_texture_transform of a texture reference as the 2x3 matrix offset * rotation * scale.
  static std::array<float, 6> uv_transform(const tinygltf::ExtensionMap& ext) {
    auto it = ext.find("KHR_texture_transform");
    if (it == ext.end() || !it->second.IsObject()) return {1, 0, 0, 0, 1, 0};
    const tinygltf::Value& t = it->second;
    auto pair = [&](const char* key, double a, double b) {
      if (!t.Has(key) || !t.Get(key).IsArray() || t.Get(key).ArrayLen() != 2) return std::array<double, 2>{a, b};
      return std::array<double, 2>{t.Get(key).Get(0).GetNumberAsDouble(), t.Get(key).Get(1).GetNumberAsDouble()};
    };
    auto offset = pair("offset", 0, 0), scale = pair("scale", 1, 1);
    double rotation = t.Has("rotation") ? t.Get("rotation").GetNumberAsDouble() : 0.0;
    double c = std::cos(rotation), s = std::sin(rotation);
    return {float(c * scale[0]), float(s * scale[1]), float(offset[0]),
            float(-s * scale[0]), float(c * scale[1]), float(offset[1])};
  }

  // The glTF sampler's wrap modes and magnification filter as kt::TexInfo::sampler bits.
  uint32_t sampler_bits(int sampler) const {
    if (sampler < 0 || sampler >= static_cast<int>(model_.samplers.size())) return 0;  // repeat, linear
    const tinygltf::Sampler& s = model_.samplers[sampler];
    auto wrap = [](int mode) {
      return mode == TINYGLTF_TEXTURE_WRAP_CLAMP_TO_EDGE     ? TEX_WRAP_CLAMP
             : mode == TINYGLTF_TEXTURE_WRAP_MIRRORED_REPEAT ? TEX_WRAP_MIRROR
                                                             : TEX_WRAP_REPEAT;
    };
    return wrap(s.wrapS) | (wrap(s.wrapT) << 2) | (s.magFilter == TINYGLTF_TEXTURE_FILTER_NEAREST ? TEX_NEAREST : 0u);
  }

  Status add_material(const tinygltf::Material& src, int index) {
    std::string what = "material " + std::to_string(index) + (src.name.empty() ? "" : " ('" + src.name + "')");
    kt::Material m = Scene::default_material();
    const auto& pbr = src.pbrMetallicRoughness;
    for (size_t c = 0; c < 4 && c < pbr.baseColorFactor.size(); ++c) m.base_color[c] = static_cast<float>(pbr.baseColorFactor[c]);
    m.metallic = static_cast<float>(pbr.metallicFactor);
    m.roughness = static_cast<float>(pbr.roughnessFactor);
    double strength = extension_number(src.extensions, "KHR_materials_emissive_strength", "emissiveStrength", 1.0);
    for (size_t c = 0; c < 3 && c < src.emissiveFactor.size(); ++c) {
      m.emission[c] = static_cast<float>(src.emissiveFactor[c] * strength);
    }
    m.specular = static_cast<float>(extension_number(src.extensions, "KHR_materials_specular", "specularFactor", 1.0));
    m.transmission = static_cast<float>(
        extension_number(src.extensions, "KHR_materials_transmission", "transmissionFactor", 0.0));
    double ior = extension_number(src.extensions, "KHR_materials_ior", "ior", 1.5);
    if (!(ior >= 1.0) || !std::isfinite(ior)) return invalid_argument(what + " has an IOR below 1");
    m.f0 = static_cast<float>(((ior - 1) / (ior + 1)) * ((ior - 1) / (ior + 1)));
    if (!(m.transmission >= 0 && m.transmission <= 1)) return invalid_argument(what + " has a transmission factor outside [0, 1]");
    m.flags = src.doubleSided ? MAT_DOUBLE_SIDED : 0u;
    if (src.alphaMode == "MASK") {
      m.flags |= MAT_ALPHA_MASK;
      m.alpha_cutoff = static_cast<float>(src.alphaCutoff);
    } else if (src.alphaMode == "BLEND") {
      m.flags |= MAT_ALPHA_BLEND;
    } else if (!src.alphaMode.empty() && src.alphaMode != "OPAQUE") {
      return invalid_argument(what + " has unknown alphaMode '" + src.alphaMode + "'");
    }
    auto base = texture(pbr.baseColorTexture.index, pbr.baseColorTexture.extensions, what + " baseColorTexture");
    if (!base.is_ok()) return base.status();
    auto mr = texture(pbr.metallicRoughnessTexture.index, pbr.metallicRoughnessTexture.extensions,
                      what + " metallicRoughnessTexture");
    if (!mr.is_ok()) return mr.status();
    auto em = texture(src.emissiveTexture.index, src.emissiveTexture.extensions, what + " emissiveTexture");
    if (!em.is_ok()) return em.status();
    auto normal = texture(src.normalTexture.index, src.normalTexture.extensions, what + " normalTexture");
    if (!normal.is_ok()) return normal.status();
    if (auto it = src.extensions.find("KHR_materials_transmission");
        it != src.extensions.end() && it->second.Has("transmissionTexture")) {
      const tinygltf::Value& info = it->second.Get("transmissionTexture");
      int index = info.Has("index") ? info.Get("index").GetNumberAsInt() : -1;
      tinygltf::ExtensionMap none;
      auto trans = texture(index, none, what + " transmissionTexture");
      if (!trans.is_ok()) return trans.status();
      m.transmission_tex = *trans;
    }
    m.base_color_tex = *base;
    m.metal_rough_tex = *mr;
    m.emissive_tex = *em;
    m.normal_tex = *normal;
    m.normal_scale = static_cast<float>(src.normalTexture.scale);
    for (float v : {m.base_color[0], m.base_color[1], m.base_color[2], m.metallic, m.roughness, m.emission[0],
                    m.emission[1], m.emission[2], m.specular}) {
      if (!std::isfinite(v) || v < 0) return invalid_argument(what + " has a negative or non-finite factor");
    }
    if (!std::isfinite(m.normal_scale)) {
      return invalid_argument(what + " has a non-finite normal scale");
    }
    m.metallic = std::min(m.metallic, 1.0f);
    m.roughness = std::min(m.roughness, 1.0f);
    scene_.materials.push_back(m);
    return Status::ok();
  }

  Status add_camera(int index, const Mat4& world) {
    if (index >= static_cast<int>(model_.cameras.size())) {
      return invalid_argument("camera " + std::to_string(index) + " does not exist");
    }
    const tinygltf::Camera& cam = model_.cameras[index];
    if (cam.type != "perspective") return Status::ok();  // orthographic: fall back to the default framing
    Camera c;
    c.position = world.point({0, 0, 0});
    c.forward = normalize(world.vector({0, 0, -1}));
    c.up = normalize(world.vector({0, 1, 0}));
    c.yfov = static_cast<float>(cam.perspective.yfov);
    if (!(c.yfov > 0 && c.yfov < 3.1) || !is_finite(c.position) || !is_finite(c.forward) || !is_finite(c.up)) {
      return invalid_argument("camera " + std::to_string(index) + " has an invalid field of view or transform");
    }
    scene_.camera = c;
    return Status::ok();
  }

  Status add_light(int index, const Mat4& world) {
    if (index < 0 || index >= static_cast<int>(model_.lights.size())) {
      return invalid_argument("node refers to light " + std::to_string(index) + " which does not exist");
    }
    const tinygltf::Light& src = model_.lights[index];
    kt::Light l{};
    float color[3] = {1, 1, 1};
    for (size_t c = 0; c < 3 && c < src.color.size(); ++c) color[c] = static_cast<float>(src.color[c]);
    constexpr double kLumensPerWatt = 683.0;
    for (int c = 0; c < 3; ++c) l.intensity[c] = static_cast<float>(color[c] * src.intensity / kLumensPerWatt);
    Float3 pos = world.point({0, 0, 0});
    Float3 dir = normalize(world.vector({0, 0, -1}));  // lights shine along their node's -Z
    for (int a = 0; a < 3; ++a) {
      l.position[a] = pos[a];
      l.direction[a] = dir[a];
    }
    if (src.type == "point") {
      l.type = LIGHT_POINT;
    } else if (src.type == "directional") {
      l.type = LIGHT_DIRECTIONAL;
    } else if (src.type == "spot") {
      l.type = LIGHT_SPOT;
      double cos_outer = std::cos(src.spot.outerConeAngle), cos_inner = std::cos(src.spot.innerConeAngle);
      double scale = 1.0 / std::max(1e-4, cos_inner - cos_outer);
      l.spot_scale = static_cast<float>(scale);
      l.spot_offset = static_cast<float>(-cos_outer * scale);
    } else {
      return invalid_argument("light " + std::to_string(index) + " has unknown type '" + src.type + "'");
    }
    scene_.punctual_lights.push_back(l);
    return Status::ok();
  }

  const Model& model_;
  Scene scene_;
  int default_material_ = -1;
  uint64_t visits_ = 0, triangles_ = 0, reads_ = 0;
  uint64_t texture_pixels_ = 0;  // copied into the scene's textures (one per image, sampler and transform)
  std::map<std::tuple<int, uint32_t, std::array<float, 6>>, int> image_to_texture_;  // (image, sampler, transform)
};

// tinygltf reads files only through these: a scene's own files, by paths relative to the main
// file's folder, and nothing else (its default callbacks follow ".." and search the working
// directory).
struct GltfSource {
  const SceneFiles* files;
  uint64_t pixel_budget = kMaxTexturePixels;
};

const std::vector<uint8_t>* source_file(const std::string& name, void* user) {
  const auto* source = static_cast<GltfSource*>(user);
  auto key = resolve_scene_reference(source->files->main(), name);
  return key.is_ok() ? source->files->find(*key) : nullptr;
}

bool gltf_file_exists(const std::string& name, void* user) { return source_file(name, user) != nullptr; }

std::string gltf_expand_path(const std::string& name, void*) { return name; }

bool gltf_read_file(std::vector<unsigned char>* out, std::string* err, const std::string& name, void* user) {
  const std::vector<uint8_t>* bytes = source_file(name, user);
  if (!bytes) {
    if (err) *err += "'" + name + "' is not one of the scene's files";
    return false;
  }
  out->assign(bytes->begin(), bytes->end());
  return true;
}

bool gltf_write_file(std::string* err, const std::string&, const std::vector<unsigned char>&, void*) {
  if (err) *err += "scenes are read-only";
  return false;
}

// Images decode to RGBA8 within the scene's pixel bound, checked before decoding.
bool gltf_load_image(tinygltf::Image* image, const int index, std::string* err, std::string*, int, int,
                     const unsigned char* bytes, int size, void* user) {
  auto* source = static_cast<GltfSource*>(user);
  std::string name = !image->uri.empty() ? image->uri : !image->name.empty() ? image->name : "image " + std::to_string(index);
  auto decoded = decode_texture(std::span(bytes, size_t(size)), name, source->pixel_budget);
  if (!decoded.is_ok()) {
    if (err) *err += decoded.status().message() + "\n";
    return false;
  }
  image->width = decoded->width;
  image->height = decoded->height;
  image->component = 4;
  image->bits = 8;
  image->pixel_type = TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE;
  image->image = std::move(decoded->rgba);
  return true;
}

}  // namespace

Result<Scene> load_gltf(const SceneFiles& files) {
  const std::string& path = files.main();
  const std::vector<uint8_t>* main = files.find(path);
  if (!main) return not_found("scene '" + path + "': the main file is missing");
  if (main->size() > UINT32_MAX) return invalid_argument("scene '" + path + "': over 4 GiB");
  std::string ext = path.size() >= 4 ? path.substr(path.size() - 4) : "";
  bool binary = ext == ".glb" || ext == ".GLB";
  // What tinygltf would take on trust (chunk layout, nesting, buffer view ranges) is checked first.
  STRATA_RETURN_IF_ERROR(check_gltf_structure(*main, binary, "scene '" + path + "'"));
  GltfSource source{&files};
  tinygltf::TinyGLTF loader;
  loader.SetFsCallbacks({&gltf_file_exists, &gltf_expand_path, &gltf_read_file, &gltf_write_file, &source});
  loader.SetImageLoader(&gltf_load_image, &source);
  Model model;
  std::string err, warn;
  bool ok = false;
  try {
    ok = binary ? loader.LoadBinaryFromMemory(&model, &err, &warn, main->data(), static_cast<unsigned>(main->size()), "")
                : loader.LoadASCIIFromString(&model, &err, &warn, reinterpret_cast<const char*>(main->data()),
                                             static_cast<unsigned>(main->size()), "");
  } catch (const std::exception& e) {
    err = e.what();
    ok = false;
  }
  if (!ok) {
    std::string why = err.empty() ? warn : err;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return invalid_argument("scene '" + path + "': glTF could not be read: " + (why.empty() ? "unknown error" : why));
  }
  GltfImporter importer(model);
  Result<Scene> scene = importer.run();
  if (!scene.is_ok()) return Status(scene.status().code(), "scene '" + path + "': " + scene.status().message());
  return scene;
}

}  // namespace strata::render
