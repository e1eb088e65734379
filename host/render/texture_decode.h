// Texture images (PNG, JPEG, and the other formats stb_image reads) decoded to RGBA8, with their
// size checked against a pixel budget before any pixel is decoded: a small compressed file can
// declare a huge image.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/status.h"

namespace strata::render {

// Bounds on what a scene may make of its files, each refused with an error that names it.
inline constexpr uint64_t kMaxNodeVisits = 1u << 20;      // glTF nodes visited, instances included
inline constexpr uint64_t kMaxSceneTriangles = 1u << 23;  // triangles, instanced ones included
inline constexpr uint64_t kMaxTexturePixels = 1u << 26;   // all of a scene's textures together
inline constexpr uint64_t kMaxInstancedReads = 1u << 27;  // accessor elements read, each instance again

struct DecodedTexture {
  int width = 0, height = 0;
  std::vector<uint8_t> rgba;  // 4 bytes a pixel, top row first; 16-bit channels keep their high byte
};

// Decodes `bytes` (named `name` in errors) if its pixels fit in `pixel_budget`, which it reduces.
Result<DecodedTexture> decode_texture(std::span<const uint8_t> bytes, const std::string& name, uint64_t& pixel_budget);

}  // namespace strata::render
