#include "compute/job_store.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "host/text_codec.h"
#include "network/blob_store.h"
#include "network/node_db.h"
#include "network/rocks.h"
#include "network/verified.h"

namespace strata::compute {
namespace {

using network::blob_id_of;
using network::StoreColumn;
using network::to_hex;

using json = nlohmann::json;

// Keys: "job/" + id holds the job; "sub/" + id + "/" + index (4 bytes, big-endian) holds a
// subtask, so a job's subtasks are one ordered run.
std::string job_key(const std::string& id) { return "job/" + id; }
std::string sub_prefix(const std::string& id) { return "sub/" + id + "/"; }
std::string sub_key(const std::string& id, uint32_t index) {
  std::string key = sub_prefix(id);
  for (int i = 3; i >= 0; --i) key.push_back(static_cast<char>((index >> (8 * i)) & 0xff));
  return key;
}

Status check(const rocksdb::Status& s, const std::string& what) { return network::rocks_status(s, "job store", what); }

json to_json(const JobRecord& j) {
  return {{"id", j.id},
          {"family", j.family},
          {"spec", j.spec},
          {"kernel", j.kernel},
          {"state", static_cast<int>(j.state)},
          {"max_price", j.max_price},
          {"min_memory", j.min_memory},
          {"redundancy_fraction", j.redundancy},
          {"created_at", j.created_at},
          {"error", j.error},
          {"verified_work", j.verified_work},
          {"rejected", j.rejected},
          {"originals", j.originals},
          {"twin_of", j.twin_of},
          {"resolved", j.resolved},
          {"output", j.output}};
}

// A job an earlier version recorded, before job families: its record names no family, and its
// subtasks carry tiles rather than task bytes. It cannot be resumed; it is shown as failed.
JobRecord legacy_job(const json& v) {
  JobRecord j;
  j.id = v.at("id");
  j.family = "render";
  j.spec = "{}";
  j.kernel = "render/pathtrace-v1";
  j.state = static_cast<JobState>(v.value("state", 0));
  if (j.state == JobState::kRunning) {
    j.state = JobState::kFailed;
    j.error = "recorded by an earlier version of strata, whose job records this one cannot resume; submit it again";
  }
  j.created_at = v.value("created_at", uint64_t(0));
  return j;
}

JobRecord job_from_json(const json& v) {
  if (!v.contains("family")) return legacy_job(v);
  JobRecord j;
  j.id = v.at("id");
  j.family = v.at("family");
  j.spec = v.at("spec");
  j.kernel = v.at("kernel");
  j.state = static_cast<JobState>(v.at("state").get<int>());
  j.max_price = v.at("max_price");
  j.min_memory = v.at("min_memory");
  j.redundancy = v.at("redundancy_fraction");
  j.originals = v.at("originals");
  j.twin_of = v.at("twin_of").get<std::map<uint32_t, uint32_t>>();
  j.resolved = v.at("resolved").get<std::set<uint32_t>>();
  j.created_at = v.at("created_at");
  j.error = v.at("error");
  j.verified_work = v.at("verified_work");
  j.rejected = v.at("rejected");
  j.output = v.at("output");
  return j;
}

json to_json(const SubtaskRecord& r) {
  return {{"index", r.task.index},     {"task", to_hex(r.task.bytes)},   {"work", r.task.work},
          {"state", static_cast<int>(r.state)}, {"provider", to_hex(r.provider)}, {"deadline", r.deadline},
          {"commitment", r.commitment}, {"attempts", r.attempts},         {"price", r.price},
          {"agreement_hash", r.agreement_hash}, {"provider_key", r.provider_key}};
}

SubtaskRecord subtask_from_json(const json& v) {
  SubtaskRecord r;
  auto bytes = from_hex(v.at("task").get<std::string>());
  if (!bytes.is_ok()) throw std::runtime_error("its task is not hex");
  r.task = planned_task(v.at("index"), std::move(*bytes), v.at("work"));
  r.state = static_cast<SubtaskState>(v.at("state").get<int>());
  auto provider = from_hex(v.at("provider").get<std::string>());
  if (!provider.is_ok() || provider->size() != r.provider.size()) throw std::runtime_error("its provider is not a node id");
  std::copy(provider->begin(), provider->end(), r.provider.begin());
  r.deadline = v.at("deadline");
  r.commitment = v.at("commitment");
  r.attempts = v.at("attempts");
  r.price = v.at("price");
  r.agreement_hash = v.at("agreement_hash");
  r.provider_key = v.at("provider_key");
  return r;
}

}  // namespace

PlannedTask planned_task(uint32_t index, std::vector<uint8_t> bytes, uint64_t work) {
  PlannedTask t;
  t.index = index;
  t.hash = blob_id_of(bytes);
  t.bytes = std::move(bytes);
  t.work = work;
  return t;
}

const char* to_string(SubtaskState s) {
  switch (s) {
    case SubtaskState::kPending: return "pending";
    case SubtaskState::kAssigned: return "assigned";
    case SubtaskState::kAccepted: return "accepted";
  }
  return "unknown";
}

const char* to_string(JobState s) {
  switch (s) {
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kCancelled: return "cancelled";
    case JobState::kFailed: return "failed";
  }
  return "unknown";
}

struct JobStore::Impl {
  StoreColumn db;
  std::mutex mutex;  // read-modify-write of one subtask at a time

