#include "host/render/scene_files.h"

#include "host/json_depth.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <tiny_obj_loader.h>

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

// glTF URIs are percent-encoded relative references; '+' is a space, as tinygltf reads it. A '%'
// without two hex digits is refused: tinygltf would read it as another name than this.
Result<std::string> uri_decode(const std::string& uri) {
  std::string out;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '+') {
      out.push_back(' ');
    } else if (uri[i] == '%') {
      if (i + 2 >= uri.size() || hex_value(uri[i + 1]) < 0 || hex_value(uri[i + 2]) < 0) {
        return invalid_argument("the uri '" + uri + "' has a '%' that is not followed by two hex digits");
      }
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

// A GLB's chunks: the JSON text, and the binary chunk's length (0 when it has none).
struct GlbChunks {
  std::string_view json;
  uint64_t binary_bytes = 0;
};

Result<GlbChunks> glb_chunks(std::span<const uint8_t> bytes, const std::string& name) {
  auto u32 = [&](size_t at) {
    uint32_t v;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  };
  if (bytes.size() < 20 || std::memcmp(bytes.data(), "glTF", 4) != 0) return invalid_argument(name + ": not a binary glTF file");
  uint64_t length = u32(8), json_length = u32(12);
  if (length > bytes.size() || u32(16) != 0x4E4F534Au || json_length == 0 || 20 + json_length > length) {
    return invalid_argument(name + ": the glTF JSON chunk is malformed");
  }
  GlbChunks out{std::string_view(reinterpret_cast<const char*>(bytes.data()) + 20, json_length), 0};
  uint64_t at = 20 + json_length;
  if (at < length) {
    if (at + 8 > length) return invalid_argument(name + ": the glTF binary chunk's header is cut off");
    uint64_t binary_length = u32(at);
    if (u32(at + 4) != 0x004E4942u || at + 8 + binary_length > length) {
      return invalid_argument(name + ": the glTF binary chunk is malformed or longer than the file");
    }
    out.binary_bytes = binary_length;
  }
  return out;
}

// The JSON of a .gltf, or the JSON chunk of a .glb, nested at most kMaxJsonDepth deep.
Result<json> gltf_json(std::span<const uint8_t> bytes, bool binary, const std::string& name) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (binary) {
    auto chunks = glb_chunks(bytes, name);
    if (!chunks.is_ok()) return chunks.status();
    text = chunks->json;
  }
  if (json_depth(text) > kMaxJsonDepth) {
    return invalid_argument(name + ": the glTF JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return invalid_argument(name + ": not valid glTF JSON");
  return doc;
}

// A non-negative integer field of a glTF object (`fallback` when absent), or an error.
Result<uint64_t> gltf_size(const json& object, const char* field, uint64_t fallback, const std::string& what) {
  if (!object.contains(field)) return fallback;
  const json& v = object[field];
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    return invalid_argument(what + ": \"" + field + "\" must be a non-negative integer");
  }
  return v.get<uint64_t>();
}

Result<std::vector<std::string>> gltf_references(const json& doc, const std::string& name) {
  std::vector<std::string> out;
  for (const char* list : {"buffers", "images"}) {
    if (!doc.contains(list) || !doc[list].is_array()) continue;
    for (const json& item : doc[list]) {
      if (item.is_object() && item.contains("uri") && item["uri"].is_string()) {
        std::string uri = item["uri"].get<std::string>();
        if (is_external_uri(uri)) continue;
        auto decoded = uri_decode(uri);
        if (!decoded.is_ok()) return invalid_argument(name + ": " + decoded.status().message());
        out.push_back(std::move(*decoded));
      }
    }
  }
  return out;
}

// Each line of an OBJ or MTL as tinyobjloader reads it (its safeGetline): ended by "\n",
// "\r\n" or a lone "\r", and without its leading spaces and tabs.
template <typename F>
void for_each_line(std::span<const uint8_t> bytes, F&& f) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    size_t first = line.find_first_not_of(" \t");
    f(first == std::string_view::npos ? std::string_view() : line.substr(first));
    start = end + (end + 1 < text.size() && text[end] == '\r' && text[end + 1] == '\n' ? 2 : 1);
  }
}

// Whether a line is the keyword and a space or tab (tinyobjloader's test for one).
bool is_keyword_line(std::string_view line, std::string_view keyword) {
  return line.size() > keyword.size() && line.substr(0, keyword.size()) == keyword &&
         (line[keyword.size()] == ' ' || line[keyword.size()] == '\t');
}

