// Scene import: glTF 2.0 (.gltf, .glb) and OBJ+MTL, and a clear error for each kind of bad file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "host/render/scene.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::render;
using nlohmann::json;

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 3; k >= 0; --k) out += t[(v >> (6 * k)) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// A one-mesh glTF: positions (xyz triples) and 16-bit indices in one embedded buffer.
json triangle_gltf(const std::vector<float>& pos, const std::vector<uint16_t>& idx) {
  std::string bytes(reinterpret_cast<const char*>(pos.data()), pos.size() * 4);
  size_t index_offset = bytes.size();
  bytes.append(reinterpret_cast<const char*>(idx.data()), idx.size() * 2);
  json g = {{"asset", {{"version", "2.0"}}},
            {"scene", 0},
            {"scenes", {{{"nodes", {0}}}}},
            {"nodes", {{{"mesh", 0}}}},
            {"meshes", {{{"primitives", {{{"attributes", {{"POSITION", 0}}}, {"indices", 1}, {"material", 0}}}}}}},
            {"materials", {{{"pbrMetallicRoughness", {{"baseColorFactor", {0.5, 0.5, 0.5, 1}}}}}}},
            {"buffers", {{{"byteLength", bytes.size()}, {"uri", "data:application/octet-stream;base64," + base64(bytes)}}}},
            {"bufferViews", {{{"buffer", 0}, {"byteOffset", 0}, {"byteLength", pos.size() * 4}},
                             {{"buffer", 0}, {"byteOffset", index_offset}, {"byteLength", idx.size() * 2}}}},
            {"accessors", {{{"bufferView", 0}, {"componentType", 5126}, {"count", pos.size() / 3}, {"type", "VEC3"}},
                           {{"bufferView", 1}, {"componentType", 5123}, {"count", idx.size()}, {"type", "SCALAR"}}}}};
  return g;
}

const std::vector<float> kTri = {0, 0, 0, 1, 0, 0, 0, 1, 0};

Result<Scene> load_json(const std::string& name, const json& g) {
  return load_scene(tests::write_file(name, g.dump()));
}

void expect_error(const Result<Scene>& r, const std::string& needle) {
  ASSERT_FALSE(r.is_ok()) << "expected an error mentioning '" << needle << "'";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().to_string();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(SceneImport, DemoSceneHasEverythingTheRendererUses) {
  auto scene = load_scene(strata::tests::source_dir() + "/scenes/demo.gltf");
  ASSERT_TRUE(scene.is_ok()) << scene.status().to_string();
  EXPECT_GT(scene->triangle_count(), 1000u);
  ASSERT_TRUE(scene->camera.has_value());
  EXPECT_NEAR(scene->camera->position.z, 3.9f, 1e-6);
  EXPECT_NEAR(scene->camera->yfov, 0.6911f, 1e-6);
  ASSERT_EQ(scene->textures.size(), 1u);
  EXPECT_EQ(scene->textures[0].width, 64);
  // KHR_materials_emissive_strength multiplies the emissive factor: the light emits 12 x factor.
  bool found_light = false;
  for (const auto& m : scene->materials) {
    if (m.emission[0] > 0) {
      found_light = true;
      EXPECT_FLOAT_EQ(m.emission[0], 12.0f);
      EXPECT_FLOAT_EQ(m.emission[1], 0.85f * 12.0f);
    }
  }
  EXPECT_TRUE(found_light);
  auto gpu = build_scene_gpu(*scene);
  ASSERT_TRUE(gpu.is_ok());
  EXPECT_EQ(gpu->lights.size(), 2u);  // the emissive quad's two triangles
  EXPECT_FLOAT_EQ(gpu->lights.back().cdf, 1.0f);
  EXPECT_NEAR(gpu->srgb_lut[255], 1.0f, 1e-7);
  EXPECT_NEAR(gpu->srgb_lut[128], 0.21586, 1e-5);  // sRGB 128 is 21.6 % linear
}

TEST(SceneImport, NodeTransformsLightsAndDoubleSidedness) {
  json g = triangle_gltf(kTri, {0, 1, 2});
  g["nodes"] = {{{"mesh", 0}, {"translation", {1, 2, 3}}, {"scale", {2, 2, 2}}},
                {{"extensions", {{"KHR_lights_punctual", {{"light", 0}}}}}, {"translation", {0, 5, 0}}},
                {{"extensions", {{"KHR_lights_punctual", {{"light", 1}}}}},
                 {"rotation", {-0.7071068, 0, 0, 0.7071068}}}};
  g["scenes"] = {{{"nodes", {0, 1, 2}}}};
  g["extensions"] = {{"KHR_lights_punctual",
                      {{"lights", {{{"type", "point"}, {"intensity", 40}, {"color", {1, 0.5, 0.25}}},
                                   {{"type", "spot"}, {"intensity", 8}, {"spot", {{"innerConeAngle", 0.2}, {"outerConeAngle", 0.5}}}}}}}}};
  g["materials"][0]["doubleSided"] = true;
  auto scene = load_json("xform.gltf", g);
  ASSERT_TRUE(scene.is_ok()) << scene.status().to_string();
  ASSERT_EQ(scene->vertices.size(), 3u);
  EXPECT_FLOAT_EQ(scene->vertices[1].x, 3.0f);  // (1,0,0) * 2 + (1,2,3)
  EXPECT_FLOAT_EQ(scene->vertices[2].y, 4.0f);
  EXPECT_EQ(scene->materials[0].flags & MAT_DOUBLE_SIDED, MAT_DOUBLE_SIDED);
  ASSERT_EQ(scene->punctual_lights.size(), 2u);
  const auto& point = scene->punctual_lights[0];
  EXPECT_EQ(point.type, LIGHT_POINT);
  EXPECT_FLOAT_EQ(point.position[1], 5.0f);
  EXPECT_FLOAT_EQ(point.intensity[1], static_cast<float>(40 * 0.5 / 683.0));  // candela to W/sr
  const auto& spot = scene->punctual_lights[1];
  EXPECT_EQ(spot.type, LIGHT_SPOT);
  EXPECT_NEAR(spot.direction[1], -1.0f, 1e-6);  // -Z rotated -90 degrees about X points down
  // Spot falloff reaches 1 at the inner cone and 0 at the outer cone.
  EXPECT_NEAR(std::cos(0.2) * spot.spot_scale + spot.spot_offset, 1.0, 1e-5);
  EXPECT_NEAR(std::cos(0.5) * spot.spot_scale + spot.spot_offset, 0.0, 1e-5);
}

TEST(SceneImport, SamplerWrapModesAndFilter) {
  std::filesystem::copy_file(tests::assimp_models() + "/glTF2/BoxTextured-glTF/CesiumLogoFlat.png",
                             tests::scratch_dir() + "/sampler-logo.png", std::filesystem::copy_options::overwrite_existing);
  json g = triangle_gltf(kTri, {0, 1, 2});
  g["images"] = {{{"uri", "sampler-logo.png"}}};
  g["samplers"] = {{{"wrapS", 33071}, {"wrapT", 33648}, {"magFilter", 9728}}};
  g["textures"] = {{{"source", 0}, {"sampler", 0}}, {{"source", 0}}};
  g["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"] = {{"index", 0}};
  g["materials"][0]["emissiveTexture"] = {{"index", 1}};
  g["materials"][0]["normalTexture"] = {{"index", 1}, {"scale", 0.5}};
  auto scene = load_json("samplers.gltf", g);
  ASSERT_TRUE(scene.is_ok()) << scene.status().to_string();
  ASSERT_EQ(scene->textures.size(), 2u);  // one image under two samplers
  const auto& m = scene->materials[0];
  EXPECT_EQ(scene->textures[m.base_color_tex].sampler, TEX_WRAP_CLAMP | (TEX_WRAP_MIRROR << 2) | TEX_NEAREST);
  EXPECT_EQ(scene->textures[m.emissive_tex].sampler, TEX_WRAP_REPEAT | (TEX_WRAP_REPEAT << 2));
  EXPECT_EQ(m.normal_tex, m.emissive_tex);
  EXPECT_FLOAT_EQ(m.normal_scale, 0.5f);
}

TEST(SceneImport, TextureTransform) {
  std::filesystem::copy_file(tests::assimp_models() + "/glTF2/BoxTextured-glTF/CesiumLogoFlat.png",
                             tests::scratch_dir() + "/transform-logo.png", std::filesystem::copy_options::overwrite_existing);
  json g = triangle_gltf(kTri, {0, 1, 2});
  g["images"] = {{{"uri", "transform-logo.png"}}};
  g["textures"] = {{{"source", 0}}};
  g["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"] = {
      {"index", 0},
      {"extensions", {{"KHR_texture_transform", {{"offset", {0.25, 0.5}}, {"rotation", 1.5707963267948966}, {"scale", {2, 3}}}}}}};
  g["materials"][0]["emissiveTexture"] = {{"index", 0}};
  auto scene = load_json("transform.gltf", g);
  ASSERT_TRUE(scene.is_ok()) << scene.status().to_string();
  ASSERT_EQ(scene->textures.size(), 2u);  // one image, with and without a transform
  const auto& t = scene->textures[scene->materials[0].base_color_tex].uv_transform;
  // offset * rotation(90 degrees) * scale: u' = 3 v + 0.25, v' = -2 u + 0.5
  EXPECT_NEAR(t[0], 0, 1e-6);
  EXPECT_NEAR(t[1], 3, 1e-6);
  EXPECT_NEAR(t[2], 0.25, 1e-6);
  EXPECT_NEAR(t[3], -2, 1e-6);
  EXPECT_NEAR(t[4], 0, 1e-6);
  EXPECT_NEAR(t[5], 0.5, 1e-6);
  const auto& identity = scene->textures[scene->materials[0].emissive_tex].uv_transform;
  EXPECT_EQ(identity, (std::array<float, 6>{1, 0, 0, 0, 1, 0}));
}

TEST(SceneImport, TransmissionAndIor) {
  json g = triangle_gltf(kTri, {0, 1, 2});
  g["materials"][0]["extensions"] = {{"KHR_materials_transmission", {{"transmissionFactor", 0.75}}},
                                     {"KHR_materials_ior", {{"ior", 2.0}}}};
  auto scene = load_json("glass.gltf", g);
  ASSERT_TRUE(scene.is_ok()) << scene.status().to_string();
  EXPECT_FLOAT_EQ(scene->materials[0].transmission, 0.75f);
  EXPECT_FLOAT_EQ(scene->materials[0].f0, 1.0f / 9.0f);  // ((2 - 1) / (2 + 1))^2
  g["materials"][0]["extensions"]["KHR_materials_ior"]["ior"] = 0.5;
  expect_error(load_json("badior.gltf", g), "IOR below 1");
}

TEST(SceneImport, AlphaModes) {
  json g = triangle_gltf(kTri, {0, 1, 2});
  g["materials"][0]["alphaMode"] = "MASK";
  g["materials"][0]["alphaCutoff"] = 0.3;
  auto mask = load_json("mask.gltf", g);
  ASSERT_TRUE(mask.is_ok()) << mask.status().to_string();
  EXPECT_EQ(mask->materials[0].flags & MAT_ALPHA_MASK, MAT_ALPHA_MASK);
  EXPECT_FLOAT_EQ(mask->materials[0].alpha_cutoff, 0.3f);
  auto gpu = build_scene_gpu(*mask);
  ASSERT_TRUE(gpu.is_ok());
  EXPECT_EQ(gpu->tris[0].prim, 0u | TRI_ALPHA_TESTED);
  g["materials"][0]["alphaMode"] = "SOMETIMES";
  expect_error(load_json("badalpha.gltf", g), "unknown alphaMode 'SOMETIMES'");
}

TEST(SceneImport, BinaryAndTextGltfAgree) {
  std::string dir = strata::tests::assimp_models() + "/glTF2/";
  auto text = load_scene(dir + "BoxTextured-glTF/BoxTextured.gltf");
  auto binary = load_scene(dir + "BoxTextured-glTF-Binary/BoxTextured.glb");
  ASSERT_TRUE(text.is_ok()) << text.status().to_string();
  ASSERT_TRUE(binary.is_ok()) << binary.status().to_string();
  EXPECT_EQ(text->triangle_count(), 12u);
  EXPECT_EQ(binary->triangle_count(), 12u);
  ASSERT_EQ(text->textures.size(), 1u);
  EXPECT_EQ(text->textures[0].rgba, binary->textures[0].rgba);
  for (size_t i = 0; i < text->vertices.size(); ++i) EXPECT_EQ(text->vertices[i].x, binary->vertices[i].x);
}

TEST(SceneImport, TruncatedGlbIsRejected) {
  std::ifstream in(strata::tests::assimp_models() + "/glTF2/BoxTextured-glTF-Binary/BoxTextured.glb", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t keep : {size_t(10), size_t(30), bytes.size() / 2, bytes.size() - 7}) {
    auto r = load_scene(tests::write_file("truncated.glb", bytes.substr(0, keep)));
    ASSERT_FALSE(r.is_ok()) << "kept " << keep << " bytes";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("truncated.glb"), std::string::npos) << r.status().message();
  }
}

TEST(SceneImport, OutOfRangeIndicesAreNamed) {
  expect_error(load_json("badindex.gltf", triangle_gltf(kTri, {0, 1, 5})), "index 5 at position 2 is out of range (3 vertices)");
}

TEST(SceneImport, NonFiniteVerticesAreRejected) {
  std::vector<float> pos = kTri;
  pos[4] = std::nanf("");
  expect_error(load_json("nan.gltf", triangle_gltf(pos, {0, 1, 2})), "NaN or infinite vertex");
  pos[4] = INFINITY;
  expect_error(load_json("inf.gltf", triangle_gltf(pos, {0, 1, 2})), "NaN or infinite vertex");
  expect_error(load_scene(strata::tests::assimp_models() + "/glTF2/BoxWithInfinites-glTF-Binary/BoxWithInfinites.glb"),
               "NaN or infinite vertex");
}

TEST(SceneImport, MissingTexturesAreNamed) {
  json g = triangle_gltf(kTri, {0, 1, 2});
  g["images"] = {{{"uri", "no_such_texture.png"}}};
  g["textures"] = {{{"source", 0}}};
  g["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"] = {{"index", 0}};
  expect_error(load_json("missingtex.gltf", g), "no_such_texture.png");
  json h = triangle_gltf(kTri, {0, 1, 2});
  h["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"] = {{"index", 3}};
  expect_error(load_json("badtexindex.gltf", h), "texture 3 which does not exist");
}

TEST(SceneImport, EmptyScenesAreRejected) {
  json g = {{"asset", {{"version", "2.0"}}}, {"scenes", {{{"nodes", json::array()}}}}};
  expect_error(load_json("empty.gltf", g), "no triangles");
  expect_error(load_scene(strata::tests::assimp_models() + "/invalid/empty.obj"), "no triangles");
}

TEST(SceneImport, BrokenReferencesAndBuffersAreNamed) {
  json g = triangle_gltf(kTri, {0, 1, 2});
  g["accessors"][0]["count"] = 1000;  // reads past the end of its buffer view
  expect_error(load_json("overrun.gltf", g), "past the end");
  json h = triangle_gltf(kTri, {0, 1, 2});
  h["meshes"][0]["primitives"][0]["material"] = 7;
  expect_error(load_json("badmat.gltf", h), "material 7");
  json k = triangle_gltf(kTri, {0, 1, 2});
  k["nodes"][0]["mesh"] = 4;
  expect_error(load_json("badmesh.gltf", k), "mesh 4");
  json c = triangle_gltf(kTri, {0, 1, 2});
  c["nodes"] = {{{"mesh", 0}, {"children", {0}}}};  // a node that is its own child
  expect_error(load_json("cycle.gltf", c), "deeper than");
  expect_error(load_scene(tests::write_file("garbage.gltf", "{ this is not json")), "garbage.gltf");
}

TEST(SceneImport, MissingFilesAndUnknownFormats) {
  auto missing = load_scene("/nonexistent/scene.gltf");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  expect_error(load_scene(tests::write_file("scene.fbx", "x")), "unknown format '.fbx'");
}

TEST(SceneImport, ObjWithMaterialsTexturesAndEmission) {
  std::string dir = tests::scratch_dir();
  // The texture: the Cesium logo PNG that ships beside the BoxTextured test model.
  std::filesystem::copy_file(strata::tests::assimp_models() + "/glTF2/BoxTextured-glTF/CesiumLogoFlat.png",
                             dir + "/logo.png", std::filesystem::copy_options::overwrite_existing);
  tests::write_file("quad.mtl",
                      "newmtl lamp\nKd 0.1 0.1 0.1\nKe 4 3 2\n"
                      "newmtl paper\nKd 1 1 1\nmap_Kd logo.png\nNs 10\n");
  std::string obj = tests::write_file("quad.obj",
                                        "mtllib quad.mtl\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\n"
                                        "vt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\nvn 0 0 1\n"
                                        "usemtl lamp\nf 1/1/1 2/2/1 3/3/1\nusemtl paper\nf 1/1/1 3/3/1 4/4/1\n");
  auto scene = load_scene(obj);
  ASSERT_TRUE(scene.is_ok()) << scene.status().to_string();
  ASSERT_EQ(scene->triangle_count(), 2u);
  const auto& lamp = scene->materials[scene->shading[0].material];
  EXPECT_FLOAT_EQ(lamp.emission[0], 4.0f);
  EXPECT_FLOAT_EQ(lamp.specular, 0.0f);  // no Ks: purely diffuse
  const auto& paper = scene->materials[scene->shading[1].material];
  EXPECT_GE(paper.base_color_tex, 0);
  EXPECT_NEAR(paper.roughness, std::sqrt(2.0f / 12.0f), 1e-6);
  EXPECT_FLOAT_EQ(scene->shading[1].n0[2], 1.0f);
  EXPECT_FLOAT_EQ(scene->shading[1].uv2[1], 1.0f);
  auto gpu = build_scene_gpu(*scene);
  ASSERT_TRUE(gpu.is_ok());
  EXPECT_EQ(gpu->lights.size(), 1u);

  tests::write_file("badtex.mtl", "newmtl m\nKd 1 1 1\nmap_Kd not_here.png\n");
  expect_error(load_scene(tests::write_file("badtex.obj", "mtllib badtex.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nusemtl m\nf 1 2 3\n")),
               "not_here.png");
}

TEST(SceneImport, MalformedObjFilesAreRejected) {
  expect_error(load_scene(strata::tests::assimp_models() + "/invalid/malformed.obj"), "malformed.obj");
  expect_error(load_scene(tests::write_file("badref.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n")), "badref.obj");
  expect_error(load_scene(tests::write_file("nanobj.obj", "v 0 0 0\nv 1e40 0 0\nv 0 1 0\nf 1 2 3\n")), "NaN or infinite");
}

// Every glTF model in Debian's assimp test set either loads or is refused with a message that
// names the file: never a crash.
TEST(SceneImport, AssimpTestModelsLoadOrFailCleanly) {
  int loaded = 0, refused = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(strata::tests::assimp_models() + "/glTF2")) {
    std::string ext = entry.path().extension().string();
    if (ext != ".gltf" && ext != ".glb") continue;
    auto r = load_scene(entry.path().string());
    if (r.is_ok()) {
      ++loaded;
      EXPECT_TRUE(build_scene_gpu(*r).is_ok()) << entry.path();
    } else {
      ++refused;
      EXPECT_NE(r.status().message().find(entry.path().filename().string()), std::string::npos) << r.status().message();
    }
  }
  EXPECT_GT(loaded, 20);
  EXPECT_GT(refused, 0);
}

}  // namespace

