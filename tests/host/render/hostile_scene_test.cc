// Scenes written by an attacker: every file they can reach is one of their own, and everything
// they can inflate is bounded. Each test is an attack from the hostile-testing report, made the
// way a requestor would make it, and asserts that it fails with a reason in the scene's own terms.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "host/render/scene.h"
#include "host/render/scene_files.h"
#include "host/render/texture_decode.h"
#include "tests/test_support.h"

#include <stb_image_write.h>

namespace {

using namespace strata;
using namespace strata::render;
using nlohmann::json;
namespace fs = std::filesystem;

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// One triangle whose positions come from a buffer at `uri` (36 bytes of floats).
json gltf_with_buffer(const std::string& uri, size_t byte_length = 36) {
  return {{"asset", {{"version", "2.0"}}},
          {"scenes", {{{"nodes", {0}}}}},
          {"nodes", {{{"mesh", 0}}}},
          {"meshes", {{{"primitives", {{{"attributes", {{"POSITION", 0}}}}}}}}},
          {"buffers", {{{"byteLength", byte_length}, {"uri", uri}}}},
          {"bufferViews", {{{"buffer", 0}, {"byteLength", byte_length}}}},
          {"accessors", {{{"bufferView", 0}, {"componentType", 5126}, {"count", 3}, {"type", "VEC3"}}}}};
}

// A scene as a provider gets it: exactly the listed files, nothing from its disk.
Result<Scene> load_listed(const std::string& main, std::vector<SceneFiles::File> files) {
  auto set = SceneFiles::from_files(main, std::move(files));
  if (!set.is_ok()) return set.status();
  return load_scene(*set);
}

void expect_refused(const Result<Scene>& r, const std::string& needle) {
  ASSERT_FALSE(r.is_ok()) << "the attack was not refused (expected '" << needle << "')";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().to_string();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  // Errors travel to the requestor: they never name a path of this machine.
  EXPECT_EQ(r.status().message().find(tests::scratch_dir()), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find(fs::current_path().string() + "/"), std::string::npos) << r.status().message();
}

// A secret outside the scene's folder, 36 bytes so it would fit the buffer exactly.
std::string plant_secret() {
  return tests::write_file("secret/identity.key", std::string(36, 'K'));
}

TEST(HostileScene, GltfBufferUriWithDotDotReadsNothingOutsideTheScene) {
  plant_secret();
  std::string uri = "../secret/identity.key";
  std::string gltf = gltf_with_buffer(uri).dump();
  // Locally, the reference is refused before anything is read.
  expect_refused(load_scene(tests::write_file("dotdot/scene.gltf", gltf)), "outside the scene's folder");
  // On a provider the file set is the manifest's: the reference finds nothing.
  expect_refused(load_listed("scene.gltf", {{"scene.gltf", bytes_of(gltf)}}), "identity.key");
  // Percent-encoded dots are decoded first and refused the same way.
  expect_refused(load_scene(tests::write_file("dotdot2/scene.gltf", gltf_with_buffer("%2e%2e/secret/identity.key").dump())),
                 "outside the scene's folder");
}

TEST(HostileScene, AbsolutePathsAreRefusedInGltfAndMtl) {
  std::string gltf = gltf_with_buffer("/etc/hostname").dump();
  expect_refused(load_scene(tests::write_file("absolute/scene.gltf", gltf)), "absolute path");
  expect_refused(load_listed("scene.gltf", {{"scene.gltf", bytes_of(gltf)}}), "/etc/hostname");
  std::string obj = "mtllib m.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nusemtl m\nf 1/1 2/1 3/1\n";
  std::string mtl = "newmtl m\nKd 1 1 1\nmap_Kd /etc/hostname\n";
  tests::write_file("absolute-obj/m.mtl", mtl);
  expect_refused(load_scene(tests::write_file("absolute-obj/a.obj", obj)), "absolute path");
  expect_refused(load_listed("a.obj", {{"a.obj", bytes_of(obj)}, {"m.mtl", bytes_of(mtl)}}), "/etc/hostname");
}

TEST(HostileScene, TheWorkingDirectoryIsNotSearched) {
  // tinygltf's own file callbacks look in "." as well as the scene's folder.
  std::string name = "strata-cwd-bait-" + std::to_string(::getpid()) + ".bin";
  { std::ofstream(name) << std::string(36, 'W'); }
  std::string gltf = gltf_with_buffer(name).dump();
  auto r = load_listed("scene.gltf", {{"scene.gltf", bytes_of(gltf)}});
  fs::remove(name);
  expect_refused(r, name);
}

TEST(HostileScene, SymlinksOutOfTheSceneFolderAreRefused) {
  std::string secret = plant_secret();
  std::string gltf = gltf_with_buffer("key.bin").dump();
  std::string main = tests::write_file("symlinked/scene.gltf", gltf);
  fs::create_symlink(secret, tests::scratch_dir() + "/symlinked/key.bin");
  expect_refused(load_scene(main), "outside the scene's folder");
  // A symlink that stays inside the folder is an ordinary file of the scene.
  std::vector<float> tri = {0, 0, 0, 1, 0, 0, 0, 1, 0};
  tests::write_file("symlinked-inside/data/tri.bin", std::string(reinterpret_cast<const char*>(tri.data()), 36));
  std::string inside = tests::write_file("symlinked-inside/scene.gltf", gltf);
  fs::create_symlink("data/tri.bin", tests::scratch_dir() + "/symlinked-inside/key.bin");
  auto ok = load_scene(inside);
  EXPECT_TRUE(ok.is_ok()) << ok.status().to_string();
}

TEST(HostileScene, AccessorArithmeticThatWrapsIsRefused) {
  // count 2^60+1 with byteStride 16: stride * (count - 1) wraps to 0 in 64 bits.
  json g = gltf_with_buffer("data:application/octet-stream;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 33);
  g["bufferViews"][0]["byteStride"] = 16;
  g["accessors"][0]["count"] = (uint64_t(1) << 60) + 1;
  g["accessors"][0]["type"] = "VEC2";
  g["accessors"][0]["componentType"] = 5126;
  g["meshes"][0]["primitives"][0]["attributes"]["TEXCOORD_0"] = 0;
  g["accessors"].push_back({{"bufferView", 0}, {"componentType", 5126}, {"count", 2}, {"type", "VEC3"}});
  g["meshes"][0]["primitives"][0]["attributes"]["POSITION"] = 1;
  // Refused from the declared count already (the per-instance read bound); the accessor check
  // itself is in checked arithmetic too.
  expect_refused(load_listed("wrap.gltf", {{"wrap.gltf", bytes_of(g.dump())}}), "accessor elements");
}

TEST(HostileScene, SharedChildrenCannotMultiplyVisitsOrTriangles) {
  // Node i has children [i+1, i+1]: 2^60 visits from 60 nodes.
  json g = gltf_with_buffer("data:application/octet-stream;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 33);
  g["nodes"] = json::array();
  for (int i = 0; i < 60; ++i) g["nodes"].push_back({{"children", {i + 1, i + 1}}});
  g["nodes"].push_back({{"mesh", 0}});
  auto start = std::chrono::steady_clock::now();
  expect_refused(load_listed("visits.gltf", {{"visits.gltf", bytes_of(g.dump())}}), "node visits");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // Few visits, but each instancing a mesh that declares a million triangles: refused from the
  // declared counts, before a triangle is made.
  json h = gltf_with_buffer("data:application/octet-stream;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 33);
  h["accessors"][0]["count"] = 3 << 20;
  h["nodes"] = {{{"children", json::array()}}, {{"mesh", 0}}};
  for (int i = 0; i < 9; ++i) h["nodes"][0]["children"].push_back(1);
  expect_refused(load_listed("instances.gltf", {{"instances.gltf", bytes_of(h.dump())}}), "triangles, the bound");
}

// A PNG whose header declares `w` x `h` pixels (its data is not needed to be refused).
std::vector<uint8_t> png_header(uint32_t w, uint32_t h) {
  auto crc = [](const std::vector<uint8_t>& b, size_t from) {
    uint32_t c = 0xffffffffu;
    for (size_t i = from; i < b.size(); ++i) {
      c ^= b[i];
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
  };
  auto be32 = [](std::vector<uint8_t>& b, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
  };
  std::vector<uint8_t> b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  be32(b, 13);
  size_t type_at = b.size();
  b.insert(b.end(), {'I', 'H', 'D', 'R'});
  be32(b, w);
  be32(b, h);
  b.insert(b.end(), {8, 6, 0, 0, 0});
  be32(b, crc(b, type_at));
  return b;
}

TEST(HostileScene, TexturePixelsAreBoundedBeforeDecoding) {
  uint64_t budget = kMaxTexturePixels;
  auto big = decode_texture(png_header(10000, 10000), "huge.png", budget);
  ASSERT_FALSE(big.is_ok());
  EXPECT_NE(big.status().message().find("10000x10000"), std::string::npos) << big.status().message();
  EXPECT_EQ(budget, kMaxTexturePixels);
  // Through a glTF image and through an OBJ texture.
  json g = gltf_with_buffer("data:application/octet-stream;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 33);
  g["images"] = {{{"uri", "huge.png"}}};
  g["textures"] = {{{"source", 0}}};
  g["materials"] = {{{"pbrMetallicRoughness", {{"baseColorTexture", {{"index", 0}}}}}}};
  g["meshes"][0]["primitives"][0]["material"] = 0;
  expect_refused(load_listed("tex.gltf", {{"tex.gltf", bytes_of(g.dump())}, {"huge.png", png_header(10000, 10000)}}),
                 "texture pixels");
  std::string obj = "mtllib m.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nusemtl m\nf 1 2 3\n";
  expect_refused(load_listed("a.obj", {{"a.obj", bytes_of(obj)},
                                       {"m.mtl", bytes_of("newmtl m\nmap_Kd huge.png\n")},
                                       {"huge.png", png_header(10000, 10000)}}),
                 "texture pixels");
}

TEST(HostileScene, FileSetsAreBoundedAndWellFormed) {
  EXPECT_FALSE(SceneFiles::from_files("a.gltf", {{"b.gltf", {}}}).is_ok());
  EXPECT_FALSE(SceneFiles::from_files("../a.gltf", {{"../a.gltf", {}}}).is_ok());
  EXPECT_FALSE(SceneFiles::from_files("a.gltf", {{"a.gltf", {}}, {"a.gltf", {}}}).is_ok());
  std::vector<SceneFiles::File> many(kMaxSceneFiles + 1);
  for (size_t i = 0; i < many.size(); ++i) many[i].path = "f" + std::to_string(i);
  EXPECT_FALSE(SceneFiles::from_files("f0", std::move(many)).is_ok());
  EXPECT_EQ(resolve_scene_reference("sub/a.gltf", "../b.bin").value(), "b.bin");
  EXPECT_EQ(resolve_scene_reference("sub/a.gltf", "./c/./d.png").value(), "sub/c/d.png");
  EXPECT_FALSE(resolve_scene_reference("sub/a.gltf", "../../b.bin").is_ok());
  EXPECT_FALSE(resolve_scene_reference("a.gltf", "C:/x").is_ok());
  EXPECT_FALSE(resolve_scene_reference("a.gltf", "a\\..\\..\\b").is_ok());
}

// Found by hostile review: inputs that tinygltf or tinyobjloader would take on trust.
TEST(HostileScene, WhatTheLibrariesWouldTrustIsCheckedFirst) {
  const std::string zeros = "data:application/octet-stream;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  // An image in a buffer view far past its 33-byte buffer (tinygltf hands the pointer on unchecked).
  json g = gltf_with_buffer(zeros, 33);
  g["bufferViews"].push_back({{"buffer", 0}, {"byteOffset", uint64_t(1) << 40}, {"byteLength", 16}});
  g["images"] = {{{"bufferView", 1}, {"mimeType", "image/png"}}};
  expect_refused(load_listed("oob.gltf", {{"oob.gltf", bytes_of(g.dump())}}), "reaches past the end of buffer 0");
  g["bufferViews"][1] = {{"buffer", 0}, {"byteOffset", 0}, {"byteLength", 4112}};  // longer than the buffer
  expect_refused(load_listed("long.gltf", {{"long.gltf", bytes_of(g.dump())}}), "reaches past the end of buffer 0");
  // A GLB whose binary chunk claims more bytes than follow it.
  std::string text = gltf_with_buffer("", 44).dump();
  json h = json::parse(text);
  h["buffers"][0].erase("uri");
  text = h.dump();
  while (text.size() % 4) text += ' ';
  std::string bin(36, '\0');
  auto le32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  std::string glb_body = le32(uint32_t(text.size())) + le32(0x4E4F534A) + text + le32(44) + le32(0x004E4942) + bin;
  std::string glb = "glTF" + le32(2) + le32(uint32_t(12 + glb_body.size())) + glb_body;
  expect_refused(load_listed("over.glb", {{"over.glb", bytes_of(glb)}}), "binary chunk");
  // JSON nested 50,000 deep (tinygltf recurses on it).
  json deep = gltf_with_buffer(zeros, 33);
  std::string nested = std::string(50000, '[') + std::string(50000, ']');
  std::string deep_text = deep.dump();
  deep_text.insert(deep_text.size() - 1, ",\"extras\":" + nested);
  expect_refused(load_listed("deep.gltf", {{"deep.gltf", bytes_of(deep_text)}}), "nests deeper than 64");
  // Light indices that a cast to int would turn into INT_MIN.
  for (double index : {1e300, 4294967296.0, -5.0, 0.5}) {
    json l = gltf_with_buffer("data:application/octet-stream;base64," + std::string(48, 'A'), 36);
    l["nodes"][0]["extensions"] = {{"KHR_lights_punctual", {{"light", index}}}};
    expect_refused(load_listed("light.gltf", {{"light.gltf", bytes_of(l.dump())}}), "light that does not exist");
  }
  // An OBJ face of 300 corners (the triangulation is quadratic in them).
  std::string obj = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf";
  for (int i = 0; i < 300; ++i) obj += " " + std::to_string(i % 3 + 1);
  expect_refused(load_listed("poly.obj", {{"poly.obj", bytes_of(obj + "\n")}}), "300 corners");
}

TEST(HostileScene, InstancesCannotMultiplyReadsOrTextureCopies) {
  // A mesh that declares 100,000 vertices, instanced 2,048 times: 2 * 10^8 reads, refused from
  // the declared counts before any is made.
  json g = gltf_with_buffer("data:application/octet-stream;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 33);
  g["accessors"][0]["count"] = 100000;
  g["accessors"].push_back({{"bufferView", 0}, {"componentType", 5121}, {"count", 3}, {"type", "SCALAR"}});
  g["meshes"][0]["primitives"][0]["indices"] = 1;
  g["nodes"] = json::array();
  for (int i = 0; i < 11; ++i) g["nodes"].push_back({{"children", {i + 1, i + 1}}});
  g["nodes"].push_back({{"mesh", 0}});
  auto start = std::chrono::steady_clock::now();
  expect_refused(load_listed("reads.gltf", {{"reads.gltf", bytes_of(g.dump())}}), "accessor elements");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // One 4096x4096 image used under five transforms: five copies, the fifth over the pixel bound.
  std::vector<uint8_t> pixels(size_t(4096) * 4096 * 3, 0);
  std::vector<uint8_t> png;
  stbi_write_png_to_func([](void* out, void* data, int size) {
    auto* v = static_cast<std::vector<uint8_t>*>(out);
    v->insert(v->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  }, &png, 4096, 4096, 3, pixels.data(), 4096 * 3);
  json t = gltf_with_buffer("data:application/octet-stream;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 33);
  t["images"] = {{{"uri", "t.png"}}};
  t["textures"] = {{{"source", 0}}};
  t["materials"] = json::array();
  for (int i = 0; i < 5; ++i) {
    json info = {{"index", 0}, {"extensions", {{"KHR_texture_transform", {{"offset", {0.1 * i, 0}}}}}}};
    t["materials"].push_back({{"pbrMetallicRoughness", {{"baseColorTexture", info}}}});
  }
  expect_refused(load_listed("copies.gltf", {{"copies.gltf", bytes_of(t.dump())}, {"t.png", png}}), "texture pixels");
}

// The files a scene takes with it are named as its importers will ask for them: a '%' that is no
// escape is refused (tinygltf reads "%2g" as a space, a plain decoder as itself), and an MTL
// texture name is the rest of its line after the options, spaces included, as tinyobjloader
// reads it (the last word, "texture.png", is another file).
TEST(HostileScene, FilesAreNamedAsTheImportersReadThem) {
  for (const char* uri : {"tri%2g.bin", "tri.bin%4", "%%41.bin"}) {
    expect_refused(load_scene(tests::write_file("percent/scene.gltf", gltf_with_buffer(uri).dump())),
                   "not followed by two hex digits");
  }
  std::vector<float> tri = {0, 0, 0, 1, 0, 0, 0, 1, 0};
  tests::write_file("percent-ok/tri A.bin", std::string(reinterpret_cast<const char*>(tri.data()), 36));
  auto escaped = load_scene(tests::write_file("percent-ok/scene.gltf", gltf_with_buffer("tri%20%41.bin").dump()));
  EXPECT_TRUE(escaped.is_ok()) << escaped.status().to_string();

  std::vector<uint8_t> pixels(4 * 4 * 3, 200), png;
  stbi_write_png_to_func([](void* out, void* data, int size) {
    auto* v = static_cast<std::vector<uint8_t>*>(out);
    v->insert(v->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  }, &png, 4, 4, 3, pixels.data(), 4 * 3);
  tests::write_file("spaced/my texture.png", std::string(png.begin(), png.end()));
  tests::write_file("spaced/texture.png", "not the texture");
  tests::write_file("spaced/m.mtl", "newmtl m\nKd 1 1 1\nmap_Kd -s 1 1 1 my texture.png\n");
  std::string obj = tests::write_file("spaced/a.obj", "mtllib m.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nusemtl m\nf 1/1 2/1 3/1\n");
  auto files = SceneFiles::read_folder(obj);
  ASSERT_TRUE(files.is_ok()) << files.status().to_string();
  std::vector<std::string> paths;
  for (const auto& f : files->files()) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"a.obj", "m.mtl", "my texture.png"}));
  auto scene = load_scene(*files);
  ASSERT_TRUE(scene.is_ok()) << scene.status().to_string();
  EXPECT_EQ(scene->textures.size(), 1u);
}

// Found by hostile review: tinyobjloader ends a line at "\n", "\r\n" or a lone "\r"; a check that
// reads lines at "\n" only sees one line in a file written with "\r" and never counts its faces.
// A 20,000-corner face (a convex polygon, ~0.6 MB) keeps a provider's worker triangulating for
// seconds; ten times that, for minutes.
TEST(HostileScene, LinesEndWhereTheImporterEndsThem) {
  std::string obj = "v 0 0 0\rv 1 0 0\rv 0 1 0\rf";
  for (int i = 0; i < 300; ++i) obj += " " + std::to_string(i % 3 + 1);
  expect_refused(load_listed("poly.obj", {{"poly.obj", bytes_of(obj + "\r")}}), "300 corners");
  const int n = 20000;
  std::string convex;
  for (int i = 0; i < n; ++i) {
    convex += "v " + std::to_string(std::cos(6.283185307 * i / n)) + " " + std::to_string(std::sin(6.283185307 * i / n)) + " 0\r";
  }
  convex += "f";
  for (int i = 0; i < n; ++i) convex += " " + std::to_string(i + 1);
  auto start = std::chrono::steady_clock::now();
  expect_refused(load_listed("convex.obj", {{"convex.obj", bytes_of(convex + "\r")}}), "20000 corners");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  // The material libraries an OBJ names are those tinyobjloader asks for: after "\r" too, a
  // name with an escaped space whole, a tab part of the name.
  tests::write_file("cr-obj/m.mtl", "newmtl m\nKd 1 0 0\n");
  tests::write_file("cr-obj/my lib.mtl", "newmtl m\nKd 1 0 0\n");
  std::string cr = tests::write_file("cr-obj/a.obj", "v 0 0 0\rmtllib m.mtl\rmtllib my\\ lib.mtl\r");
  auto files = SceneFiles::read_folder(cr);
  ASSERT_TRUE(files.is_ok()) << files.status().to_string();
  std::vector<std::string> paths;
  for (const auto& f : files->files()) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"a.obj", "m.mtl", "my lib.mtl"}));
}

// Found by hostile review: each material costs tinyobjloader ~1.9 KB (a 9-byte "newmtl a" line is
// a 210-fold inflation: a 1 GiB library is ~200 GB), and it reads a library again under each name
// that resolves to it ("m.mtl", "./m.mtl", ...), so a small library multiplies. Materials are
// counted, as tinyobjloader counts them, before any library is parsed, and each file is read once.
TEST(HostileScene, MaterialLibrariesCannotInflate) {
  std::string many;
  for (int i = 0; i < 100000; ++i) many += "newmtl a\n";
  std::string obj = "mtllib m.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nusemtl a\nf 1 2 3\n";
  auto start = std::chrono::steady_clock::now();
  expect_refused(load_listed("a.obj", {{"a.obj", bytes_of(obj)}, {"m.mtl", bytes_of(many)}}), "materials");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  // The requestor reads the library too, to name its textures.
  tests::write_file("many-materials/m.mtl", many);
  std::string local = tests::write_file("many-materials/a.obj", obj);
  auto files = SceneFiles::read_folder(local);
  ASSERT_FALSE(files.is_ok());
  EXPECT_NE(files.status().message().find("materials"), std::string::npos) << files.status().message();
  // 2,000 materials under 100 names: 2,000 once.
  std::string some;
  for (int i = 0; i < 2000; ++i) some += "newmtl m" + std::to_string(i) + "\n";
  std::string aliases;
  std::string prefix;
  for (int i = 0; i < 100; ++i, prefix += "./") aliases.append("mtllib ").append(prefix).append("m.mtl\n");
  auto scene = load_listed("b.obj", {{"b.obj", bytes_of(aliases + obj)}, {"m.mtl", bytes_of(some)}});
  ASSERT_TRUE(scene.is_ok()) << scene.status().to_string();
  EXPECT_EQ(scene->materials.size(), 2001u);  // the library's, and the default
  // A library of unknown parameters: a map entry each, inflating ~25-fold.
  std::string params = "newmtl m\n";
  while (params.size() < (size_t(8) << 20)) params += std::to_string(params.size()) + " v\n";
  expect_refused(load_listed("c.obj", {{"c.obj", bytes_of(obj)}, {"m.mtl", bytes_of(params)}}), "MiB");
}

}  // namespace
