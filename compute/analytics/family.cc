#include "compute/analytics/family.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "compute/spec_fields.h"
#include "host/analytics/windowed_query.h"
#include "network/blob_store.h"
#include "verifier/merkle.h"

namespace strata::compute {

using json = nlohmann::json;

json analytics_spec(const analytics::Query& query, const std::string& events) {
  return {{"query", analytics::query_to_json(query)}, {"events", events}};
}

namespace {

// What a result commits to: the RFC 6962 tree (BLAKE2b) over its cells, times and buckets, one
// leaf each, as they travel.
Commitment commitment_of(const AnalyticsResult& r) {
  std::vector<verifier::Digest> leaves;
  auto add_cell = [&](const analytics::PaneCell& c) {
    uint8_t bytes[8 + sizeof(analytics::Cell)];
    std::memcpy(bytes, &c.pane, 4), std::memcpy(bytes + 4, &c.key, 4), std::memcpy(bytes + 8, &c.cell, sizeof(c.cell));
    leaves.push_back(verifier::merkle_leaf_hash(bytes));
  };
  for (const auto& c : r.aggregates.values) add_cell(c);
  for (const auto& c : r.aggregates.times) add_cell(c);
  for (const auto& b : r.aggregates.buckets) {
    const uint64_t words[3] = {(uint64_t(b.pane) << 32) | b.key, uint64_t(uint32_t(b.bucket)), b.count};
    uint8_t bytes[sizeof words];
    std::memcpy(bytes, words, sizeof words);
    leaves.push_back(verifier::merkle_leaf_hash(bytes));
  }
  return {verifier::merkle_root(leaves), static_cast<uint32_t>(leaves.size())};
}

bool same_cells(const std::vector<analytics::PaneCell>& a, const std::vector<analytics::PaneCell>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].pane != b[i].pane || a[i].key != b[i].key || std::memcmp(&a[i].cell, &b[i].cell, sizeof(analytics::Cell)) != 0) {
      return false;
    }
  }
  return true;
}

bool same_buckets(const std::vector<analytics::BucketCount>& a, const std::vector<analytics::BucketCount>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].pane != b[i].pane || a[i].key != b[i].key || a[i].bucket != b[i].bucket || a[i].count != b[i].count) {
      return false;
    }
  }
  return true;
}

bool same_aggregates(const analytics::BatchAggregates& a, const analytics::BatchAggregates& b) {
  return same_cells(a.values, b.values) && same_cells(a.times, b.times) && same_buckets(a.buckets, b.buckets);
}

// The aggregates of the keys in `keys` (sorted) alone, their ids renumbered 0, 1, ... in that order.
analytics::BatchAggregates restricted(const analytics::BatchAggregates& a, const std::vector<uint32_t>& keys) {
  auto index = [&](uint32_t key) -> int64_t {
    auto it = std::lower_bound(keys.begin(), keys.end(), key);
    return it != keys.end() && *it == key ? it - keys.begin() : -1;
  };
  analytics::BatchAggregates out;
  for (auto [from, to] : {std::pair{&a.values, &out.values}, std::pair{&a.times, &out.times}}) {
    for (analytics::PaneCell c : *from) {
      if (int64_t i = index(c.key); i >= 0) c.key = uint32_t(i), to->push_back(c);
    }
  }
  for (analytics::BucketCount b : a.buckets) {
    if (int64_t i = index(b.key); i >= 0) b.key = uint32_t(i), out.buckets.push_back(b);
  }
  return out;
}

class AnalyticsJob final : public FamilyJob {
 public:
  AnalyticsJob(const AnalyticsFamilyOptions& options, JobContext& context, analytics::Query query, std::string events_id,
               std::unique_ptr<analytics::WindowedQuery> run, std::vector<analytics::QueryBatch> batches)
      : options_(options),
        context_(context),
        query_(std::move(query)),
        events_id_(std::move(events_id)),
        run_(std::move(run)),
        batches_(std::move(batches)) {}

  json spec() const override { return analytics_spec(query_, events_id_); }
  std::string kernel() const override { return kAnalyticsKernel; }
  uint64_t min_memory() const override {
    // A batch's columns and a table of its panes and keys, as the kernels size them.
    return 16 * uint64_t(options_.batch_events) + (uint64_t(64) << 20);
  }

