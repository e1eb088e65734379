// Scenes as blobs: a glTF with an external buffer and texture, and an OBJ with its material
// library and texture, are collected whole, stored, fetched back and load the same; bad
// references, bad manifests and fetched files that differ from their ids are errors that name
// the problem.
#include <gtest/gtest.h>

#include <filesystem>

#include "compute/scene_package.h"
#include "host/render/scene.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::compute;
namespace fs = std::filesystem;

std::vector<std::string> paths_of(const render::SceneFiles& files) {
  std::vector<std::string> out;
  for (const auto& f : files.files()) out.push_back(f.path);
  return out;
}

// Stores the files, then fetches them back from the store by the manifest.
render::SceneFiles round_trip(const render::SceneFiles& files, const std::string& name) {
  auto store = network::BlobStore::open(tests::scratch_dir() + "/package-store-" + name);
  EXPECT_TRUE(store.is_ok());
  auto id = store_scene(**store, files);
  EXPECT_TRUE(id.is_ok());
  auto manifest = decode_manifest(*(*store)->get(*id));
  EXPECT_TRUE(manifest.is_ok()) << manifest.status().to_string();
  auto fetched = fetch_scene(*manifest, [&](const network::BlobId& b, uint64_t) { return (*store)->get(b); });
  EXPECT_TRUE(fetched.is_ok()) << fetched.status().to_string();
  return std::move(*fetched);
}

void expect_same_scene(const std::string& a, const render::SceneFiles& b) {
  auto x = render::load_scene(a), y = render::load_scene(b);
  ASSERT_TRUE(x.is_ok()) << x.status().to_string();
  ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  ASSERT_EQ(x->triangle_count(), y->triangle_count());
  ASSERT_EQ(x->textures.size(), y->textures.size());
  for (size_t i = 0; i < x->vertices.size(); ++i) EXPECT_EQ(x->vertices[i].x, y->vertices[i].x);
  for (size_t i = 0; i < x->textures.size(); ++i) EXPECT_EQ(x->textures[i].rgba, y->textures[i].rgba);
}

TEST(ScenePackage, GltfWithExternalBufferAndTexture) {
  std::string scene = tests::assimp_models() + "/glTF2/BoxTextured-glTF/BoxTextured.gltf";
  auto files = render::SceneFiles::read_folder(scene);
  ASSERT_TRUE(files.is_ok()) << files.status().to_string();
  EXPECT_EQ(paths_of(*files), (std::vector<std::string>{"BoxTextured.gltf", "BoxTextured0.bin", "CesiumLogoFlat.png"}));
  expect_same_scene(scene, round_trip(*files, "gltf"));
}

TEST(ScenePackage, ObjWithMaterialLibraryAndTextureInASubfolder) {
  std::string dir = tests::scratch_dir() + "/obj-package";
  fs::create_directories(dir + "/textures");
  fs::copy_file(tests::assimp_models() + "/glTF2/BoxTextured-glTF/CesiumLogoFlat.png", dir + "/textures/logo.png");
  std::string obj = tests::write_file("obj-package/quad.obj",
                                      "mtllib quad.mtl\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\n"
                                      "usemtl logo\nf 1/1 2/2 3/3\nf 1/1 3/3 4/4\n");
  tests::write_file("obj-package/quad.mtl", "newmtl logo\nKd 1 1 1\nmap_Kd -s 1 1 1 textures/logo.png\n");
  auto files = render::SceneFiles::read_folder(obj);
  ASSERT_TRUE(files.is_ok()) << files.status().to_string();
  EXPECT_EQ(paths_of(*files), (std::vector<std::string>{"quad.obj", "quad.mtl", "textures/logo.png"}));
  expect_same_scene(obj, round_trip(*files, "obj"));
}

