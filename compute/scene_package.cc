#include "compute/scene_package.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace strata::compute {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kManifestFormat = "strata-scene/1";

Result<std::vector<uint8_t>> read_file(const fs::path& path, const std::string& referenced_by) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string why = referenced_by.empty() ? "" : " (referenced by " + referenced_by + ")";
    return not_found("cannot read " + path.string() + why);
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// glTF URIs are percent-encoded relative references.
std::string uri_decode(const std::string& uri) {
  std::string out;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size() && hex_value(uri[i + 1]) >= 0 && hex_value(uri[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(uri[i + 1]) * 16 + hex_value(uri[i + 2])));
      i += 2;
    } else {
      out.push_back(uri[i]);
    }
  }
  return out;
}

bool is_external_uri(const std::string& uri) {
  return uri.rfind("data:", 0) == 0 || uri.find("://") != std::string::npos;
}

// The JSON of a .gltf, or the JSON chunk of a .glb.
Result<json> gltf_json(const std::vector<uint8_t>& bytes, bool binary, const std::string& name) {
  std::string text;
  if (binary) {
    auto u32 = [&](size_t at) {
      uint32_t v;
      std::memcpy(&v, bytes.data() + at, 4);
      return v;
    };
    if (bytes.size() < 20 || std::memcmp(bytes.data(), "glTF", 4) != 0) return invalid_argument(name + ": not a binary glTF file");
    uint32_t chunk = u32(12);
    if (u32(16) != 0x4E4F534Au || 20ull + chunk > bytes.size()) return invalid_argument(name + ": the glTF JSON chunk is malformed");
    text.assign(reinterpret_cast<const char*>(bytes.data()) + 20, chunk);
  } else {
    text.assign(bytes.begin(), bytes.end());
  }
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return invalid_argument(name + ": not valid glTF JSON");
  return doc;
}

std::vector<std::string> gltf_references(const json& doc) {
  std::vector<std::string> out;
  for (const char* list : {"buffers", "images"}) {
    if (!doc.contains(list) || !doc[list].is_array()) continue;
    for (const json& item : doc[list]) {
      if (item.is_object() && item.contains("uri") && item["uri"].is_string()) {
        std::string uri = item["uri"].get<std::string>();
        if (!is_external_uri(uri)) out.push_back(uri_decode(uri));
      }
    }
  }
  return out;
}