  Result<std::vector<PlannedTask>> plan(const std::string& job_id, const std::vector<ProviderSpeed>& providers) override {
    if (providers.empty()) return invalid_argument("a plan needs at least one provider");
    std::vector<PlannedTask> tasks;
    for (uint32_t i = 0; i < batches_.size(); ++i) {
      std::vector<uint8_t> bytes = encode(batches_[i].events);
      auto id = context_.store.put(bytes);
      if (!id.is_ok()) return id.status();
      AnalyticsTask t;
      t.job_id = job_id;
      t.subtask = i;
      t.batch = *id;
      t.batch_bytes = bytes.size();
      t.events = static_cast<uint32_t>(batches_[i].events.size());
      t.needs = analytics::BatchNeeds::of(query_);
      t.batch_index = i;
      tasks.push_back(planned_task(i, encode(t), t.events));
    }
    return tasks;
  }

  Result<PlannedTask> twin(const PlannedTask& task, uint32_t index) override {
    auto t = decode_analytics_task(task.bytes);
    if (!t.is_ok()) return t.status();
    t->subtask = index;
    return planned_task(index, encode(*t), task.work);
  }

  uint64_t max_result_bytes(const PlannedTask& task) const override {
    auto t = decode_analytics_task(task.bytes);
    // At most one cell (and its times) and one bucket per event.
    return t.is_ok() ? uint64_t(t->events) * (2 * 80 + 32) + 8192 : 0;
  }

  Status check(const PlannedTask& task, std::span<const uint8_t> result, const Commitment& announced) override {
    auto t = decode_analytics_task(task.bytes);
    if (!t.is_ok()) return internal_error("a stored task does not decode: " + t.status().message());
    auto r = decode_analytics_result(result);
    if (!r.is_ok()) return r.status();
    if (r->job_id != t->job_id || r->subtask != t->subtask) {
      return invalid_argument("the result does not match the task it was announced for");
    }
    const analytics::QueryBatch* batch = batch_of(*t);
    if (!batch) return internal_error("a task names a batch the job does not have");
    STRATA_RETURN_IF_ERROR(analytics::check_aggregates(batch->events, t->needs, r->aggregates));
    Commitment own = commitment_of(*r);
    if (own.merkle_root != announced.merkle_root || own.chunks != announced.chunks) {
      return invalid_argument("the result does not match the Merkle root its provider announced");
    }
    return Status::ok();
  }

  Result<verifier::Verdict> verify(Device& device, const PlannedTask& task, std::span<const uint8_t> result,
                                   uint64_t seed) override {
    auto t = decode_analytics_task(task.bytes);
    if (!t.is_ok()) return t.status();
    auto r = decode_analytics_result(result);
    if (!r.is_ok()) return verifier::Verdict{false, r.status().message(), 0};
    const analytics::QueryBatch* batch = batch_of(*t);
    if (!batch) return verifier::Verdict{false, "the result is for a batch the job does not have", 0};
    const analytics::EventBatch& events = batch->events;
    // Random keys, as many as the catch rate needs, recomputed from their events alone.
    const uint64_t count = std::min<uint64_t>(verifier::samples_to_check(options_.catch_target, events.key_count),
                                              events.key_count);
    std::vector<uint32_t> keys(events.key_count);
    for (uint32_t k = 0; k < events.key_count; ++k) keys[k] = k;
    std::mt19937_64 rng(seed);
    for (uint64_t i = 0; i < count; ++i) std::swap(keys[i], keys[i + rng() % (keys.size() - i)]);
    keys.resize(count);
    std::sort(keys.begin(), keys.end());
    analytics::EventBatch sample;
    sample.base_ms = events.base_ms, sample.pane_ms = events.pane_ms, sample.key_count = static_cast<uint32_t>(count);
    for (size_t i = 0; i < events.size(); ++i) {
      auto it = std::lower_bound(keys.begin(), keys.end(), events.keys[i]);
      if (it == keys.end() || *it != events.keys[i]) continue;
      sample.offsets.push_back(events.offsets[i]);
      sample.keys.push_back(static_cast<uint32_t>(it - keys.begin()));
      sample.values.push_back(events.values[i]);
    }
    auto expected = analytics::aggregate_query_batch(device, sample, t->needs);
    if (!expected.is_ok()) return expected.status();
    if (!same_aggregates(*expected, restricted(r->aggregates, keys))) {
      return verifier::Verdict{false, "the aggregates of a recomputed key differ from the result's", sample.size()};
    }
    return verifier::Verdict{true, "", sample.size()};
  }

  bool same(std::span<const uint8_t> a, std::span<const uint8_t> b) const override {
    auto ra = decode_analytics_result(a);
    auto rb = decode_analytics_result(b);
    return ra.is_ok() && rb.is_ok() && same_aggregates(ra->aggregates, rb->aggregates);
  }

