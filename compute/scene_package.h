// A scene as content-addressed blobs: the scene file and every file it references (glTF buffers
// and images, an OBJ's material libraries and their textures), each a blob, listed by a manifest
// that is itself a blob. The manifest's id names the whole scene, so a provider that fetches it
// and its files, checking each against its id, renders exactly what the requestor submitted.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/blob_store.h"

namespace strata::compute {

struct SceneFile {
  std::string path;  // relative to the scene file's folder, '/'-separated
  std::vector<uint8_t> bytes;
};

// The scene file (first) and the local files it references. A referenced file that is missing is
// an error that names it; embedded (data:) and absolute http(s) URIs are left alone.
Result<std::vector<SceneFile>> collect_scene_files(const std::string& scene_path);

struct SceneManifest {
  std::string main;  // the scene file's path
  struct Entry {
    std::string path;
    network::BlobId id{};
    uint64_t size = 0;
  };
  std::vector<Entry> files;
};

inline constexpr size_t kMaxSceneFiles = 4096;

std::vector<uint8_t> encode_manifest(const SceneManifest& manifest);
// Checks the format, and that every path is relative, stays inside the scene's folder and
// appears once, and that the main file is listed.
Result<SceneManifest> decode_manifest(std::span<const uint8_t> bytes);

// Stores the scene's files and manifest in `store`; returns the manifest's id.
Result<network::BlobId> store_scene(network::BlobStore& store, const std::vector<SceneFile>& files);

// Writes the manifest's files under `dir` (fetching each with `fetch`, which checks its id) and
// returns the path of the main file.
using BlobFetch = std::function<Result<std::vector<uint8_t>>(const network::BlobId&)>;
Result<std::string> unpack_scene(const SceneManifest& manifest, const BlobFetch& fetch, const std::string& dir);

}  // namespace strata::compute
