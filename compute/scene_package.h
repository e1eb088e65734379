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

#include "host/render/scene_files.h"
#include "host/status.h"
#include "network/blob_store.h"

namespace strata::compute {

struct SceneManifest {
  std::string main;  // the scene file's path
  struct Entry {
    std::string path;
    network::BlobId id{};
    uint64_t size = 0;
  };
  std::vector<Entry> files;
};

inline constexpr uint64_t kMaxManifestBytes = 4u << 20;  // 4096 entries of a few hundred bytes

std::vector<uint8_t> encode_manifest(const SceneManifest& manifest);
// Checks the format, and that every path is relative, stays inside the scene's folder and
// appears once, that the main file is listed, and that the files are within the bounds of
// host/render/scene_files.h (counted from their declared sizes, before any is fetched).
Result<SceneManifest> decode_manifest(std::span<const uint8_t> bytes);

// Stores the scene's files and manifest in `store`; returns the manifest's id.
Result<network::BlobId> store_scene(network::BlobStore& store, const render::SceneFiles& files);

// The manifest's files, fetched with `fetch` and each checked against its id and size before it
// is kept: the scene a requestor's job renders, and nothing else.
// `fetch` gets each file's id and the size the manifest gives it, which bounds what it takes.
using BlobFetch = std::function<Result<std::vector<uint8_t>>(const network::BlobId&, uint64_t size)>;
Result<render::SceneFiles> fetch_scene(const SceneManifest& manifest, const BlobFetch& fetch);

}  // namespace strata::compute
