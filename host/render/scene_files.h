// The files of a scene, confined: everything a scene importer reads comes from one SceneFiles,
// looked up by '/'-separated paths relative to the scene's folder. There is no way out of it: no
// absolute path, no "..", no symlink out of the folder, no working directory, no size past the
// bounds. A requestor's scene on a provider is exactly the files of its manifest, each checked
// against its hash before it gets here; a local scene is its file and what it references, read
// from its folder under the same rules. Errors name files as the scene wrote them, never a local
// path, since they may be sent to another node.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "host/status.h"

namespace strata::render {

// Bounds on what a scene's files may spend before they are parsed.
inline constexpr size_t kMaxSceneFiles = 4096;
inline constexpr uint64_t kMaxSceneFileBytes = 1ull << 30;  // all files of a scene together

// A path relative to the scene's folder: '/'-separated, no empty, "." or ".." segments, no
// backslash or NUL, at most 1024 bytes. Names the path in the error.
Status check_scene_path(const std::string& path);

// `reference` (as written in the file at `referrer`, URI-decoded) as a path relative to the
// scene's folder, or an error if it is absolute or leaves the folder.
Result<std::string> resolve_scene_reference(const std::string& referrer, const std::string& reference);

class SceneFiles {
 public:
  struct File {
    std::string path;
    std::vector<uint8_t> bytes;
  };

  // Files already checked by their caller (a manifest's blobs); `main` must be among them.
  static Result<SceneFiles> from_files(std::string main, std::vector<File> files);

  // Reads the scene file at `scene_path` and, breadth first, every file it references (glTF
  // buffers and images, an OBJ's material libraries and their textures) from its folder. A
  // reference that is absolute, leaves the folder, resolves through a symlink to outside it or
  // is not a regular file is an error that names it and its referrer; so is a missing one.
  // Embedded (data:) and remote (scheme://) URIs are not files and are left alone.
  static Result<SceneFiles> read_folder(const std::string& scene_path);

  const std::string& main() const { return main_; }
  // In the order read_folder found them (the main file first) or from_files was given them.
  const std::vector<File>& files() const { return files_; }
  uint64_t total_bytes() const { return total_bytes_; }

  // The bytes of the file at `path` (relative to the scene's folder), or nullptr.
  const std::vector<uint8_t>* find(const std::string& path) const;

 private:
  std::string main_;
  std::vector<File> files_;
  std::map<std::string, size_t> index_;
  uint64_t total_bytes_ = 0;
};

// What the glTF libraries would trust, checked before one parses the file: a GLB's chunk layout
// (each chunk inside the file), JSON nested at most kMaxJsonDepth deep, and every buffer view
// inside its buffer's declared length (and a GLB's own buffer inside its binary chunk).
inline constexpr int kMaxJsonDepth = 64;
Status check_gltf_structure(std::span<const uint8_t> bytes, bool binary, const std::string& name);

// Faces of an OBJ with more than this many corners are refused (the triangulation is quadratic).
// Lines end where tinyobjloader ends them: at "\n", "\r\n" or a lone "\r".
inline constexpr size_t kMaxObjFaceCorners = 256;
Status check_obj_structure(std::span<const uint8_t> bytes, const std::string& name);

// MTL libraries, checked before tinyobjloader parses one: each material costs it ~2 KB and each
// line it does not know a map entry, so an OBJ's libraries together hold at most kMaxMtlBytes and
// kMaxObjMaterials materials (counted as it counts them: one per "newmtl" line, and one more).
// Each check takes from the budgets left.
inline constexpr uint64_t kMaxMtlBytes = 4u << 20;
inline constexpr size_t kMaxObjMaterials = 16384;
struct MtlBudget {
  uint64_t bytes = kMaxMtlBytes;
  size_t materials = kMaxObjMaterials;
};
Status check_mtl_structure(std::span<const uint8_t> bytes, const std::string& name, MtlBudget& budget);

// The references a scene file makes, as written (glTF URIs decoded), by the file's extension:
// .gltf/.glb buffers and images, .obj material libraries, .mtl texture maps.
Result<std::vector<std::string>> scene_file_references(const std::string& path, std::span<const uint8_t> bytes);

}  // namespace strata::render