  Result<json> read(const std::string& key, const std::string& what) {
    std::string value;
    rocksdb::Status s = db.Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return not_found(what + " does not exist");
    STRATA_RETURN_IF_ERROR(check(s, "reading"));
    json parsed = json::parse(value, nullptr, false);
    if (parsed.is_discarded()) return internal_error("job store: the record of " + what + " is damaged");
    return parsed;
  }
  Status write(const std::string& key, const json& value) {
    rocksdb::WriteOptions options;
    options.sync = true;
    return check(db.Put(options, key, value.dump()), "writing");
  }
  // The store's lock for one read-modify-write: taken into `lock`, or held by `transition` until
  // it commits, so that no other write comes between what it read and what it writes.
  Status lock_for(Transition* transition, std::unique_lock<std::mutex>& lock) {
    if (!transition) {
      lock = std::unique_lock<std::mutex>(mutex);
      return Status::ok();
    }
    if (transition->node_db() != db.node_db()) return internal_error("job store: a transition of another database");
    transition->hold(mutex);
    return Status::ok();
  }
  Result<SubtaskRecord> subtask(const std::string& job_id, uint32_t index) {
    auto v = read(sub_key(job_id, index), "subtask " + std::to_string(index) + " of job '" + job_id + "'");
    if (!v.is_ok()) return v.status();
    try {
      return subtask_from_json(*v);
    } catch (const std::exception& e) {
      return internal_error("job store: subtask " + std::to_string(index) + " of job '" + job_id + "' is damaged: " + e.what());
    }
  }
};

JobStore::JobStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JobStore::~JobStore() = default;

Result<std::unique_ptr<JobStore>> JobStore::open(const std::string& dir) {
  auto db = NodeDb::open(dir);
  if (!db.is_ok()) return db.status();
  return open(std::move(*db));
}

Result<std::unique_ptr<JobStore>> JobStore::open(std::shared_ptr<NodeDb> db) {
  auto impl = std::make_unique<Impl>();
  impl->db = StoreColumn(std::move(db), NodeDb::kJobs);
  return std::unique_ptr<JobStore>(new JobStore(std::move(impl)));
}

Status JobStore::create(const JobRecord& job, const std::vector<PlannedTask>& plan) {
  if (job.id.empty() || job.id.size() > network::kMaxJobIdBytes || job.id.find('/') != std::string::npos) {
    return invalid_argument("a job id is 1 to " + std::to_string(network::kMaxJobIdBytes) + " bytes without '/'");
  }
  if (plan.empty()) return invalid_argument("job '" + job.id + "' has no subtasks");
  std::lock_guard lock(impl_->mutex);
  if (impl_->read(job_key(job.id), "job").is_ok()) return invalid_argument("job '" + job.id + "' already exists");
  rocksdb::WriteBatch batch;  // the job and all its subtasks, or none of them
  for (const PlannedTask& t : plan) {
    SubtaskRecord r;
    r.task = t;
    batch.Put(impl_->db.family(), sub_key(job.id, t.index), to_json(r).dump());
  }
  batch.Put(impl_->db.family(), job_key(job.id), to_json(job).dump());
  rocksdb::WriteOptions options;
  options.sync = true;
  return check(impl_->db.Write(options, &batch), "writing job '" + job.id + "'");
}

Result<JobRecord> JobStore::job(const std::string& id) {
  auto v = impl_->read(job_key(id), "job '" + id + "'");
  if (!v.is_ok()) return v.status();
  try {
    return job_from_json(*v);
  } catch (const std::exception& e) {
    return internal_error("job store: job '" + id + "' is damaged: " + e.what());
  }
}

Result<std::vector<JobRecord>> JobStore::jobs() {
  std::vector<JobRecord> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db.NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("job/"); it->Valid() && it->key().starts_with("job/"); it->Next()) {
    auto j = job(it->key().ToString().substr(4));
    if (!j.is_ok()) return j.status();
    out.push_back(*j);
  }
  STRATA_RETURN_IF_ERROR(check(it->status(), "listing jobs"));
  return out;
}

