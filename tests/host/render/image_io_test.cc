#include <gtest/gtest.h>

#include <stb_image.h>

#include "host/render/image_io.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::render;

TEST(ImageIo, SrgbEncodingMatchesTheStandard) {
  EXPECT_EQ(linear_to_srgb8(0.0f), 0);
  EXPECT_EQ(linear_to_srgb8(1.0f), 255);
  EXPECT_EQ(linear_to_srgb8(2.0f), 255);
  EXPECT_EQ(linear_to_srgb8(-1.0f), 0);
  EXPECT_EQ(linear_to_srgb8(0.2158605f), 128);  // IEC 61966-2-1
  EXPECT_EQ(linear_to_srgb8(0.0031308f * 0.5f), 5);  // linear segment: 12.92 x 0.0015654 x 255 = 5.2
}

TEST(ImageIo, PfmRoundTripAndPngDecodes) {
  Image img;
  img.width = 3;
  img.height = 2;
  img.rgb = {0, 0.5f, 1, 2, 3, 4, 0.25f, 0.125f, 8, 1e-3f, 100, 0.75f, 0.1f, 0.2f, 0.3f, 1, 1, 1};
  std::string pfm = tests::scratch_dir() + "/img.pfm";
  ASSERT_TRUE(write_image(pfm, img).is_ok());
  auto back = read_pfm(pfm);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->width, 3u);
  EXPECT_EQ(back->rgb, img.rgb);
  std::string png = tests::scratch_dir() + "/img.png";
  ASSERT_TRUE(write_image(png, img).is_ok());
  int w, h, n;
  unsigned char* px = stbi_load(png.c_str(), &w, &h, &n, 3);
  ASSERT_NE(px, nullptr);
  EXPECT_EQ(w, 3);
  EXPECT_EQ(h, 2);
  EXPECT_EQ(px[1], linear_to_srgb8(0.5f));
  EXPECT_EQ(px[3], 255);
  stbi_image_free(px);
  EXPECT_EQ(write_image(tests::scratch_dir() + "/img.jpg", img).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(read_pfm(tests::write_file("bad.pfm", "P6\n1 1\n255\nabc")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(read_pfm(tests::write_file("short.pfm", "PF\n4 4\n-1.0\n\x01\x02")).status().code(), StatusCode::kInvalidArgument);
}

TEST(ImageIo, ResolveDividesBySampleCount) {
  AccumBuffer a = AccumBuffer::for_rect({0, 0, 2, 1});
  a.rgbw = {4, 8, 12, 4, 0, 0, 0, 0};
  Image img = resolve(a);
  EXPECT_EQ(img.rgb, (std::vector<float>{1, 2, 3, 0, 0, 0}));
}

}  // namespace
