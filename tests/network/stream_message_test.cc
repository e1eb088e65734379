// Stream messages: signatures over every field, verified decoding, duplicates and gaps.
#include <gtest/gtest.h>

#include "network/stream/stream_message.h"
#include "network/utf8.h"
#include "tests/network/network_support.h"

namespace {

using namespace strata;
using namespace strata::network;

Identity publisher(uint8_t n) { return tests::test_identity(n); }

StreamMessage message(const Identity& id, uint64_t ts, uint32_t seq, bool has_prev = false, uint64_t pts = 0,
                      uint32_t pseq = 0) {
  StreamMessage m;
  m.stream_id = "job/42/results";
  m.partition = 3;
  m.ref = {ts, seq};
  m.chain_id = "chain-a";
  m.has_prev = has_prev;
  m.prev = {pts, pseq};
  m.content_type = "application/octet-stream";
  m.payload = {1, 2, 3, 4};
  m.sign(id);
  return m;
}

TEST(StreamMessages, SignedRoundTrip) {
  Identity id = publisher(1);
  StreamMessage m = message(id, 1000, 0, true, 999, 2);
  auto back = decode_stream_message(encode(m));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->stream_id, m.stream_id);
  EXPECT_EQ(back->ref, m.ref);
  EXPECT_EQ(back->prev, m.prev);
  EXPECT_EQ(back->payload, m.payload);
  EXPECT_EQ(back->publisher_id(), id.node_id());
}

// Changing any signed field after signing breaks the signature.
TEST(StreamMessages, EveryFieldIsCovered) {
  Identity id = publisher(2);
  const StreamMessage good = message(id, 1000, 1, true, 900, 0);
  std::vector<std::function<void(StreamMessage&)>> tamper = {
      [](StreamMessage& m) { m.stream_id += "x"; },
      [](StreamMessage& m) { m.partition += 1; },
      [](StreamMessage& m) { m.ref.timestamp += 1; },
      [](StreamMessage& m) { m.ref.sequence += 1; },
      [](StreamMessage& m) { m.chain_id += "x"; },
      [](StreamMessage& m) { m.has_prev = false; },
      [](StreamMessage& m) { m.prev.timestamp += 1; },
      [](StreamMessage& m) { m.prev.sequence += 1; },
      [](StreamMessage& m) { m.content_type = "text/plain"; },
      [](StreamMessage& m) { m.payload[0] ^= 1; },
      [](StreamMessage& m) { m.publisher = publisher(3).public_key(); },
  };
  for (size_t i = 0; i < tamper.size(); ++i) {
    StreamMessage m = good;
    tamper[i](m);
    EXPECT_FALSE(m.signature_valid()) << "field " << i;
    auto r = decode_stream_message(encode(m));
    ASSERT_FALSE(r.is_ok()) << "field " << i;
    EXPECT_NE(r.status().message().find("signature"), std::string::npos) << r.status().message();
  }
}

TEST(StreamMessages, MalformedMessagesAreRefusedByName) {
  Identity id = publisher(4);
  StreamMessage m = message(id, 5, 0);
  m.stream_id = "";
  m.sign(id);
  EXPECT_NE(decode_stream_message(encode(m)).status().message().find("stream id"), std::string::npos);
  StreamMessage backwards = message(id, 5, 0, true, 9, 0);  // the "previous" message is later
  EXPECT_NE(decode_stream_message(encode(backwards)).status().message().find("previous reference"), std::string::npos);
  std::vector<uint8_t> bytes = encode(message(id, 5, 0));
  EXPECT_NE(decode_stream_message(std::span(bytes).first(bytes.size() / 2)).status().message().find("malformed"),
            std::string::npos);
}

TEST(StreamMessages, ChainTrackerDropsDuplicatesAndReportsGaps) {
  Identity id = publisher(5);
  ChainTracker tracker;
  using V = ChainTracker::Verdict;
  EXPECT_EQ(tracker.observe(message(id, 100, 0)).verdict, V::kDeliver);
  EXPECT_EQ(tracker.observe(message(id, 100, 0)).verdict, V::kDuplicate);             // replayed
  EXPECT_EQ(tracker.observe(message(id, 100, 1, true, 100, 0)).verdict, V::kDeliver);  // in order
  auto gap = tracker.observe(message(id, 300, 0, true, 200, 0));                       // 200 never came
  EXPECT_EQ(gap.verdict, V::kGap);
  EXPECT_EQ(gap.gap_from, (MessageRef{100, 1}));
  EXPECT_EQ(gap.gap_to, (MessageRef{300, 0}));
  // The resend fills the gap once; replaying it again is a duplicate.
  EXPECT_EQ(tracker.observe(message(id, 200, 0, true, 100, 1)).verdict, V::kDeliver);
  EXPECT_EQ(tracker.observe(message(id, 200, 0, true, 100, 1)).verdict, V::kDuplicate);
  // Old messages outside any gap are duplicates.
  EXPECT_EQ(tracker.observe(message(id, 50, 0)).verdict, V::kDuplicate);
  // Chains are separate per publisher.
  EXPECT_EQ(tracker.observe(message(publisher(6), 100, 0)).verdict, V::kDeliver);
}

}  // namespace

namespace {

// A peer that signs a message whose strings are not UTF-8 would break JSON output on every node
// that stored it: such messages are refused at decode, however well signed.
TEST(StreamMessages, StringsThatAreNotUtf8AreRefused) {
  using namespace strata::network;
  Identity id = strata::tests::test_identity(3);
  for (std::string bad : {std::string("chain-\xff"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80")}) {
    for (int field = 0; field < 3; ++field) {
      StreamMessage m;
      m.stream_id = field == 0 ? bad : "s";
      m.chain_id = field == 1 ? bad : "c";
      m.content_type = field == 2 ? bad : "text/plain";
      m.ref = {1, 0};
      m.payload = {1};
      m.sign(id);
      auto back = decode_stream_message(encode(m));
      ASSERT_FALSE(back.is_ok()) << "field " << field;
      EXPECT_NE(back.status().message().find("UTF-8"), std::string::npos) << back.status().message();
    }
  }
  EXPECT_TRUE(is_valid_utf8("s\xc3\xa9nsor/\xe2\x82\xac/\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // cut short
}

}  // namespace