Result<std::vector<SubtaskRecord>> JobStore::subtasks(const std::string& job_id) {
  auto j = impl_->read(job_key(job_id), "job '" + job_id + "'");
  if (!j.is_ok()) return j.status();
  std::vector<SubtaskRecord> out;
  // An earlier version's subtasks hold tiles this one cannot read; its job is shown without them.
  if (!j->is_object()) return internal_error("job store: job '" + job_id + "' is damaged");
  if (!j->contains("family")) return out;
  std::string prefix = sub_prefix(job_id);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db.NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    json v = json::parse(it->value().ToString(), nullptr, false);
    if (v.is_discarded()) return internal_error("job store: a subtask of job '" + job_id + "' is damaged");
    try {
      out.push_back(subtask_from_json(v));
    } catch (const std::exception& e) {
      return internal_error("job store: a subtask of job '" + job_id + "' is damaged: " + e.what());
    }
  }
  STRATA_RETURN_IF_ERROR(check(it->status(), "listing subtasks"));
  return out;
}

Status JobStore::assign(const std::string& job_id, uint32_t index, const NodeId& provider, uint64_t deadline) {
  std::lock_guard lock(impl_->mutex);
  auto r = impl_->subtask(job_id, index);
  if (!r.is_ok()) return r.status();
  if (r->state != SubtaskState::kPending) {
    return invalid_argument("subtask " + std::to_string(index) + " of job '" + job_id + "' is " + to_string(r->state) +
                            ", not pending");
  }
  r->state = SubtaskState::kAssigned;
  r->provider = provider;
  r->deadline = deadline;
  ++r->attempts;
  return impl_->write(sub_key(job_id, index), to_json(*r));
}

const std::shared_ptr<NodeDb>& JobStore::database() const { return impl_->db.node_db(); }

Status JobStore::accept(const std::string& job_id, uint32_t index, const NodeId& provider, const std::string& commitment,
                        uint64_t price, const std::string& agreement_hash, const std::string& provider_key,
                        Transition* transition) {
  std::unique_lock<std::mutex> lock;
  STRATA_RETURN_IF_ERROR(impl_->lock_for(transition, lock));
  auto r = impl_->subtask(job_id, index);
  if (!r.is_ok()) return r.status();
  std::string which = "subtask " + std::to_string(index) + " of job '" + job_id + "'";
  if (r->state == SubtaskState::kAccepted) return invalid_argument(which + " was already accepted; a result counts once");
  if (r->state != SubtaskState::kAssigned || r->provider != provider) {
    return invalid_argument(which + " is not assigned to " + to_hex(provider).substr(0, 16));
  }
  r->state = SubtaskState::kAccepted;
  r->commitment = commitment;
  r->deadline = 0;
  r->price = price;
  r->agreement_hash = agreement_hash;
  r->provider_key = provider_key;
  if (transition) {
    transition->batch().Put(impl_->db.family(), sub_key(job_id, index), to_json(*r).dump());
    return Status::ok();
  }
  return impl_->write(sub_key(job_id, index), to_json(*r));
}

Status JobStore::release(const std::string& job_id, uint32_t index) {
  std::lock_guard lock(impl_->mutex);
  auto r = impl_->subtask(job_id, index);
  if (!r.is_ok()) return r.status();
  if (r->state == SubtaskState::kAccepted) {
    return invalid_argument("subtask " + std::to_string(index) + " of job '" + job_id + "' was accepted; it stays");
  }
  r->state = SubtaskState::kPending;
  r->provider = {};
  r->deadline = 0;
  return impl_->write(sub_key(job_id, index), to_json(*r));
}

