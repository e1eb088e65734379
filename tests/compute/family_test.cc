// The families behind compute/family.h, one method at a time: a provider refuses task bytes that
// are not the agreement's (another job, another subtask, another kernel, outside the image); a
// proof plan covers every item once, in order, within its bounds and with its work; a twin is the
// same work under another index; a result is checked against the commitment its provider
// announced.
#include <gtest/gtest.h>

#include "compute/families.h"
#include "host/proof/batch_hash.h"
#include "network/blob_store.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"
#include "verifier/merkle.h"

namespace {

using namespace strata;
using namespace strata::compute;

compute::TaskProposal proposal(const std::string& job, uint32_t subtask, const std::string& kernel, std::vector<uint8_t> task) {
  compute::Agreement a;
  a.job_id = job;
  a.subtasks = {subtask};
  a.provider = tests::test_identity(2).public_key();
  compute::Demand d;
  d.job_id = job;
  d.kernel = kernel;
  d.sign(tests::test_identity(1));
  return compute::make_proposal(a, std::move(task), d, tests::test_identity(1));
}

compute::RenderTask render_task() {
  compute::RenderTask t;
  t.job_id = "job-7";
  t.scene_hash = network::blob_id_of(std::vector<uint8_t>{1});
  t.width = 64;
  t.height = 48;
  t.tile = {32, 16, 16, 16};
  t.sample_count = 4;
  t.subtask = 3;
  return t;
}

void expect_error(const Status& s, const std::string& needle) {
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

TEST(Families, ProvidersRefuseTasksThatAreNotTheAgreements) {
  Families families;
  Family* render = families.by_kernel(kRenderKernel);
  ASSERT_NE(render, nullptr);
  EXPECT_EQ(render->name(), "render");
  EXPECT_EQ(families.by_kernel("proof/ed25519-v1")->name(), "proof");
  EXPECT_EQ(families.by_kernel("analytics/window-v1"), nullptr);
  EXPECT_EQ(families.by_name("proof"), families.by_kernel("proof/sha256-v1"));

  EXPECT_TRUE(render->check_task(proposal("job-7", 3, kRenderKernel, encode(render_task()))).is_ok());
  expect_error(render->check_task(proposal("job-7", 4, kRenderKernel, encode(render_task()))),
               "exactly the task's subtask");
  expect_error(render->check_task(proposal("job-8", 3, kRenderKernel, encode(render_task()))), "different jobs");
  compute::RenderTask outside = render_task();
  outside.tile.x = 60;
  expect_error(render->check_task(proposal("job-7", 3, kRenderKernel, encode(outside))), "outside the image");
  expect_error(render->check_task(proposal("job-7", 3, kRenderKernel, {1, 2, 3, 4, 5, 6, 7, 8, 9})), "render task");

  Family* proof = families.by_name("proof");
  ProofTask t;
  t.job_id = "job-7";
  t.subtask = 3;
  t.op = ProofOp::kHash;
  t.algo = "keccak256";
  t.batch_bytes = 100;
  t.items = 2;
  EXPECT_TRUE(proof->check_task(proposal("job-7", 3, "proof/keccak256-v1", encode(t))).is_ok());
  expect_error(proof->check_task(proposal("job-7", 3, "proof/sha256-v1", encode(t))),
               "needs the kernel proof/keccak256-v1, not the demand's proof/sha256-v1");
  expect_error(proof->check_task(proposal("job-7", 2, "proof/keccak256-v1", encode(t))), "exactly the task's subtask");
  // A batch larger than the provider takes is refused before it is fetched.
  ProofTask huge = t;
  huge.batch_bytes = (uint64_t(128) << 20) + 1;
  expect_error(proof->check_task(proposal("job-7", 3, "proof/keccak256-v1", encode(huge))), "this provider takes at most");
  // A render task under a proof kernel is not a proof task.
  expect_error(proof->check_task(proposal("job-7", 3, "proof/keccak256-v1", encode(render_task()))), "proof task");
}

struct ProofFixture {
  std::unique_ptr<network::BlobStore> store;
  std::unique_ptr<JobContext> context;
  std::shared_ptr<Family> family;
  std::unique_ptr<FamilyJob> job;
};

ProofFixture open_proof_job(ProofOp op, const ProofBatch& batch, ProofPlanOptions plan = {}) {
  ProofFixture f;
  auto store = network::BlobStore::open(tests::scratch_dir() + "/family-" + proof_op_name(op));
  EXPECT_TRUE(store.is_ok());
  f.store = std::move(*store);
  f.context = std::make_unique<JobContext>(JobContext{*f.store, tests::scratch_dir() + "/family-out", ""});
  ProofFamilyOptions options;
  options.plan = plan;
  f.family = make_proof_family(options);
  auto id = f.store->put(encode(batch));
  auto job = f.family->open(proof_spec(op, op == ProofOp::kVerify ? "" : "sha256", network::to_string(*id)), *f.context);
  EXPECT_TRUE(job.is_ok()) << job.status().to_string();
  if (job.is_ok()) f.job = std::move(*job);
  return f;
}

TEST(Families, AProofPlanCoversEveryItemOnceInOrder) {
  ProofBatch batch;
  for (size_t i = 0; i < 1000; ++i) batch.values.push_back(std::vector<uint8_t>(i % 300, uint8_t(i)));
  ProofPlanOptions bounds;
  bounds.min_task_work = 1;
  bounds.max_task_bytes = 20000;  // smaller than the work would cut
  ProofFixture f = open_proof_job(ProofOp::kHash, batch, bounds);
  ASSERT_TRUE(f.job);
  auto plan = f.job->plan("job-p", {{1000, 1}, {1e9, 1}});  // the slowest sets the size
  ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
  ASSERT_GT(plan->size(), 4u);
  uint64_t next = 0, work = 0, expected_work = 0;
  for (const auto& item : batch.values) expected_work += proof::compressions_of(proof::HashAlgo::kSha256, item.size());
  for (size_t i = 0; i < plan->size(); ++i) {
    const PlannedTask& p = (*plan)[i];
    EXPECT_EQ(p.index, i);
    EXPECT_EQ(p.hash, network::blob_id_of(p.bytes));
    auto t = decode_proof_task(p.bytes);
    ASSERT_TRUE(t.is_ok());
    EXPECT_EQ(t->first, next);
    EXPECT_LE(t->batch_bytes, 20000u + 4096u);  // the items, and the batch's framing
    auto stored = f.store->get(t->batch);
    ASSERT_TRUE(stored.is_ok()) << "the task's batch is not in the requestor's store";
    auto part = decode_proof_batch(*stored, 1);
    ASSERT_TRUE(part.is_ok());
    ASSERT_EQ(part->records(), t->items);
    for (size_t k = 0; k < t->items; ++k) ASSERT_EQ(part->values[k], batch.values[t->first + k]);
    next += t->items;
    work += p.work;
  }
  EXPECT_EQ(next, batch.values.size());
  EXPECT_EQ(work, expected_work);
  // A twin: the same batch and items under another index.
  auto twin = f.job->twin((*plan)[1], 99);
  ASSERT_TRUE(twin.is_ok());
  auto a = decode_proof_task((*plan)[1].bytes), b = decode_proof_task(twin->bytes);
  EXPECT_EQ(b->subtask, 99u);
  EXPECT_EQ(b->batch, a->batch);
  EXPECT_EQ(b->first, a->first);
  EXPECT_EQ(twin->work, (*plan)[1].work);
}

TEST(Families, AProofResultMustCarryTheAnnouncedCommitment) {
  ProofBatch batch;
  batch.values = {{1}, {2}, {3}};
  ProofFixture f = open_proof_job(ProofOp::kHash, batch);
  ASSERT_TRUE(f.job);
  auto plan = f.job->plan("job-c", {{1e6, 1}});
  ASSERT_TRUE(plan.is_ok());
  ASSERT_EQ(plan->size(), 1u);
  ProofResult r{"job-c", 0, ProofOp::kHash, std::vector<uint8_t>(96, 5)};
  std::vector<verifier::Digest> leaves;
  for (size_t i = 0; i < 3; ++i) leaves.push_back(verifier::merkle_leaf_hash(r.output(i)));
  Commitment right{verifier::merkle_root(leaves), 3};
  EXPECT_TRUE(f.job->check((*plan)[0], encode(r), right).is_ok());
  Commitment wrong_root = right;
  wrong_root.merkle_root[0] ^= 1;
  expect_error(f.job->check((*plan)[0], encode(r), wrong_root), "Merkle root its provider announced");
  Commitment wrong_count = right;
  wrong_count.chunks = 4;
  EXPECT_FALSE(f.job->check((*plan)[0], encode(r), wrong_count).is_ok());
  ProofResult short_result = r;
  short_result.outputs.resize(64);
  expect_error(f.job->check((*plan)[0], encode(short_result), right), "does not match the task");
  ProofResult other = r;
  other.subtask = 1;
  EXPECT_EQ(f.job->check((*plan)[0], encode(other), right).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.job->check((*plan)[0], std::vector<uint8_t>{1, 2, 3}, right).code(), StatusCode::kInvalidArgument);
  // A result larger than one of this task's can be is refused before it is fetched.
  EXPECT_EQ(f.job->max_result_bytes((*plan)[0]), 3u * 32 + 8192);
  // Wrong digests pass the commitment (it is the provider's own) but not the verifier.
  auto device = tests::open_or_die("cpu");
  auto verdict = f.job->verify(*device, (*plan)[0], encode(r), 1);
  ASSERT_TRUE(verdict.is_ok());
  EXPECT_FALSE(verdict->passed);
  EXPECT_NE(verdict->reason.find("digest differs"), std::string::npos) << verdict->reason;
}

}  // namespace
