// Framing: round trips through arbitrary splits, and a named error for every malformed stream.
#include <gtest/gtest.h>

#include "network/transport/frame.h"
#include "compute/render/messages.h"

namespace {

using namespace strata;
using namespace strata::network;
using namespace strata::compute;

std::vector<uint8_t> task_payload() {
  RenderTask t;
  t.job_id = "job";
  t.width = 64;
  t.height = 64;
  t.tile = {0, 0, 16, 16};
  t.sample_count = 4;
  return encode(t);
}

std::string error_of(std::vector<uint8_t> bytes) {
  FrameDecoder d;
  d.feed(bytes);
  auto r = d.next();
  return r.is_ok() ? "" : r.status().message();
}

TEST(Frames, RoundTripThroughAnySplit) {
  std::vector<uint8_t> a = task_payload(), b = {1, 2, 3};
  std::vector<uint8_t> stream = encode_frame(FrameType::kRenderTask, a);
  std::vector<uint8_t> second = encode_frame(FrameType::kRenderResult, b);
  stream.insert(stream.end(), second.begin(), second.end());
  for (size_t chunk : {size_t(1), size_t(5), size_t(12), stream.size()}) {
    FrameDecoder d;
    std::vector<Frame> got;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      d.feed(std::span(stream).subspan(i, std::min(chunk, stream.size() - i)));
      for (;;) {
        auto f = d.next();
        ASSERT_TRUE(f.is_ok()) << f.status().to_string();
        if (!*f) break;
        got.push_back(std::move(**f));
      }
    }
    ASSERT_EQ(got.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(got[0].type, FrameType::kRenderTask);
    EXPECT_EQ(got[0].payload, a);
    EXPECT_TRUE(verify_frame_payload(got[0]).is_ok());
    EXPECT_EQ(got[1].payload, b);
    // Three bytes are no render result: the payload check refuses it with a reason.
    EXPECT_EQ(verify_frame_payload(got[1]).code(), StatusCode::kInvalidArgument);
  }
}

TEST(Frames, MalformedStreamsAreRefusedByName) {
  std::vector<uint8_t> good = encode_frame(FrameType::kRenderTask, task_payload());
  std::vector<uint8_t> magic = good;
  magic[0] = 'X';
  EXPECT_NE(error_of(magic).find("bad magic"), std::string::npos);
  std::vector<uint8_t> version = good;
  version[4] = 9;
  EXPECT_NE(error_of(version).find("unsupported wire version 9"), std::string::npos);
  std::vector<uint8_t> type = good;
  type[6] = 77;
  EXPECT_NE(error_of(type).find("unknown type 77"), std::string::npos);
  // An oversized length is refused from the header alone, before any payload is buffered.
  std::vector<uint8_t> huge(good.begin(), good.begin() + kFrameHeaderBytes);
  huge[11] = 0x7f;
  EXPECT_NE(error_of(huge).find("over the"), std::string::npos);
  // A truncated frame is simply not complete yet.
  FrameDecoder d;
  d.feed(std::span(good).first(good.size() - 1));
  auto partial = d.next();
  ASSERT_TRUE(partial.is_ok());
  EXPECT_FALSE(partial->has_value());
}

}  // namespace
