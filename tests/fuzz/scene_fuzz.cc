// Scene import (host/render/scene.h) through the confined file layer (host/render/scene_files.h):
// a main file and up to four files it may reference, as a provider gets a manifest's blobs.
//
// Input: a byte that names the main file (by its value mod 3: scene.gltf, scene.glb, scene.obj;
// '0', '1' and '2' in a text seed), then the main file's bytes, then any number of
//   "\n--- file NAME\n" BYTES
// parts, each another file of the scene (NAME as a reference would resolve, e.g. "buffer.bin",
// "scene.mtl", "textures/a.png").
#include <string_view>

#include "host/render/scene.h"
#include "host/render/scene_files.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;
using namespace strata::render;

namespace {

constexpr std::string_view kSeparator = "\n--- file ";
constexpr size_t kMaxExtraFiles = 4;

}  // namespace

STRATA_FUZZ_TARGET(scene) {
  if (size < 1) return 0;
  static const char* const kMain[] = {"scene.gltf", "scene.glb", "scene.obj"};
  std::string main = kMain[data[0] % 3];
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<SceneFiles::File> files;
  size_t cut = input.find(kSeparator);
  files.push_back({main, std::vector<uint8_t>(input.begin(), input.begin() + std::min(cut, input.size()))});
  while (cut != std::string_view::npos && files.size() <= kMaxExtraFiles) {
    std::string_view part = input.substr(cut + kSeparator.size());
    size_t name_end = part.find('\n');
    if (name_end == std::string_view::npos) break;
    cut = part.find(kSeparator, name_end + 1);
    std::string_view bytes = part.substr(name_end + 1, cut == std::string_view::npos ? std::string_view::npos
                                                                                     : cut - name_end - 1);
    files.push_back({std::string(part.substr(0, name_end)), std::vector<uint8_t>(bytes.begin(), bytes.end())});
    if (cut != std::string_view::npos) cut += part.data() - input.data();
  }
  // What read_folder would follow from each file (it reads the references of every one).
  for (const SceneFiles::File& f : files) {
    if (check_scene_path(f.path).is_ok()) (void)scene_file_references(f.path, f.bytes);
  }
  auto set = SceneFiles::from_files(main, std::move(files));
  if (!set.is_ok()) return 0;
  auto scene = load_scene(*set);
  if (!scene.is_ok()) return 0;
  fuzz::expect(validate_scene(*scene).is_ok(), "scene: a loaded scene does not validate");
  fuzz::expect(scene->triangle_count() > 0 && scene->vertices.size() == 3 * scene->triangle_count(),
               "scene: a loaded scene's triangles and vertices disagree");
  (void)default_camera(*scene);
  return 0;
}
