// The compute layer's messages: a proposal round-trips with the requestor's signature and binds
// the task by its hash; a reply carries either an agreement signed by both or a reason; a result
// announcement carries its commitment. Tampering, mismatches and malformed bytes are named.
#include <gtest/gtest.h>

#include "network/blob_store.h"
#include "network/transport/frame.h"
#include "compute/task_messages.h"
#include "schema/compute_generated.h"
#include "tests/network/network_support.h"

namespace {

using namespace strata;
using namespace strata::network;
using namespace strata::compute;

RenderTask task(uint32_t subtask = 3) {
  RenderTask t;
  t.job_id = "job-7";
  t.scene_hash = blob_id_of(std::vector<uint8_t>{1, 2, 3});
  t.width = 640;
  t.height = 480;
  t.tile = {64, 32, 32, 32};
  t.sample_begin = 16;
  t.sample_count = 16;
  t.seed = 9;
  t.max_depth = 6;
  t.rr_depth = 2;
  t.subtask = subtask;
  return t;
}

Agreement agreement(uint32_t subtask = 3) {
  Agreement a;
  a.job_id = "job-7";
  a.provider = tests::test_identity(2).public_key();
  a.subtasks = {subtask};
  a.price = 50;
  a.deadline = 123456;
  return a;
}

Demand demand(uint64_t max_price = 100, const std::string& job = "job-7", uint8_t signer = 1) {
  Demand d;
  d.job_id = job;
  d.kernel = "render/pathtrace-v1";
  d.min_memory_bytes = 1 << 20;
  d.max_price = max_price;
  d.sign(tests::test_identity(signer));
  return d;
}

TEST(TaskMessages, ProposalRoundTripsAndBindsTheTask) {
  TaskProposal p = make_proposal(agreement(), encode(task()), demand(), tests::test_identity(1));
  auto back = decode_task_proposal(encode(p));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->agreement, p.agreement);
  EXPECT_EQ(back->task_bytes, encode(task()));
  EXPECT_EQ(back->job_id(), "job-7");
  EXPECT_EQ(back->subtask(), 3u);
  EXPECT_TRUE(verify_frame_payload(FrameView{FrameType::kTaskProposal, encode(p)}).is_ok());

  // Another task under the same agreement: the terms no longer match.
  TaskProposal swapped = p;
  RenderTask other = task();
  other.tile.x = 0;
  swapped.task_bytes = encode(other);
  auto r = decode_task_proposal(encode(swapped));
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("terms"), std::string::npos) << r.status().message();
  // A changed price breaks the requestor's signature.
  TaskProposal repriced = p;
  repriced.agreement.price = 1;
  r = decode_task_proposal(encode(repriced));
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("requestor's signature"), std::string::npos) << r.status().message();
  // The agreement names one subtask (whether the task is that one is its family's to check,
  // tests/compute/family_test.cc).
  Agreement two = agreement();
  two.subtasks = {3, 4};
  r = decode_task_proposal(encode(make_proposal(two, encode(task()), demand(), tests::test_identity(1))));
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("exactly one subtask"), std::string::npos) << r.status().message();
  // Task bytes are bounded before anything else is read.
  r = decode_task_proposal(encode(make_proposal(agreement(), std::vector<uint8_t>(kMaxTaskBytes + 1, 7), demand(),
                                                tests::test_identity(1))));
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("the task is missing or over"), std::string::npos) << r.status().message();
  // The demand must be the same requestor's, for the same job, and allow the agreed price.
  for (const auto& [d, expected] : std::vector<std::pair<Demand, std::string>>{
           {demand(100, "job-7", 9), "another requestor's"},
           {demand(100, "job-8"), "another job's"},
           {demand(49), "over the demand's maximum"}}) {
    r = decode_task_proposal(encode(make_proposal(agreement(), encode(task()), d, tests::test_identity(1))));
    ASSERT_FALSE(r.is_ok()) << expected;
    EXPECT_NE(r.status().message().find(expected), std::string::npos) << r.status().message();
  }
  TaskProposal forged = p;
  forged.demand.max_price = 1000;  // after signing
  r = decode_task_proposal(encode(forged));
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("demand"), std::string::npos) << r.status().message();
}