// OBJ: "mtllib a.mtl b\ c.mtl", the rest of the line split at spaces (not tabs), a backslash
// escaping the next character, as tinyobjloader splits it.
std::vector<std::string> obj_material_libraries(std::span<const uint8_t> bytes) {
  std::vector<std::string> out;
  for_each_line(bytes, [&](std::string_view line) {
    if (!is_keyword_line(line, "mtllib")) return;
    std::string name;
    bool escaping = false;
    for (char c : line.substr(7)) {
      if (!escaping && c == '\\') {
        escaping = true;
        continue;
      }
      if (!escaping && c == ' ') {
        if (!name.empty()) out.push_back(std::move(name));
        name.clear();
        continue;
      }
      escaping = false;
      name.push_back(c);
    }
    if (!name.empty()) out.push_back(std::move(name));
  });
  return out;
}

// MTL: every texture map, read by tinyobjloader itself, so that a name is what the importer will
// ask for (the rest of the line after the options: names may hold spaces).
Result<std::vector<std::string>> mtl_textures(std::span<const uint8_t> bytes, const std::string& name) {
  MtlBudget budget;
  STRATA_RETURN_IF_ERROR(check_mtl_structure(bytes, name, budget));
  std::vector<tinyobj::material_t> materials;
  std::map<std::string, int> names;
  std::string warn, err;
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  try {
    tinyobj::LoadMtl(&names, &materials, &in, &warn, &err);
  } catch (const std::exception& e) {
    return invalid_argument(name + ": the material library could not be read: " + e.what());
  }
  std::vector<std::string> out;
  for (const tinyobj::material_t& m : materials) {
    for (const std::string* texture :
         {&m.ambient_texname, &m.diffuse_texname, &m.specular_texname, &m.specular_highlight_texname, &m.bump_texname,
          &m.displacement_texname, &m.alpha_texname, &m.reflection_texname, &m.roughness_texname, &m.metallic_texname,
          &m.sheen_texname, &m.emissive_texname, &m.normal_texname}) {
      if (!texture->empty()) out.push_back(*texture);
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


// Opens `relative` under the folder `root_fd` so that no path, however its components are
// swapped for symlinks meanwhile, can resolve outside it: openat2 with RESOLVE_BENEATH, in one
// step. Where the kernel lacks openat2 (or a sandbox refuses it), the resolved path is checked
// first instead, which a local user racing the check could defeat.
int open_beneath(int root_fd, const fs::path& root, const std::string& relative, bool& outside) {
  outside = false;
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how));
  if (fd >= 0) return fd;
  if (errno == EXDEV) {
    outside = true;
    return -1;
  }
  if (errno != ENOSYS && errno != EPERM) return -1;
  std::error_code ec;
  fs::path local = fs::canonical(root / relative, ec);
  if (ec) {
    errno = ENOENT;
    return -1;
  }
  if (!is_within(root, local)) {
    outside = true;
    return -1;
  }
  return ::open(local.c_str(), O_RDONLY | O_CLOEXEC);
}

struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

// The whole of a regular file, at most `budget` bytes, from its descriptor (which it closes).
Result<std::vector<uint8_t>> read_regular(int fd, uint64_t budget, const std::string& what) {
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return invalid_argument(what + " is not a regular file");
  if (uint64_t(st.st_size) > budget) {
    return invalid_argument(what + " takes the scene's files over " + std::to_string(kMaxSceneFileBytes >> 20) + " MiB");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += size_t(n);
  }
  uint8_t more = 0;
  if (got != bytes.size() || ::read(fd, &more, 1) != 0) return io_error(what + " cannot be read whole (it changed meanwhile?)");
  return bytes;
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

Status check_gltf_structure(std::span<const uint8_t> bytes, bool binary, const std::string& name) {
  auto doc = gltf_json(bytes, binary, name);
  if (!doc.is_ok()) return doc.status();
  uint64_t binary_bytes = binary ? glb_chunks(bytes, name)->binary_bytes : 0;
  std::vector<uint64_t> buffer_bytes;
  if (doc->contains("buffers") && (*doc)["buffers"].is_array()) {
    for (const json& b : (*doc)["buffers"]) {
      if (!b.is_object()) return invalid_argument(name + ": a buffer is not an object");
      const std::string what = name + ": buffer " + std::to_string(buffer_bytes.size());
      auto length = gltf_size(b, "byteLength", 0, what);
      if (!length.is_ok()) return length.status();
      if (binary && buffer_bytes.empty() && !b.contains("uri") && *length > binary_bytes) {
        return invalid_argument(what + " declares " + std::to_string(*length) + " bytes; the binary chunk has " +
                                std::to_string(binary_bytes));
      }
      buffer_bytes.push_back(*length);
    }
  }
  if (doc->contains("bufferViews") && (*doc)["bufferViews"].is_array()) {
    size_t index = 0;
    for (const json& v : (*doc)["bufferViews"]) {
      const std::string what = name + ": buffer view " + std::to_string(index++);
      if (!v.is_object()) return invalid_argument(what + " is not an object");
      auto buffer = gltf_size(v, "buffer", UINT64_MAX, what);
      auto offset = gltf_size(v, "byteOffset", 0, what);
      auto length = gltf_size(v, "byteLength", 0, what);
      for (const auto* r : {&buffer, &offset, &length})
        if (!r->is_ok()) return r->status();
      if (*buffer >= buffer_bytes.size()) return invalid_argument(what + " names no buffer");
      uint64_t end = 0;
      if (__builtin_add_overflow(*offset, *length, &end) || end > buffer_bytes[*buffer]) {
        return invalid_argument(what + " reaches past the end of buffer " + std::to_string(*buffer));
      }
    }
  }
  return Status::ok();
}

Status check_obj_structure(std::span<const uint8_t> bytes, const std::string& name) {
  size_t line_number = 0;
  Status status;
  for_each_line(bytes, [&](std::string_view line) {
    ++line_number;
    if (!status.is_ok() || !is_keyword_line(line, "f")) return;
    size_t corners = 0;
    bool in_word = false;
    for (size_t i = 1; i < line.size(); ++i) {
      bool space = line[i] == ' ' || line[i] == '\t';
      if (!space && !in_word) ++corners;
      in_word = !space;
    }
    if (corners > kMaxObjFaceCorners) {
      status = invalid_argument(name + ": the face on line " + std::to_string(line_number) + " has " +
                                std::to_string(corners) + " corners, over the bound of " +
                                std::to_string(kMaxObjFaceCorners));
    }
  });
  return status;
}

Status check_mtl_structure(std::span<const uint8_t> bytes, const std::string& name, MtlBudget& budget) {
  if (bytes.size() > budget.bytes) {
    return invalid_argument(name + ": the material libraries take over " + std::to_string(kMaxMtlBytes >> 20) + " MiB");
  }
  size_t materials = 1;  // the last is kept, named or not
  for_each_line(bytes, [&](std::string_view line) { materials += is_keyword_line(line, "newmtl"); });
  if (materials > budget.materials) {
    return invalid_argument(name + ": over " + std::to_string(kMaxObjMaterials) + " materials in the material libraries");
  }
  budget.bytes -= bytes.size();
  budget.materials -= materials;
  return Status::ok();
}

Result<std::vector<std::string>> scene_file_references(const std::string& path, std::span<const uint8_t> bytes) {
  std::string ext = lower_extension(path);
  if (ext == ".gltf" || ext == ".glb") {
    auto doc = gltf_json(bytes, ext == ".glb", path);
    if (!doc.is_ok()) return doc.status();
    return gltf_references(*doc, path);
  }
  if (ext == ".obj") return obj_material_libraries(bytes);
  if (ext == ".mtl") return mtl_textures(bytes, path);
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
  int root_fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return io_error("scene '" + scene_path + "': its folder cannot be opened: " + std::strerror(errno));
  FdCloser closer{root_fd};
  std::vector<File> files;
  uint64_t total = 0;
  std::set<std::string> seen;
  std::vector<std::pair<std::string, std::string>> queue{{main.filename().string(), ""}};  // (path, referrer)
  for (size_t i = 0; i < queue.size(); ++i) {
    auto [relative, referrer] = queue[i];
    if (!seen.insert(relative).second) continue;
    const std::string what = referrer.empty() ? "scene '" + scene_path + "'"
                                              : "'" + relative + "' (referenced by " + referrer + ")";
    // The scene file itself may be anywhere (the user named it); what it references must lie in
    // its folder, symlinks resolved.
    bool outside = false;
    int fd = referrer.empty() ? ::open((root / relative).c_str(), O_RDONLY | O_CLOEXEC)
                              : open_beneath(root_fd, root, relative, outside);
    if (outside) return invalid_argument(what + " resolves to a file outside the scene's folder (through a symlink)");
    if (fd < 0) return invalid_argument(what + " cannot be read: " + std::strerror(errno));
    auto bytes = read_regular(fd, kMaxSceneFileBytes - total, what);
    if (!bytes.is_ok()) return bytes.status();
    total += bytes->size();
    auto refs = scene_file_references(relative, *bytes);
    if (!refs.is_ok()) return refs.status();
    for (const std::string& r : *refs) {
      auto resolved = resolve_scene_reference(relative, r);
      if (!resolved.is_ok()) return resolved.status();
      queue.emplace_back(std::move(*resolved), relative);
    }
    files.push_back({relative, std::move(*bytes)});
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
