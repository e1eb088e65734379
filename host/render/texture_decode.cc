#include "host/render/texture_decode.h"

#include <stb_image.h>

#include <climits>
#include <cstring>

namespace strata::render {

Result<DecodedTexture> decode_texture(std::span<const uint8_t> bytes, const std::string& name, uint64_t& pixel_budget) {
  if (bytes.empty() || bytes.size() > INT_MAX) return invalid_argument("texture '" + name + "' is empty or over 2 GiB");
  int w = 0, h = 0, n = 0;
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  if (!stbi_info_from_memory(data, size, &w, &h, &n) || w <= 0 || h <= 0) {
    return invalid_argument("texture '" + name + "' is not an image stb_image can read: " + stbi_failure_reason());
  }
  const uint64_t pixels = uint64_t(w) * uint64_t(h);
  if (pixels > pixel_budget) {
    return invalid_argument("texture '" + name + "' is " + std::to_string(w) + "x" + std::to_string(h) +
                            " pixels, over what is left of the bound of " + std::to_string(kMaxTexturePixels) +
                            " texture pixels a scene");
  }
  int dw = 0, dh = 0;
  stbi_uc* pixels_rgba = stbi_load_from_memory(data, size, &dw, &dh, &n, 4);
  if (!pixels_rgba) return invalid_argument("texture '" + name + "' could not be decoded: " + stbi_failure_reason());
  DecodedTexture t;
  if (dw == w && dh == h) {
    t.width = w;
    t.height = h;
    t.rgba.assign(pixels_rgba, pixels_rgba + size_t(pixels) * 4);
  }
  stbi_image_free(pixels_rgba);
  if (t.rgba.empty()) return invalid_argument("texture '" + name + "' decodes to another size than its header says");
  pixel_budget -= pixels;
  return t;
}

}  // namespace strata::render