  Status accumulate(const PlannedTask& task, std::span<const uint8_t> result) override {
    auto t = decode_analytics_task(task.bytes);
    if (!t.is_ok()) return t.status();
    auto r = decode_analytics_result(result);
    if (!r.is_ok()) return r.status();
    const analytics::QueryBatch* batch = batch_of(*t);
    if (!batch) return internal_error("an accepted result names a batch the job does not have");
    return run_->merge(*batch, r->aggregates);
  }

  Result<json> finish(const std::string& job_id, Device&) override {
    STRATA_RETURN_IF_ERROR(run_->finish());
    std::error_code ec;
    std::filesystem::create_directories(context_.output_dir, ec);
    const std::string path = context_.output_dir + "/" + job_id + ".jsonl", tmp = path + ".part";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return unavailable("cannot write " + tmp);
    for (const json& m : run_->take_output()) out << m.dump() << "\n";
    out.close();
    if (!out) return unavailable("cannot write " + tmp);
    std::filesystem::rename(tmp, path, ec);
    if (ec) return unavailable("cannot write " + path + ": " + ec.message());
    json summary = run_->totals().to_json();
    summary["output"] = path;
    return summary;
  }

  json describe(const PlannedTask& task) const override {
    auto t = decode_analytics_task(task.bytes);
    if (!t.is_ok()) return {{"event", "batch"}};
    return {{"event", "batch"}, {"events", t->events}};
  }

 private:
  const analytics::QueryBatch* batch_of(const AnalyticsTask& t) const {
    if (t.batch_index >= batches_.size() || batches_[t.batch_index].events.size() != t.events) return nullptr;
    return &batches_[t.batch_index];
  }

  const AnalyticsFamilyOptions& options_;
  JobContext& context_;
  analytics::Query query_;
  std::string events_id_;
  std::unique_ptr<analytics::WindowedQuery> run_;
  std::vector<analytics::QueryBatch> batches_;
};

// Events for self-tests and speed: `n` over 10 panes of 1 s and `keys` keys, values at the extremes too.
analytics::EventBatch sample_batch(size_t n, uint32_t keys) {
  analytics::EventBatch b;
  b.pane_ms = 1000, b.base_ms = 1700000000000, b.key_count = keys;
  std::mt19937_64 rng(42);
  for (size_t i = 0; i < n; ++i) {
    b.offsets.push_back(static_cast<uint32_t>(rng() % 10000));
    b.keys.push_back(static_cast<uint32_t>(rng() % keys));
    b.values.push_back(i % 101 == 0 ? INT64_MIN + int64_t(i % 3) : int64_t(rng()) >> (rng() % 64));
  }
  return b;
}

class AnalyticsFamily;

class AnalyticsRunner final : public TaskRunner {
 public:
  AnalyticsRunner(AnalyticsFamily& family, ProviderContext& context) : family_(family), context_(context) {}
  Result<TaskOutput> run(std::span<Device* const> devices, const compute::TaskProposal& proposal,
                         const network::NodeId& requestor) override;

 private:
  AnalyticsFamily& family_;
  ProviderContext& context_;
};

class AnalyticsFamily final : public Family {
 public:
  explicit AnalyticsFamily(AnalyticsFamilyOptions options) : options_(std::move(options)) {}

  std::string name() const override { return "analytics"; }

