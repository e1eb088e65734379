// Images: resolving an accumulation buffer, and writing PNG (tonemapped to 8-bit sRGB) and PFM
// (linear 32-bit float).
#pragma once

#include <string>
#include <vector>

#include "host/render/renderer.h"

namespace strata::render {

struct Image {
  uint32_t width = 0, height = 0;
  std::vector<float> rgb;  // linear radiance, row-major, top row first
};

// Each pixel's mean over its samples (sum / count).
Image resolve(const AccumBuffer& accum);

// The sRGB transfer function of a linear value clamped to [0, 1], as an 8-bit code.
uint8_t linear_to_srgb8(float linear);

Status write_png(const std::string& path, const Image& image);
Status write_pfm(const std::string& path, const Image& image);
// Ok when `path` names a format write_image knows.
Status check_image_path(const std::string& path);
// By extension: .png or .pfm.
Status write_image(const std::string& path, const Image& image);
Result<Image> read_pfm(const std::string& path);

}  // namespace strata::render