TEST(TaskMessages, ReplyCarriesASignedAgreementOrAReason) {
  TaskProposal p = make_proposal(agreement(), encode(task()), demand(), tests::test_identity(1));
  Agreement signed_both = p.agreement;
  signed_both.sign_as_provider(tests::test_identity(2));
  auto yes = decode_task_reply(encode(TaskReply{"job-7", 3, signed_both, ""}));
  ASSERT_TRUE(yes.is_ok()) << yes.status().to_string();
  EXPECT_EQ(*yes->agreement, signed_both);
  auto no = decode_task_reply(encode(TaskReply{"job-7", 3, std::nullopt, "busy"}));
  ASSERT_TRUE(no.is_ok());
  EXPECT_EQ(no->error, "busy");
  // Only the requestor's signature: not an agreement yet.
  auto half = decode_task_reply(encode(TaskReply{"job-7", 3, p.agreement, ""}));
  ASSERT_FALSE(half.is_ok());
  EXPECT_NE(half.status().message().find("provider's signature"), std::string::npos) << half.status().message();
  auto neither = decode_task_reply(encode(TaskReply{"job-7", 3, std::nullopt, ""}));
  EXPECT_FALSE(neither.is_ok());
  auto other = decode_task_reply(encode(TaskReply{"job-7", 4, signed_both, ""}));
  ASSERT_FALSE(other.is_ok());
  EXPECT_NE(other.status().message().find("another subtask"), std::string::npos);
  EXPECT_FALSE(decode_task_reply(encode(TaskReply{"", 3, std::nullopt, "x"})).is_ok());
}

// A provider's error may quote a library (a decoder's message with the file's own bytes, a long
// list): the reply still reaches the requestor, as valid text under the bound, where the
// decoder would refuse the whole reply for one bad byte.
TEST(TaskMessages, ARepliedErrorIsMadeFitForTheWire) {
  auto bad_bytes = decode_task_reply(encode(TaskReply{"job", 3, std::nullopt, std::string("texture \xff\xfe: not a PNG")}));
  ASSERT_TRUE(bad_bytes.is_ok()) << bad_bytes.status().to_string();
  EXPECT_EQ(bad_bytes->error, "texture \xef\xbf\xbd\xef\xbf\xbd: not a PNG");
  auto long_text = decode_task_reply(encode(TaskReply{"job", 3, std::nullopt, std::string(5000, 'e')}));
  ASSERT_TRUE(long_text.is_ok()) << long_text.status().to_string();
  EXPECT_EQ(long_text->error, std::string(4093, 'e') + "...");
  auto chunk = decode_chunk_reply(encode(ChunkReply{blob_id_of(std::vector<uint8_t>{1}), 0, 0, {}, {}, std::string(9000, '\x80')}));
  ASSERT_TRUE(chunk.is_ok()) << chunk.status().to_string();
  EXPECT_LE(chunk->error.size(), 4096u);

  // Another implementation's reply, built by hand, is still held to the bound and to UTF-8.
  for (std::string error : {std::string(5000, 'e'), std::string("a\xff" "b")}) {
    flatbuffers::FlatBufferBuilder b;
    auto job = b.CreateString("job");
    auto text = b.CreateString(error);
    b.Finish(wire::CreateTaskReply(b, job, 3, {}, text, false));
    auto raw = decode_task_reply(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize()));
    ASSERT_FALSE(raw.is_ok());
    EXPECT_NE(raw.status().message().find("the error"), std::string::npos) << raw.status().message();
  }
}

TEST(TaskMessages, ResultAnnouncementRoundTrips) {
  TaskResult r{"job-7", 3, blob_id_of(std::vector<uint8_t>{9}), 4096, 12.5, "cpu:0", blob_id_of(std::vector<uint8_t>{8}), 33};
  auto back = decode_task_result(encode(r));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->merkle_root, r.merkle_root);
  EXPECT_EQ(back->chunks, 33u);
  TaskResult no_chunks = r;
  no_chunks.chunks = 0;
  EXPECT_FALSE(decode_task_result(encode(no_chunks)).is_ok());
  EXPECT_EQ(back->result_id, r.result_id);
  EXPECT_EQ(back->result_bytes, 4096u);
  EXPECT_EQ(back->device, "cpu:0");
  TaskResult empty = r;
  empty.result_bytes = 0;
  EXPECT_FALSE(decode_task_result(encode(empty)).is_ok());
  TaskResult negative = r;
  negative.kernel_ms = -1;
  EXPECT_FALSE(decode_task_result(encode(negative)).is_ok());
}