  Result<std::unique_ptr<FamilyJob>> open(const json& spec, JobContext& context) override {
    if (!spec.is_object() || !spec.contains("query")) return invalid_argument("an analytics spec needs its \"query\"");
    auto query = analytics::query_from_json(spec["query"]);
    if (!query.is_ok()) return query.status();
    auto events = spec_string(spec, "events", "the events' blob id");
    if (!events.is_ok()) return events.status();
    auto id = network::parse_blob_id(*events);
    if (!id.is_ok()) return invalid_argument("events: " + id.status().message());
    if (!context.store.has(*id)) return not_found("events " + *events + " are not in this node's blob store (upload them first)");
    auto bytes = context.store.get(*id);
    if (!bytes.is_ok()) return bytes.status();
    if (bytes->size() > options_.max_events_bytes) {
      return invalid_argument("events: " + std::to_string(bytes->size()) + " bytes; a job reads at most " +
                              std::to_string(options_.max_events_bytes));
    }
    // The events in order, classified and cut into batches now: what a window holds is fixed by them.
    auto run = std::make_unique<analytics::WindowedQuery>(*query, nullptr,
                                                          analytics::QueryOptions{options_.batch_events, {}});
    const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    for (size_t begin = 0; begin < text.size();) {
      size_t end = text.find('\n', begin);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(begin, end - begin);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) STRATA_RETURN_IF_ERROR(run->add_text(line));
      begin = end + 1;
    }
    STRATA_RETURN_IF_ERROR(run->flush());
    std::vector<analytics::QueryBatch> batches = run->take_batches();
    if (batches.empty()) {
      return invalid_argument("events: none of the " + std::to_string(run->totals().events) +
                              " lines is an event to aggregate (" + run->totals().to_json().dump() + ")");
    }
    return std::unique_ptr<FamilyJob>(
        new AnalyticsJob(options_, context, *query, *events, std::move(run), std::move(batches)));
  }

  std::vector<std::string> kernels() const override { return {kAnalyticsKernel}; }

  Status check_task(const compute::TaskProposal& p) const override {
    auto task = decode_analytics_task(p.task_bytes);
    if (!task.is_ok()) return task.status();
    if (task->job_id != p.job_id()) return invalid_argument("the agreement and the task name different jobs");
    if (task->subtask != p.subtask()) return invalid_argument("the agreement must name exactly the task's subtask");
    if (p.demand.kernel != kAnalyticsKernel) {
      return invalid_argument(std::string("the task needs the kernel ") + kAnalyticsKernel + ", not the demand's " +
                              p.demand.kernel);
    }
    return Status::ok();
  }

  // The device's cells of a sample batch, with every need, equal to the host's own sums.
  Status self_test(Device& device) override {
    const analytics::EventBatch batch = sample_batch(20000, 37);
    auto got = analytics::aggregate_query_batch(device, batch, {true, true, true});
    if (!got.is_ok()) return got.status();
    std::map<std::pair<uint32_t, uint32_t>, analytics::Cell> expected;
    for (size_t i = 0; i < batch.size(); ++i) {
      auto [it, fresh] = expected.try_emplace({batch.offsets[i] / batch.pane_ms, batch.keys[i]}, analytics::empty_cell());
      analytics::add_value(it->second, batch.values[i]);
    }
    bool same = got->values.size() == expected.size();
    auto it = expected.begin();
    for (size_t i = 0; same && i < got->values.size(); ++i, ++it) {
      const analytics::PaneCell& c = got->values[i];
      same = c.pane == it->first.first && c.key == it->first.second &&
             std::memcmp(&c.cell, &it->second, sizeof(analytics::Cell)) == 0;
    }
    if (!same) return device_error("analytics self-test: " + device.info().id() + "'s cells differ from the host's");
    return Status::ok();
  }

  Result<double> speed(Device& device, const std::string& kernel) override {
    if (kernel != kAnalyticsKernel) return invalid_argument("no analytics kernel " + kernel);
    return analytics::kernel_events_per_second(device, sample_batch(size_t(1) << 20, 1000), 0.25, {false, 0});
  }

  std::unique_ptr<TaskRunner> runner(ProviderContext& context) override {
    return std::make_unique<AnalyticsRunner>(*this, context);
  }

  const AnalyticsFamilyOptions& options() const { return options_; }

 private:
  AnalyticsFamilyOptions options_;
};

Result<TaskOutput> AnalyticsRunner::run(std::span<Device* const> devices, const compute::TaskProposal& proposal,
                                        const network::NodeId& requestor) {
  auto task = decode_analytics_task(proposal.task_bytes);
  if (!task.is_ok()) return task.status();
  auto bytes = context_.blobs.fetch(requestor, task->batch, std::chrono::seconds(30), task->batch_bytes);
  if (!bytes.is_ok()) return bytes.status();
  auto batch = decode_analytics_batch(*bytes);
  if (!batch.is_ok()) return batch.status();
  // The work paid for is the task's, under the agreement: it must be the batch's.
  if (batch->size() != task->events) {
    return invalid_argument("the batch holds " + std::to_string(batch->size()) + " events, not the task's " +
                            std::to_string(task->events));
  }
  auto aggregates = analytics::aggregate_query_batch(*devices[0], *batch, task->needs);
  if (!aggregates.is_ok()) return aggregates.status();
  AnalyticsResult result;
  result.job_id = task->job_id;
  result.subtask = task->subtask;
  result.aggregates = std::move(*aggregates);
  if (family_.options().alter_result) family_.options().alter_result(*task, result);
  TaskOutput out;
  out.commitment = commitment_of(result);
  out.bytes = encode(result);
  return out;
}

}  // namespace

std::shared_ptr<Family> make_analytics_family(AnalyticsFamilyOptions options) {
  return std::make_shared<AnalyticsFamily>(std::move(options));
}

}  // namespace strata::compute
