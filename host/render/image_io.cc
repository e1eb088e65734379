#include "host/render/image_io.h"

#include <stb_image_write.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <strings.h>

namespace strata::render {

Image resolve(const AccumBuffer& accum) {
  Image img;
  img.width = accum.rect.w;
  img.height = accum.rect.h;
  img.rgb.resize(size_t(img.width) * img.height * 3);
  for (size_t i = 0; i < size_t(img.width) * img.height; ++i) {
    float n = accum.rgbw[i * 4 + 3];
    for (int c = 0; c < 3; ++c) img.rgb[i * 3 + c] = n > 0 ? accum.rgbw[i * 4 + c] / n : 0.0f;
  }
  return img;
}

uint8_t linear_to_srgb8(float v) {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  double s = v <= 0.0031308 ? 12.92 * v : 1.055 * std::pow(v, 1.0 / 2.4) - 0.055;
  return static_cast<uint8_t>(std::lround(s * 255.0));
}

Status write_png(const std::string& path, const Image& image) {
  std::vector<uint8_t> px(image.rgb.size());
  for (size_t i = 0; i < px.size(); ++i) px[i] = linear_to_srgb8(image.rgb[i]);
  if (!stbi_write_png(path.c_str(), static_cast<int>(image.width), static_cast<int>(image.height), 3, px.data(),
                      static_cast<int>(image.width) * 3)) {
    return io_error("cannot write PNG '" + path + "'");
  }
  return Status::ok();
}

Status write_pfm(const std::string& path, const Image& image) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return io_error("cannot open '" + path + "' for writing");
  // PFM: a negative scale means little-endian; rows run bottom to top.
  out << "PF\n" << image.width << " " << image.height << "\n-1.0\n";
  for (uint32_t y = image.height; y-- > 0;) {
    out.write(reinterpret_cast<const char*>(&image.rgb[size_t(y) * image.width * 3]),
              static_cast<std::streamsize>(image.width * 3 * sizeof(float)));
  }
  if (!out) return io_error("writing '" + path + "' failed");
  return Status::ok();
}

namespace {
bool has_extension(const std::string& path, const char* ext) {
  size_t n = std::strlen(ext);
  return path.size() >= n && strcasecmp(path.c_str() + path.size() - n, ext) == 0;
}
}  // namespace

Status check_image_path(const std::string& path) {
  if (has_extension(path, ".png") || has_extension(path, ".pfm")) return Status::ok();
  return invalid_argument("output '" + path + "': unknown image format (expected .png or .pfm)");
}

Status write_image(const std::string& path, const Image& image) {
  STRATA_RETURN_IF_ERROR(check_image_path(path));
  return has_extension(path, ".png") ? write_png(path, image) : write_pfm(path, image);
}

Result<Image> read_pfm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open '" + path + "'");
  std::string magic;
  Image img;
  double scale = 0;
  in >> magic >> img.width >> img.height >> scale;
  in.get();
  if (magic != "PF" || !in || img.width == 0 || img.height == 0 || img.width > 65536 || img.height > 65536) {
    return invalid_argument("'" + path + "' is not a colour PFM image");
  }
  if (scale > 0) return invalid_argument("'" + path + "': big-endian PFM is not supported");
  img.rgb.resize(size_t(img.width) * img.height * 3);
  for (uint32_t y = img.height; y-- > 0;) {
    in.read(reinterpret_cast<char*>(&img.rgb[size_t(y) * img.width * 3]),
            static_cast<std::streamsize>(img.width * 3 * sizeof(float)));
  }
  if (!in) return invalid_argument("'" + path + "' is truncated");
  return img;
}

}  // namespace strata::render
