// Render wire messages: round trips, and a clear error for every kind of bad message.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "host/render/procedural.h"
#include "compute/render/messages.h"
#include "tests/host/render/render_support.h"

namespace {

using namespace strata;
using namespace strata::compute;

RenderTask sample_task() {
  RenderTask t;
  t.job_id = "job-42";
  for (size_t i = 0; i < t.scene_hash.size(); ++i) t.scene_hash[i] = static_cast<uint8_t>(i * 7);
  t.width = 640;
  t.height = 480;
  t.tile = {64, 32, 64, 64};
  t.sample_begin = 128;
  t.sample_count = 64;
  t.seed = 99;
  t.max_depth = 6;
  return t;
}

void expect_error(const Status& s, const std::string& needle) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

TEST(RenderMessages, TaskRoundTrip) {
  RenderTask t = sample_task();
  auto back = decode_render_task(encode(t));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->job_id, t.job_id);
  EXPECT_EQ(back->scene_hash, t.scene_hash);
  EXPECT_EQ(back->tile, t.tile);
  EXPECT_EQ(back->sample_begin, 128u);
  EXPECT_EQ(back->sample_count, 64u);
  EXPECT_EQ(back->seed, 99u);
  EXPECT_EQ(back->max_depth, 6u);
  EXPECT_EQ(back->sample_pieces, 1u);  // the default: one piece
  t.sample_pieces = 4;
  back = decode_render_task(encode(t));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->sample_pieces, 4u);
}

// A real partial render survives the wire bit for bit.
TEST(RenderMessages, ResultRoundTripIsBitExact) {
  render::Scene scene = render::make_emitting_enclosure(0.5f, 1.0f, 6);
  render::RenderSettings s;
  s.width = 24;
  s.height = 16;
  s.spp = 3;
  RenderResult r;
  r.job_id = "job-7";
  r.sample_begin = 0;
  r.sample_count = 3;
  r.accum = tests::render_on("cpu:0", scene, s);
  auto back = decode_render_result(encode(r));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->accum.rect, r.accum.rect);
  EXPECT_EQ(0, std::memcmp(back->accum.rgbw.data(), r.accum.rgbw.data(), r.accum.rgbw.size() * 4));
  EXPECT_EQ(back->accum.rays, r.accum.rays);
}

TEST(RenderMessages, BadTasksAreRefusedByName) {
  RenderTask t = sample_task();
  t.tile = {600, 0, 64, 64};
  expect_error(decode_render_task(encode(t)).status(), "outside the image");
  t = sample_task();
  t.job_id = "";
  expect_error(decode_render_task(encode(t)).status(), "the job id is empty");
  t.job_id = std::string(200, 'x');
  expect_error(decode_render_task(encode(t)).status(), "the job id is over 128 bytes");
  t = sample_task();
  t.sample_count = 0;
  expect_error(decode_render_task(encode(t)).status(), "samples per pixel");
  t = sample_task();
  t.sample_begin = UINT32_MAX;
  expect_error(decode_render_task(encode(t)).status(), "overflows");
  t = sample_task();
  t.max_depth = 0;
  expect_error(decode_render_task(encode(t)).status(), "path depth");
  t = sample_task();
  t.sample_pieces = 0;
  expect_error(decode_render_task(encode(t)).status(), "cannot be cut into 0 pieces");
  t.sample_pieces = 17;
  expect_error(decode_render_task(encode(t)).status(), "cannot be cut into 17 pieces");
  t.sample_count = 3;
  t.sample_pieces = 4;
  expect_error(decode_render_task(encode(t)).status(), "3 samples cannot be cut into 4 pieces");
}

TEST(RenderMessages, InconsistentResultsAreRefused) {
  RenderResult r;
  r.job_id = "j";
  r.sample_count = 2;
  r.accum = render::AccumBuffer::for_rect({0, 0, 2, 2});
  for (size_t i = 0; i < 4; ++i) r.accum.rgbw[i * 4 + 3] = 2;
  ASSERT_TRUE(decode_render_result(encode(r)).is_ok());
  RenderResult wrong_count = r;
  wrong_count.accum.rgbw[7] = 1;  // pixel 1 claims one sample
  expect_error(decode_render_result(encode(wrong_count)).status(), "pixel 1 holds");
  RenderResult nan = r;
  nan.accum.rgbw[4] = std::nanf("");
  expect_error(decode_render_result(encode(nan)).status(), "non-finite");
  RenderResult short_rays = r;
  short_rays.accum.rays.pop_back();
  expect_error(decode_render_result(encode(short_rays)).status(), "ray counts");
  RenderResult short_rgbw = r;
  short_rgbw.accum.rgbw.resize(12);
  expect_error(decode_render_result(encode(short_rgbw)).status(), "accumulation values");
  RenderResult too_many_pieces = r;
  too_many_pieces.sample_pieces = 3;  // more than its two samples
  expect_error(decode_render_result(encode(too_many_pieces)).status(), "cannot be cut into 3 pieces");
  RenderResult two_pieces = r;
  two_pieces.sample_pieces = 2;
  auto back = decode_render_result(encode(two_pieces));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->sample_pieces, 2u);
}

TEST(RenderMessages, MalformedBytesAreRefused) {
  std::vector<uint8_t> bytes = encode(sample_task());
  expect_error(decode_render_task(std::span(bytes.data(), 4)).status(), "truncated");
  expect_error(decode_render_task(std::span(bytes.data(), bytes.size() / 2)).status(), "malformed");
  std::vector<uint8_t> garbage(64, 0xff);
  expect_error(decode_render_task(garbage).status(), "malformed");
  // Random corruption: refused with a message, or (where it hits only values) decoded into a
  // task that passed every check; never a crash.
  std::mt19937 rng(3);
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> m = bytes;
    for (int f = 1 + rng() % 4; f > 0; --f) m[rng() % m.size()] ^= static_cast<uint8_t>(1 << (rng() % 8));
    auto r = decode_render_task(m);
    if (!r.is_ok()) {
      ++refused;
      EXPECT_FALSE(r.status().message().empty());
    }
  }
  EXPECT_GT(refused, 200);
}

}  // namespace
