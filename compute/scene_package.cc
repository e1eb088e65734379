#include "compute/scene_package.h"

#include <set>

#include <nlohmann/json.hpp>

namespace strata::compute {
namespace {

using json = nlohmann::json;

constexpr const char* kManifestFormat = "strata-scene/1";

}  // namespace

std::vector<uint8_t> encode_manifest(const SceneManifest& m) {
  json files = json::array();
  for (const auto& f : m.files) files.push_back({{"path", f.path}, {"id", network::to_string(f.id)}, {"size", f.size}});
  std::string text = json{{"format", kManifestFormat}, {"main", m.main}, {"files", files}}.dump();
  return {text.begin(), text.end()};
}

Result<SceneManifest> decode_manifest(std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxManifestBytes) return invalid_argument("scene manifest: over 4 MiB");
  json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return invalid_argument("scene manifest: not a JSON object");
  // Not value("format", ""): it throws when the field is there but not a string.
  auto format = doc.find("format");
  if (format == doc.end() || !format->is_string() || format->get_ref<const std::string&>() != kManifestFormat) {
    return invalid_argument("scene manifest: the format is not strata-scene/1");
  }
  if (!doc.contains("main") || !doc["main"].is_string()) return invalid_argument("scene manifest: no main file");
  if (!doc.contains("files") || !doc["files"].is_array()) return invalid_argument("scene manifest: no file list");
  if (doc["files"].size() > render::kMaxSceneFiles) return invalid_argument("scene manifest: more than 4096 files");
  SceneManifest m;
  m.main = doc["main"].get<std::string>();
  std::set<std::string> paths;
  uint64_t total = 0;
  for (const json& f : doc["files"]) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("id") || !f["id"].is_string() ||
        !f.contains("size") || !f["size"].is_number_unsigned()) {
      return invalid_argument("scene manifest: every file needs a path, an id and a size");
    }
    SceneManifest::Entry e;
    e.path = f["path"].get<std::string>();
    if (Status s = render::check_scene_path(e.path); !s.is_ok()) return invalid_argument("scene manifest: " + s.message());
    auto id = network::parse_blob_id(f["id"].get<std::string>());
    if (!id.is_ok()) return invalid_argument("scene manifest: " + id.status().message());
    e.id = *id;
    e.size = f["size"].get<uint64_t>();
    if (e.size > render::kMaxSceneFileBytes || (total += e.size) > render::kMaxSceneFileBytes) {
      return invalid_argument("scene manifest: the files take over " + std::to_string(render::kMaxSceneFileBytes >> 20) +
                              " MiB, the bound for a scene");
    }
    if (!paths.insert(e.path).second) return invalid_argument("scene manifest: '" + e.path + "' is listed twice");
    m.files.push_back(std::move(e));
  }
  if (!paths.count(m.main)) return invalid_argument("scene manifest: the main file '" + m.main + "' is not listed");
  return m;
}

Result<network::BlobId> store_scene(network::BlobStore& store, const render::SceneFiles& files) {
  SceneManifest m;
  m.main = files.main();
  for (const render::SceneFiles::File& f : files.files()) {
    auto id = store.put(f.bytes);
    if (!id.is_ok()) return id.status();
    m.files.push_back({f.path, *id, f.bytes.size()});
  }
  return store.put(encode_manifest(m));
}

Result<render::SceneFiles> fetch_scene(const SceneManifest& manifest, const BlobFetch& fetch) {
  std::vector<render::SceneFiles::File> files;
  for (const auto& f : manifest.files) {
    auto bytes = fetch(f.id, f.size);
    if (!bytes.is_ok()) return bytes.status();
    if (bytes->size() != f.size) return invalid_argument("scene file '" + f.path + "' has another size than its manifest says");
    if (network::blob_id_of(*bytes) != f.id) {
      return invalid_argument("scene file '" + f.path + "' does not match its id in the manifest");
    }
    files.push_back({f.path, std::move(*bytes)});
  }
  return render::SceneFiles::from_files(manifest.main, std::move(files));
}

}  // namespace strata::compute
