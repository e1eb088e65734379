// Job and subtask state: a requestor restarted mid-job finds every subtask as it left it;
// subtasks move pending -> assigned -> accepted, overdue or failed assignments go back to
// pending, and an accepted result is never accepted again or reassigned.
#include <gtest/gtest.h>

#include "network/blob_store.h"
#include "network/clock.h"
#include "compute/job_store.h"
#include "network/node_db.h"

#include <rocksdb/db.h>
#include "verifier/reputation.h"

#include <filesystem>
#include <fstream>
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;
using namespace strata::compute;

JobRecord demo_job(const std::string& id) {
  JobRecord j;
  j.id = id;
  j.family = "proof";
  j.spec = R"({"op": "hash", "algo": "sha256", "items": "ab"})";
  j.kernel = "proof/sha256-v1";
  j.max_price = 9;
  j.min_memory = 1 << 20;
  return j;
}

// Six tasks of opaque bytes (one empty, one of every byte value) and work.
std::vector<PlannedTask> demo_plan(const JobRecord&) {
  std::vector<PlannedTask> plan;
  for (uint32_t i = 0; i < 6; ++i) {
    std::vector<uint8_t> bytes(i * 60);
    for (size_t b = 0; b < bytes.size(); ++b) bytes[b] = static_cast<uint8_t>(b * 7 + i);
    plan.push_back(planned_task(i, std::move(bytes), 1000 + i));
  }
  return plan;
}

void expect_error(const Status& s, const std::string& needle) {
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

TEST(JobStore, StateSurvivesRestartAndMovesOnlyForward) {
  std::string dir = tests::scratch_dir() + "/jobs";
  NodeId p1 = tests::test_identity(1).node_id(), p2 = tests::test_identity(2).node_id();
  JobRecord job = demo_job("job-1");
  std::vector<PlannedTask> plan = demo_plan(job);
  ASSERT_GE(plan.size(), 4u);
  {
    auto store = JobStore::open(dir);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    ASSERT_TRUE((*store)->create(job, plan).is_ok());
    expect_error((*store)->create(job, plan), "already exists");
    ASSERT_TRUE((*store)->assign("job-1", 0, p1, 1000).is_ok());
    ASSERT_TRUE((*store)->assign("job-1", 1, p2, 5000).is_ok());
    ASSERT_TRUE((*store)->assign("job-1", 2, p1, 5000).is_ok());
    expect_error((*store)->assign("job-1", 0, p2, 9000), "assigned, not pending");
    expect_error((*store)->accept("job-1", 1, p1, "c1"), "not assigned to");
    ASSERT_TRUE((*store)->accept("job-1", 1, p2, "c1").is_ok());
    expect_error((*store)->accept("job-1", 1, p2, "c1"), "already accepted");
    expect_error((*store)->release("job-1", 1), "accepted; it stays");
    ASSERT_TRUE((*store)->release("job-1", 2).is_ok());  // p1 failed it
  }
  // The requestor restarts: everything is where it was.
  auto store = JobStore::open(dir);
  ASSERT_TRUE(store.is_ok());
  auto jobs = (*store)->jobs();
  ASSERT_TRUE(jobs.is_ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].family, "proof");
  EXPECT_EQ((*jobs)[0].spec, job.spec);
  EXPECT_EQ((*jobs)[0].kernel, job.kernel);
  EXPECT_EQ((*jobs)[0].max_price, 9u);
  auto subs = (*store)->subtasks("job-1");
  ASSERT_TRUE(subs.is_ok());
  ASSERT_EQ(subs->size(), plan.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ((*subs)[i].task, plan[i]);
    EXPECT_EQ((*subs)[i].task.hash, blob_id_of(plan[i].bytes));
  }
  EXPECT_EQ((*subs)[0].state, SubtaskState::kAssigned);
  EXPECT_EQ((*subs)[0].provider, p1);
  EXPECT_EQ((*subs)[1].state, SubtaskState::kAccepted);
  EXPECT_EQ((*subs)[1].commitment, "c1");
  EXPECT_EQ((*subs)[2].state, SubtaskState::kPending);
  EXPECT_EQ((*subs)[2].attempts, 1u);
  EXPECT_EQ((*subs)[3].state, SubtaskState::kPending);

  // Subtask 0's deadline (1000) passes; it goes back to pending for another provider.
  auto overdue = (*store)->release_overdue("job-1", 2000);
  ASSERT_TRUE(overdue.is_ok());
  EXPECT_EQ(*overdue, (std::vector<uint32_t>{0}));
  ASSERT_TRUE((*store)->assign("job-1", 0, p2, 9000).is_ok());
  expect_error((*store)->accept("job-1", 0, p1, "late"), "not assigned to");  // the late provider counts for nothing
  ASSERT_TRUE((*store)->accept("job-1", 0, p2, "c0").is_ok());
  ASSERT_TRUE((*store)->set_state("job-1", JobState::kCancelled).is_ok());
  EXPECT_EQ((*store)->job("job-1")->state, JobState::kCancelled);
}