// Found by hostile review: the device a result names is every device that shared its samples,
// joined by '+' ("opencl:0+opencl:1+..."); past ~30 of them it was over the decoder's 256 bytes,
// and the requestor refused every result of that provider. It is cut to fit, as errors are.
TEST(TaskMessages, AResultFromManySharingDevicesStillDecodes) {
  std::string devices;
  for (int d = 0; d < 40; ++d) devices += (devices.empty() ? "" : "+") + std::string("opencl:") + std::to_string(d);
  TaskResult r{"job-7", 3, blob_id_of(std::vector<uint8_t>{9}), 4096, 12.5, devices, blob_id_of(std::vector<uint8_t>{8}), 33};
  auto back = decode_task_result(encode(r));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_LE(back->device.size(), 256u);
  EXPECT_EQ(back->device.rfind("opencl:0+opencl:1+", 0), 0u) << back->device;
}

TEST(TaskMessages, ChunkRequestsAndRepliesRoundTrip) {
  ChunkRequest q{blob_id_of(std::vector<uint8_t>{1}), 7};
  auto q2 = decode_chunk_request(encode(q));
  ASSERT_TRUE(q2.is_ok());
  EXPECT_EQ(q2->result_id, q.result_id);
  EXPECT_EQ(q2->index, 7u);
  ChunkReply a{q.result_id, 7, 9, {1, 2, 3}, {blob_id_of(std::vector<uint8_t>{2}), blob_id_of(std::vector<uint8_t>{3})}, ""};
  auto a2 = decode_chunk_reply(encode(a));
  ASSERT_TRUE(a2.is_ok()) << a2.status().to_string();
  EXPECT_EQ(a2->data, a.data);
  EXPECT_EQ(a2->proof, a.proof);
  ChunkReply outside = a;
  outside.index = 9;
  EXPECT_FALSE(decode_chunk_reply(encode(outside)).is_ok());
  ChunkReply refusal{q.result_id, 7, 0, {}, {}, "no such result here"};
  auto r2 = decode_chunk_reply(encode(refusal));
  ASSERT_TRUE(r2.is_ok());
  EXPECT_EQ(r2->error, "no such result here");
  EXPECT_TRUE(verify_frame_payload(FrameView{FrameType::kChunkRequest, encode(q)}).is_ok());
  std::vector<uint8_t> junk(48, 0x33);
  EXPECT_FALSE(decode_chunk_request(junk).is_ok());
  EXPECT_FALSE(decode_chunk_reply(junk).is_ok());
}

TEST(TaskMessages, CancelRoundTrips) {
  auto c = decode_task_cancel(encode(TaskCancel{"job-7"}));
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->job_id, "job-7");
  EXPECT_FALSE(decode_task_cancel(encode(TaskCancel{""})).is_ok());
  EXPECT_FALSE(decode_task_cancel(std::vector<uint8_t>(24, 0x7f)).is_ok());
  EXPECT_TRUE(verify_frame_payload(FrameView{FrameType::kTaskCancel, encode(TaskCancel{"j"})}).is_ok());
}

TEST(TaskMessages, MalformedBytesAreNamed) {
  std::vector<uint8_t> junk(64, 0xab);
  for (auto decode : {+[](std::span<const uint8_t> b) { return decode_task_proposal(b).status(); },
                      +[](std::span<const uint8_t> b) { return decode_task_reply(b).status(); },
                      +[](std::span<const uint8_t> b) { return decode_task_result(b).status(); }}) {
    Status s = decode(junk);
    ASSERT_FALSE(s.is_ok());
    EXPECT_NE(s.message().find("malformed"), std::string::npos) << s.message();
    EXPECT_FALSE(decode(std::vector<uint8_t>{}).is_ok());
  }
  TaskProposal p = make_proposal(agreement(), encode(task()), demand(), tests::test_identity(1));
  std::vector<uint8_t> bytes = encode(p);
  for (size_t cut : {size_t(4), bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_FALSE(decode_task_proposal(std::span(bytes).first(cut)).is_ok()) << cut;
  }
}

}  // namespace