namespace {

// Corrupted files (bit flips, overwritten bytes, truncation) are either refused with a message
// or load into a scene that builds; never a crash.
TEST(SceneImport, RandomlyCorruptedFilesNeverCrash) {
  std::ifstream in(tests::assimp_models() + "/glTF2/BoxTextured-glTF-Binary/BoxTextured.glb", std::ios::binary);
  const std::string glb((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(glb.empty());
  const std::string obj =
      "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 1 1\nvn 0 0 1\n"
      "f 1/1/1 2/2/1 3/3/1\nf 1 3 4\nf -1 -2 -3\n";
  std::mt19937 rng(2026);
  int refused = 0;
  for (const auto& [original, ext] : {std::pair{glb, std::string(".glb")}, std::pair{obj, std::string(".obj")}}) {
    for (int i = 0; i < 300; ++i) {
      std::string m = original;
      for (int f = 1 + rng() % 6; f > 0 && !m.empty(); --f) {
        size_t pos = rng() % m.size();
        switch (rng() % 3) {
          case 0: m[pos] = static_cast<char>(m[pos] ^ (1 << (rng() % 8))); break;
          case 1: m[pos] = static_cast<char>(rng()); break;
          default: m.resize(pos); break;
        }
      }
      auto r = load_scene(tests::write_file("corrupt" + ext, m));
      if (r.is_ok()) {
        EXPECT_TRUE(build_scene_gpu(*r).is_ok());
      } else {
        ++refused;
        EXPECT_FALSE(r.status().message().empty());
      }
    }
  }
  EXPECT_GT(refused, 100);
}

}  // namespace
