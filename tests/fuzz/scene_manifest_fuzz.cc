// The scene manifest (compute/scene_package.h) decoded from arbitrary bytes: what decodes encodes
// again to the same manifest, every path in it passes the scene path rules, and its sizes stay
// within a scene's bound.
#include "compute/scene_package.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;
using namespace strata::compute;

STRATA_FUZZ_TARGET(scene_manifest) {
  std::vector<uint8_t> bytes(data, data + size);
  auto m = decode_manifest(bytes);
  if (!m.is_ok()) return 0;
  uint64_t total = 0;
  bool main_listed = false;
  for (const SceneManifest::Entry& e : m->files) {
    fuzz::expect(render::check_scene_path(e.path).is_ok(), "scene manifest: a decoded path breaks the path rules");
    total += e.size;
    main_listed |= e.path == m->main;
  }
  fuzz::expect(main_listed, "scene manifest: the main file is not among the files");
  fuzz::expect(total <= render::kMaxSceneFileBytes && m->files.size() <= render::kMaxSceneFiles,
               "scene manifest: a decoded manifest is over the scene's bounds");
  auto again = decode_manifest(encode_manifest(*m));
  fuzz::expect(again.is_ok() && again->main == m->main && again->files.size() == m->files.size(),
               "scene manifest: the round trip fails or changes it");
  for (size_t i = 0; i < m->files.size(); ++i) {
    fuzz::expect(again->files[i].path == m->files[i].path && again->files[i].id == m->files[i].id &&
                     again->files[i].size == m->files[i].size,
                 "scene manifest: the round trip changes a file");
  }
  return 0;
}