TEST(JobStore, BadInputIsNamed) {
  auto store = JobStore::open(tests::scratch_dir() + "/jobs-bad");
  ASSERT_TRUE(store.is_ok());
  JobRecord job = demo_job("a/b");
  expect_error((*store)->create(job, demo_plan(job)), "without '/'");
  job.id = "empty";
  expect_error((*store)->create(job, {}), "no subtasks");
  EXPECT_EQ((*store)->job("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*store)->subtasks("nope").status().code(), StatusCode::kNotFound);
  expect_error((*store)->assign("nope", 0, {}, 1), "does not exist");
  job.id = "j";
  ASSERT_TRUE((*store)->create(job, demo_plan(job)).is_ok());
  expect_error((*store)->assign("j", 999, {}, 1), "subtask 999");
}

}  // namespace

namespace {

// Redundancy's records: twins added later survive a restart with their originals; settling an
// original whose own result lost replaces its commitment; only accepted results can be replaced.
TEST(JobStore, TwinsAndTheirSettlementSurviveRestart) {
  std::string dir = tests::scratch_dir() + "/job-store-twins";
  JobRecord job = demo_job("job-twins");
  std::vector<PlannedTask> plan = demo_plan(job);
  job.originals = static_cast<uint32_t>(plan.size());
  job.redundancy = 0.5;
  NodeId p = tests::test_identity(3).node_id();
  {
    auto store = JobStore::open(dir);
    ASSERT_TRUE(store.is_ok());
    ASSERT_TRUE((*store)->create(job, plan).is_ok());
    PlannedTask twin = planned_task(job.originals, plan[1].bytes, plan[1].work);
    ASSERT_TRUE((*store)->add_twins(job.id, {twin}, {1}).is_ok());
    expect_error((*store)->add_twins(job.id, {twin}, {1}), "already exists");
    expect_error((*store)->resolve(job.id, 1, std::string(64, 'c')), "only an accepted result");
    ASSERT_TRUE((*store)->assign(job.id, 1, p, 1000).is_ok());
    ASSERT_TRUE((*store)->accept(job.id, 1, p, std::string(64, 'd'), 77, std::string(64, 'e')).is_ok());
    ASSERT_TRUE((*store)->resolve(job.id, 1, std::string(64, 'c')).is_ok());
  }
  auto store = JobStore::open(dir);
  ASSERT_TRUE(store.is_ok());
  auto j = (*store)->job(job.id);
  ASSERT_TRUE(j.is_ok());
  EXPECT_EQ(j->originals, plan.size());
  EXPECT_EQ(j->redundancy, 0.5);
  EXPECT_EQ(j->twin_of.at(uint32_t(plan.size())), 1u);
  EXPECT_TRUE(j->resolved.count(1));
  auto subtasks = (*store)->subtasks(job.id);
  ASSERT_TRUE(subtasks.is_ok());
  ASSERT_EQ(subtasks->size(), plan.size() + 1);
  EXPECT_EQ((*subtasks)[1].commitment, std::string(64, 'c'));
  EXPECT_EQ((*subtasks)[1].price, 77u);
  EXPECT_EQ((*subtasks)[1].agreement_hash, std::string(64, 'e'));
  EXPECT_EQ((*subtasks)[plan.size()].task.bytes, plan[1].bytes);
  EXPECT_EQ((*subtasks)[plan.size()].task.index, plan.size());
  // A finished job keeps its output.
  ASSERT_TRUE((*store)->set_state(job.id, JobState::kDone, "", R"({"output": "x.jsonl"})").is_ok());
  EXPECT_EQ((*store)->job(job.id)->output, R"({"output": "x.jsonl"})");
}

}  // namespace

namespace {

// Accepting a result and paying for it are one transition: both are in the store after a
// commit, and neither (nor the record kept in memory) when the transition is dropped unfinished,
// as when the node stops between them.
TEST(JobStore, AcceptAndPayAreOneTransition) {
  using namespace strata::network;
  std::string dir = strata::tests::scratch_dir() + "/one-transition";
  NodeId provider = strata::tests::test_identity(61).node_id();
  JobRecord job = demo_job("job-t");
  {
    auto db = NodeDb::open(dir);
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    auto jobs = JobStore::open(*db);
    auto reputation = strata::verifier::ReputationStore::open(*db);
    ASSERT_TRUE(jobs.is_ok() && reputation.is_ok());
    ASSERT_TRUE((*jobs)->create(job, demo_plan(job)).is_ok());
    ASSERT_TRUE((*jobs)->assign(job.id, 0, provider, now_ms() + 60000).is_ok());
    ASSERT_TRUE((*jobs)->assign(job.id, 1, provider, now_ms() + 60000).is_ok());
    {
      Transition unfinished((*jobs)->database());
      ASSERT_TRUE((*jobs)->accept(job.id, 0, provider, "c0", 1, "", "", &unfinished).is_ok());
      auto paid = (*reputation)->record(provider, strata::verifier::ReputationStore::Outcome::kAccepted, "", 500, &unfinished);
      ASSERT_TRUE(paid.is_ok());
      EXPECT_EQ(paid->paid, 500u);
    }  // dropped: neither write happened, and the record in memory is as it was
    EXPECT_EQ((*reputation)->get(provider).paid, 0u);
    EXPECT_EQ((*(*jobs)->subtasks(job.id))[0].state, SubtaskState::kAssigned);
    Transition t((*jobs)->database());
    ASSERT_TRUE((*jobs)->accept(job.id, 1, provider, "c1", 1, "", "", &t).is_ok());
    ASSERT_TRUE((*reputation)->record(provider, strata::verifier::ReputationStore::Outcome::kAccepted, "", 700, &t).is_ok());
    ASSERT_TRUE(t.commit("accepting").is_ok());
    // A store of another database cannot join the transition.
    auto other = strata::verifier::ReputationStore::open(dir + "-other");
    ASSERT_TRUE(other.is_ok());
    Transition foreign((*jobs)->database());
    EXPECT_FALSE((*other)->record(provider, strata::verifier::ReputationStore::Outcome::kAccepted, "", 1, &foreign).is_ok());
  }
  auto db = NodeDb::open(dir);
  ASSERT_TRUE(db.is_ok());
  auto jobs = JobStore::open(*db);
  auto reputation = strata::verifier::ReputationStore::open(*db);
  ASSERT_TRUE(jobs.is_ok() && reputation.is_ok());
  auto subtasks = (*jobs)->subtasks(job.id);
  ASSERT_TRUE(subtasks.is_ok());
  EXPECT_EQ((*subtasks)[0].state, SubtaskState::kAssigned);
  EXPECT_EQ((*subtasks)[1].state, SubtaskState::kAccepted);
  EXPECT_EQ((*reputation)->get(provider).paid, 700u);
  EXPECT_EQ((*reputation)->get(provider).receipts, 1u);
}

// A job an earlier version recorded (no family, tiles instead of task bytes) does not stop the
// store: it reads as failed, with the reason, and is never resumed.
TEST(JobStore, JobsOfAnEarlierVersionReadAsFailed) {
  std::string dir = strata::tests::scratch_dir() + "/job-store-legacy";
  {
    auto db = NodeDb::open(dir);
    ASSERT_TRUE(db.is_ok());
    StoreColumn column(*db, NodeDb::kJobs);
    rocksdb::WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(column.Put(sync, "job/old", R"({"id":"old","scene":"ab","state":0,"width":64,"height":48,"spp":8})").ok());
    ASSERT_TRUE(column.Put(sync, "job/done", R"({"id":"done","scene":"ab","state":1,"width":64,"height":48,"spp":8})").ok());
    // A subtask as that version kept it: a tile, no task bytes.
    ASSERT_TRUE(column.Put(sync, std::string("sub/old/\0\0\0\0", 12), R"({"index":0,"x":0,"y":0,"w":16,"h":16,"state":1})").ok());
  }
  auto db = NodeDb::open(dir);
  ASSERT_TRUE(db.is_ok());
  auto jobs = JobStore::open(*db);
  ASSERT_TRUE(jobs.is_ok());
  auto all = (*jobs)->jobs();
  ASSERT_TRUE(all.is_ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 2u);
  const JobRecord& done = (*all)[0].id == "done" ? (*all)[0] : (*all)[1];
  const JobRecord& old = (*all)[0].id == "old" ? (*all)[0] : (*all)[1];
  EXPECT_EQ(done.state, JobState::kDone);
  EXPECT_EQ(old.state, JobState::kFailed);
  EXPECT_NE(old.error.find("earlier version"), std::string::npos) << old.error;
  // Shown without the subtasks it cannot read, rather than as damaged.
  auto old_subtasks = (*jobs)->subtasks("old");
  ASSERT_TRUE(old_subtasks.is_ok()) << old_subtasks.status().to_string();
  EXPECT_TRUE(old_subtasks->empty());
}

// Damage found when the database opens is named, never passed over.
TEST(NodeDb, DamageAtOpenIsNamed) {
  using namespace strata::network;
  std::string dir = strata::tests::scratch_dir() + "/damaged-db";
  {
    auto db = NodeDb::open(dir);
    ASSERT_TRUE(db.is_ok());
    auto jobs = JobStore::open(*db);
    ASSERT_TRUE(jobs.is_ok());
    JobRecord job = demo_job("job-d");
    ASSERT_TRUE((*jobs)->create(job, demo_plan(job)).is_ok());
  }
  // Flip bytes in the middle of the write-ahead log (not a torn tail, which a crash leaves).
  bool damaged = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".log" || entry.file_size() < 200) continue;
    std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(entry.file_size() / 3));
    f.write("\x13\x37\x13\x37\x13\x37\x13\x37", 8);
    damaged = true;
  }
  ASSERT_TRUE(damaged) << "no write-ahead log to damage";
  auto db = NodeDb::open(dir);
  ASSERT_FALSE(db.is_ok()) << "damage passed over in silence";
  EXPECT_NE(db.status().message().find(dir), std::string::npos) << db.status().message();
}

}  // namespace
