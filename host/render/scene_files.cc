#include "host/render/scene_files.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace strata::render {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// glTF URIs are percent-encoded relative references; '+' is a space, as tinygltf reads it.
std::string uri_decode(const std::string& uri) {
  std::string out;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '+') {
      out.push_back(' ');
    } else if (uri[i] == '%' && i + 2 < uri.size() && hex_value(uri[i + 1]) >= 0 && hex_value(uri[i + 2]) >= 0) {
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
Result<json> gltf_json(std::span<const uint8_t> bytes, bool binary, const std::string& name) {
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
std::vector<std::string> text_references(std::span<const uint8_t> bytes, bool mtl) {
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

// Whether `inner` (canonical) lies in `root` (canonical).
bool is_within(const fs::path& root, const fs::path& inner) {
  auto r = root.begin(), i = inner.begin();
  for (; r != root.end(); ++r, ++i) {
    if (i == inner.end() || *r != *i) return false;
  }
  return true;
}

}  // namespace

Status check_scene_path(const std::string& path) {
  if (path.empty() || path.size() > 1024) return invalid_argument("a scene file path is empty or over 1024 bytes");
  if (path[0] == '/' || path.find('\\') != std::string::npos || path.find('\0') != std::string::npos) {
    return invalid_argument("the path '" + path + "' is not a relative '/'-separated path");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view segment(path.data() + start, end - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return invalid_argument("the path '" + path + "' leaves the scene's folder or has an empty part");
    }
    start = end + 1;
  }
  return Status::ok();
}

Result<std::string> resolve_scene_reference(const std::string& referrer, const std::string& reference) {
  const std::string where = "'" + reference + "' (referenced by " + referrer + ")";
  if (reference.empty()) return invalid_argument("an empty file reference in " + referrer);
  if (reference[0] == '/' || reference.find('\\') != std::string::npos || reference.find('\0') != std::string::npos ||
      (reference.size() > 1 && reference[1] == ':')) {
    return invalid_argument(where + " is an absolute path: a scene may only reference files in its own folder");
  }
  std::vector<std::string> parts;
  auto push_segments = [&](const std::string& text) -> bool {
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('/', start);
      if (end == std::string::npos) end = text.size();
      std::string segment = text.substr(start, end - start);
      if (segment == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else if (!segment.empty() && segment != ".") {
        parts.push_back(std::move(segment));
      }
      start = end + 1;
    }
    return true;
  };
  size_t slash = referrer.rfind('/');
  if (slash != std::string::npos && !push_segments(referrer.substr(0, slash))) {
    return invalid_argument("the referrer " + referrer + " is outside the scene's folder");
  }
  if (!push_segments(reference)) return invalid_argument(where + " is outside the scene's folder");
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  if (Status s = check_scene_path(out); !s.is_ok()) return invalid_argument(where + ": " + s.message());
  return out;
}

Result<std::vector<std::string>> scene_file_references(const std::string& path, std::span<const uint8_t> bytes) {
  std::string ext = lower_extension(path);
  if (ext == ".gltf" || ext == ".glb") {
    auto doc = gltf_json(bytes, ext == ".glb", path);
    if (!doc.is_ok()) return doc.status();
    return gltf_references(*doc);
  }
  if (ext == ".obj" || ext == ".mtl") return text_references(bytes, ext == ".mtl");
  return std::vector<std::string>{};
}

Result<SceneFiles> SceneFiles::from_files(std::string main, std::vector<File> files) {
  if (files.size() > kMaxSceneFiles) {
    return invalid_argument("the scene has " + std::to_string(files.size()) + " files, over the bound of " +
                            std::to_string(kMaxSceneFiles));
  }
  SceneFiles out;
  out.main_ = std::move(main);
  for (File& f : files) {
    STRATA_RETURN_IF_ERROR(check_scene_path(f.path));
    out.total_bytes_ += f.bytes.size();
    if (out.total_bytes_ > kMaxSceneFileBytes) {
      return invalid_argument("the scene's files take over " + std::to_string(kMaxSceneFileBytes >> 20) + " MiB");
    }
    if (!out.index_.emplace(f.path, out.files_.size()).second) {
      return invalid_argument("the scene lists '" + f.path + "' twice");
    }
    out.files_.push_back(std::move(f));
  }
  if (!out.index_.count(out.main_)) return invalid_argument("the scene's main file '" + out.main_ + "' is not among its files");
  return out;
}

Result<SceneFiles> SceneFiles::read_folder(const std::string& scene_path) {
  std::error_code ec;
  fs::path main(scene_path);
  if (!fs::is_regular_file(main, ec)) return not_found("scene '" + scene_path + "': no such file");
  fs::path root = fs::canonical(fs::absolute(main, ec).parent_path(), ec);
  if (ec) return io_error("scene '" + scene_path + "': its folder cannot be resolved: " + ec.message());
  std::vector<File> files;
  uint64_t total = 0;
  std::set<std::string> seen;
  std::vector<std::pair<std::string, std::string>> queue{{main.filename().string(), ""}};  // (path, referrer)
  for (size_t i = 0; i < queue.size(); ++i) {
    auto [relative, referrer] = queue[i];
    if (!seen.insert(relative).second) continue;
    const std::string what = referrer.empty() ? "scene '" + scene_path + "'"
                                              : "'" + relative + "' (referenced by " + referrer + ")";
    // The file itself, symlinks resolved, must lie in the scene's folder and be a regular file.
    fs::path local = fs::canonical(root / relative, ec);
    if (ec) return invalid_argument(what + " cannot be read: " + ec.message());
    if (!referrer.empty() && !is_within(root, local)) {
      return invalid_argument(what + " resolves to a file outside the scene's folder (through a symlink)");
    }
    if (!fs::is_regular_file(local, ec)) return invalid_argument(what + " is not a regular file");
    uint64_t size = fs::file_size(local, ec);
    if (ec) return io_error(what + " cannot be read: " + ec.message());
    if (total + size > kMaxSceneFileBytes) {
      return invalid_argument("the scene's files take over " + std::to_string(kMaxSceneFileBytes >> 20) + " MiB (at " +
                              relative + ")");
    }
    std::vector<uint8_t> bytes(size);
    std::ifstream in(local, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)) || in.peek() != EOF) {
      return io_error(what + " cannot be read whole");
    }
    total += size;
    auto refs = scene_file_references(relative, bytes);
    if (!refs.is_ok()) return refs.status();
    for (const std::string& r : *refs) {
      auto resolved = resolve_scene_reference(relative, r);
      if (!resolved.is_ok()) return resolved.status();
      queue.emplace_back(std::move(*resolved), relative);
    }
    files.push_back({relative, std::move(bytes)});
    if (files.size() > kMaxSceneFiles) {
      return invalid_argument("the scene references more than " + std::to_string(kMaxSceneFiles) + " files");
    }
  }
  std::string main_name = files.front().path;
  return from_files(std::move(main_name), std::move(files));
}

const std::vector<uint8_t>* SceneFiles::find(const std::string& path) const {
  auto it = index_.find(path);
  return it == index_.end() ? nullptr : &files_[it->second].bytes;
}

}  // namespace strata::render