Result<std::vector<uint32_t>> JobStore::release_overdue(const std::string& job_id, uint64_t now_ms) {
  auto all = subtasks(job_id);
  if (!all.is_ok()) return all.status();
  std::vector<uint32_t> released;
  for (const SubtaskRecord& seen : *all) {
    if (seen.state != SubtaskState::kAssigned || seen.deadline >= now_ms) continue;
    std::lock_guard lock(impl_->mutex);  // looked at again: it may have been accepted meanwhile
    auto r = impl_->subtask(job_id, seen.task.index);
    if (!r.is_ok()) return r.status();
    if (r->state != SubtaskState::kAssigned || r->deadline >= now_ms) continue;
    r->state = SubtaskState::kPending;
    r->provider = {};
    r->deadline = 0;
    STRATA_RETURN_IF_ERROR(impl_->write(sub_key(job_id, seen.task.index), to_json(*r)));
    released.push_back(seen.task.index);
  }
  return released;
}

Status JobStore::set_state(const std::string& job_id, JobState state, const std::string& error,
                           const std::string& output) {
  std::lock_guard lock(impl_->mutex);
  auto j = job(job_id);
  if (!j.is_ok()) return j.status();
  if (j->state == state) return Status::ok();
  if (j->state != JobState::kRunning) {
    return invalid_argument("job " + job_id + " is already " + to_string(j->state));
  }
  j->state = state;
  j->error = error;
  j->output = output;
  return impl_->write(job_key(job_id), to_json(*j));
}

Status JobStore::add_verification(const std::string& job_id, uint64_t work, uint32_t rejected) {
  std::lock_guard lock(impl_->mutex);
  auto j = job(job_id);
  if (!j.is_ok()) return j.status();
  j->verified_work += work;
  j->rejected += rejected;
  return impl_->write(job_key(job_id), to_json(*j));
}

Status JobStore::add_twins(const std::string& job_id, const std::vector<PlannedTask>& twins,
                           const std::vector<uint32_t>& originals) {
  std::lock_guard lock(impl_->mutex);
  auto j = job(job_id);
  if (!j.is_ok()) return j.status();
  if (twins.size() != originals.size()) return invalid_argument("every twin needs its original");
  rocksdb::WriteBatch batch;  // the twins and the record naming them, or neither
  for (size_t i = 0; i < twins.size(); ++i) {
    if (impl_->read(sub_key(job_id, twins[i].index), "subtask").is_ok()) {
      return invalid_argument("subtask " + std::to_string(twins[i].index) + " of job '" + job_id + "' already exists");
    }
    SubtaskRecord r;
    r.task = twins[i];
    batch.Put(impl_->db.family(), sub_key(job_id, twins[i].index), to_json(r).dump());
    j->twin_of[twins[i].index] = originals[i];
  }
  batch.Put(impl_->db.family(), job_key(job_id), to_json(*j).dump());
  rocksdb::WriteOptions options;
  options.sync = true;
  return check(impl_->db.Write(options, &batch), "writing twins of job '" + job_id + "'");
}

Status JobStore::resolve(const std::string& job_id, uint32_t original, const std::string& commitment, uint32_t rejected,
                         Transition* transition) {
  std::unique_lock<std::mutex> lock;
  STRATA_RETURN_IF_ERROR(impl_->lock_for(transition, lock));
  auto j = job(job_id);
  if (!j.is_ok()) return j.status();
  rocksdb::WriteBatch own;
  rocksdb::WriteBatch& batch = transition ? transition->batch() : own;
  if (!commitment.empty()) {
    auto r = impl_->subtask(job_id, original);
    if (!r.is_ok()) return r.status();
    if (r->state != SubtaskState::kAccepted) return invalid_argument("only an accepted result can be replaced by its twins'");
    r->commitment = commitment;
    batch.Put(impl_->db.family(), sub_key(job_id, original), to_json(*r).dump());
  }
  j->resolved.insert(original);
  j->rejected += rejected;
  batch.Put(impl_->db.family(), job_key(job_id), to_json(*j).dump());
  if (transition) return Status::ok();
  rocksdb::WriteOptions options;
  options.sync = true;
  return check(impl_->db.Write(options, &batch), "resolving subtask " + std::to_string(original) + " of job '" + job_id + "'");
}

}  // namespace strata::compute