TEST(ScenePackage, BadReferencesAreNamed) {
  std::string missing = tests::write_file("missing-ref/a.gltf",
                                          R"({"asset":{"version":"2.0"},"buffers":[{"uri":"gone.bin","byteLength":4}]})");
  auto r = render::SceneFiles::read_folder(missing);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("gone.bin"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("a.gltf"), std::string::npos) << r.status().message();
  std::string escaping = tests::write_file("escaping-ref/a.gltf",
                                           R"({"asset":{"version":"2.0"},"images":[{"uri":"../../etc/passwd"}]})");
  r = render::SceneFiles::read_folder(escaping);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("outside the scene's folder"), std::string::npos) << r.status().message();
  std::string broken = tests::write_file("broken-ref/a.gltf", "{ not json");
  EXPECT_EQ(render::SceneFiles::read_folder(broken).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(render::SceneFiles::read_folder(tests::scratch_dir() + "/nowhere.gltf").status().code(), StatusCode::kNotFound);
  // Embedded data and remote URIs are not files to collect.
  std::string embedded = tests::write_file(
      "embedded-ref/a.gltf",
      R"({"asset":{"version":"2.0"},"buffers":[{"uri":"data:application/octet-stream;base64,AAAA","byteLength":3}],"images":[{"uri":"https://example.com/x.png"}]})");
  auto e = render::SceneFiles::read_folder(embedded);
  ASSERT_TRUE(e.is_ok()) << e.status().to_string();
  EXPECT_EQ(e->files().size(), 1u);
}

TEST(ScenePackage, BadManifestsAreRefused) {
  std::string id(64, '0');
  auto manifest = [&](const std::string& files, const std::string& main = "a.gltf") {
    std::string text = R"({"format":"strata-scene/1","main":")" + main + R"(","files":[)" + files + "]}";
    return decode_manifest(std::vector<uint8_t>(text.begin(), text.end()));
  };
  auto entry = [&](const std::string& path) { return R"({"path":")" + path + R"(","id":")" + id + R"(","size":1})"; };
  EXPECT_TRUE(manifest(entry("a.gltf")).is_ok());
  struct Case {
    std::string files, main, expected;
  };
  for (const Case& c : std::vector<Case>{
           {entry("/etc/passwd") + "," + entry("a.gltf"), "a.gltf", "relative"},
           {entry("../a.gltf"), "../a.gltf", "leaves"},
           {entry("x/./a.gltf"), "x/./a.gltf", "leaves"},
           {entry("a\\\\b") + "," + entry("a.gltf"), "a.gltf", "relative"},
           {entry("a.gltf") + "," + entry("a.gltf"), "a.gltf", "twice"},
           {entry("b.gltf"), "a.gltf", "not listed"},
           {R"({"path":"a.gltf","id":"xyz","size":1})", "a.gltf", "scene manifest"},
           {R"({"path":"a.gltf","size":1})", "a.gltf", "needs a path, an id and a size"},
       }) {
    auto m = manifest(c.files, c.main);
    ASSERT_FALSE(m.is_ok()) << c.files;
    EXPECT_NE(m.status().message().find(c.expected), std::string::npos) << m.status().message();
  }
  std::string wrong_format = R"({"format":"other","main":"a","files":[]})";
  EXPECT_FALSE(decode_manifest(std::vector<uint8_t>(wrong_format.begin(), wrong_format.end())).is_ok());
  EXPECT_FALSE(decode_manifest(std::vector<uint8_t>{'[', ']'}).is_ok());
  EXPECT_FALSE(decode_manifest(std::vector<uint8_t>{0xff, 0x00}).is_ok());
}

TEST(ScenePackage, FetchRefusesAFileOfTheWrongSizeOrContent) {
  auto serve = [](std::vector<uint8_t> bytes) {
    return [bytes](const network::BlobId&, uint64_t) { return Result<std::vector<uint8_t>>(bytes); };
  };
  SceneManifest m;
  m.main = "a.gltf";
  m.files.push_back({"a.gltf", network::blob_id_of(std::vector<uint8_t>{1}), 5});
  auto fetched = fetch_scene(m, serve({1}));
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_NE(fetched.status().message().find("another size"), std::string::npos);
  // A peer (or a damaged store) handing back other bytes of the right size is caught too.
  m.files[0].size = 1;
  fetched = fetch_scene(m, serve({2}));
  ASSERT_FALSE(fetched.is_ok());
  EXPECT_NE(fetched.status().message().find("does not match its id"), std::string::npos) << fetched.status().message();
  EXPECT_TRUE(fetch_scene(m, serve({1})).is_ok());
}

TEST(ScenePackage, ManifestSizesAreBoundedBeforeAnythingIsFetched) {
  std::string id(64, '0');
  std::string text = R"({"format":"strata-scene/1","main":"a.gltf","files":[{"path":"a.gltf","id":")" + id +
                     R"(","size":1},{"path":"b.bin","id":")" + id + R"(","size":1099511627776}]})";
  auto m = decode_manifest(std::vector<uint8_t>(text.begin(), text.end()));
  ASSERT_FALSE(m.is_ok());
  EXPECT_NE(m.status().message().find("the bound for a scene"), std::string::npos) << m.status().message();
}

}  // namespace