// OBJ: "mtllib a.mtl b.mtl"; MTL: texture maps, whose file is the last word (options come first).
std::vector<std::string> text_references(const std::vector<uint8_t>& bytes, bool mtl) {
  std::vector<std::string> out;
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream words(line);
    std::string keyword;
    words >> keyword;
    std::vector<std::string> rest;
    for (std::string w; words >> w;) rest.push_back(w);
    if (rest.empty()) continue;
    if (!mtl && keyword == "mtllib") {
      out.insert(out.end(), rest.begin(), rest.end());
    } else if (mtl && (keyword.rfind("map_", 0) == 0 || keyword == "bump" || keyword == "disp" || keyword == "decal" ||
                       keyword == "norm" || keyword == "refl")) {
      out.push_back(rest.back());
    }
  }
  return out;
}

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// A manifest path: relative, '/'-separated, no empty, "." or ".." segments.
Status check_relative_path(const std::string& path) {
  if (path.empty() || path.size() > 1024) return invalid_argument("scene manifest: a file path is empty or over 1024 bytes");
  if (path[0] == '/' || path.find('\\') != std::string::npos || path.find('\0') != std::string::npos) {
    return invalid_argument("scene manifest: the path '" + path + "' is not a relative '/'-separated path");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return invalid_argument("scene manifest: the path '" + path + "' leaves the scene's folder or has an empty part");
    }
    start = end + 1;
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<SceneFile>> collect_scene_files(const std::string& scene_path) {
  fs::path main(scene_path);
  fs::path root = main.parent_path();
  std::vector<SceneFile> files;
  std::set<std::string> seen;
  // Breadth first from the scene file: each file's references, resolved against the root.
  std::vector<std::pair<std::string, std::string>> queue{{main.filename().string(), ""}};
  for (size_t i = 0; i < queue.size(); ++i) {
    auto [relative, referrer] = queue[i];
    fs::path normal = fs::path(relative).lexically_normal();
    std::string key = normal.generic_string();
    if (!seen.insert(key).second) continue;
    if (Status s = check_relative_path(key); !s.is_ok()) {
      return invalid_argument(referrer + " references '" + relative + "', which is outside the scene's folder");
    }
    auto bytes = read_file(root / normal, referrer);
    if (!bytes.is_ok()) return bytes.status();
    std::string ext = lower_extension(key);
    std::vector<std::string> refs;
    if (ext == ".gltf" || ext == ".glb") {
      auto doc = gltf_json(*bytes, ext == ".glb", key);
      if (!doc.is_ok()) return doc.status();
      refs = gltf_references(*doc);
    } else if (ext == ".obj" || ext == ".mtl") {
      refs = text_references(*bytes, ext == ".mtl");
    }
    // References are relative to the referring file's folder.
    fs::path folder = normal.parent_path();
    for (const std::string& r : refs) queue.emplace_back((folder / r).generic_string(), key);
    files.push_back({key, std::move(*bytes)});
    if (files.size() > kMaxSceneFiles) return invalid_argument("the scene references more than 4096 files");
  }
  return files;
}

std::vector<uint8_t> encode_manifest(const SceneManifest& m) {
  json files = json::array();
  for (const auto& f : m.files) files.push_back({{"path", f.path}, {"id", network::to_string(f.id)}, {"size", f.size}});
  std::string text = json{{"format", kManifestFormat}, {"main", m.main}, {"files", files}}.dump();
  return {text.begin(), text.end()};
}

Result<SceneManifest> decode_manifest(std::span<const uint8_t> bytes) {
  json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return invalid_argument("scene manifest: not a JSON object");
  if (doc.value("format", "") != kManifestFormat) return invalid_argument("scene manifest: the format is not strata-scene/1");
  if (!doc.contains("main") || !doc["main"].is_string()) return invalid_argument("scene manifest: no main file");
  if (!doc.contains("files") || !doc["files"].is_array()) return invalid_argument("scene manifest: no file list");
  if (doc["files"].size() > kMaxSceneFiles) return invalid_argument("scene manifest: more than 4096 files");
  SceneManifest m;
  m.main = doc["main"].get<std::string>();
  std::set<std::string> paths;
  for (const json& f : doc["files"]) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("id") || !f["id"].is_string() ||
        !f.contains("size") || !f["size"].is_number_unsigned()) {
      return invalid_argument("scene manifest: every file needs a path, an id and a size");
    }
    SceneManifest::Entry e;
    e.path = f["path"].get<std::string>();
    STRATA_RETURN_IF_ERROR(check_relative_path(e.path));
    auto id = network::parse_blob_id(f["id"].get<std::string>());
    if (!id.is_ok()) return invalid_argument("scene manifest: " + id.status().message());
    e.id = *id;
    e.size = f["size"].get<uint64_t>();
    if (!paths.insert(e.path).second) return invalid_argument("scene manifest: '" + e.path + "' is listed twice");
    m.files.push_back(std::move(e));
  }
  if (!paths.count(m.main)) return invalid_argument("scene manifest: the main file '" + m.main + "' is not listed");
  return m;
}

Result<network::BlobId> store_scene(network::BlobStore& store, const std::vector<SceneFile>& files) {
  if (files.empty()) return invalid_argument("a scene needs at least its own file");
  SceneManifest m;
  m.main = files.front().path;
  for (const SceneFile& f : files) {
    auto id = store.put(f.bytes);
    if (!id.is_ok()) return id.status();
    m.files.push_back({f.path, *id, f.bytes.size()});
  }
  return store.put(encode_manifest(m));
}

Result<std::string> unpack_scene(const SceneManifest& manifest, const BlobFetch& fetch, const std::string& dir) {
  std::error_code ec;
  for (const auto& f : manifest.files) {
    fs::path path = fs::path(dir) / f.path;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return io_error("cannot create " + path.parent_path().string() + ": " + ec.message());
    if (fs::exists(path, ec) && fs::file_size(path, ec) == f.size) continue;  // unpacked before
    auto bytes = fetch(f.id);
    if (!bytes.is_ok()) return bytes.status();
    if (bytes->size() != f.size) return invalid_argument("scene file '" + f.path + "' has another size than its manifest says");
    // Written beside and renamed, so a crash never leaves a partial file that looks complete.
    fs::path partial = path;
    partial += ".partial";
    {
      std::ofstream out(partial, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
      if (!out) return io_error("cannot write " + partial.string());
    }
    fs::rename(partial, path, ec);
    if (ec) return io_error("cannot rename " + partial.string() + ": " + ec.message());
  }
  return (fs::path(dir) / manifest.main).string();
}

}  // namespace strata::compute
