#include "compute/analytics/messages.h"

#include "network/verified.h"
#include "schema/analytics_generated.h"

namespace strata::compute {
namespace {

using network::read_job_id;

std::vector<uint8_t> finished(flatbuffers::FlatBufferBuilder& b) {
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

uint32_t needs_bits(const analytics::BatchNeeds& n) {
  return (n.squares ? 1u : 0u) | (n.times ? 2u : 0u) | (n.sketch ? 4u : 0u);
}

wire::AnalyticsCell cell_of(const analytics::PaneCell& c) {
  return {c.pane,        c.key,         c.cell.count,      c.cell.sum_lo,     c.cell.sum_hi,
          c.cell.min,    c.cell.max,    c.cell.squares[0], c.cell.squares[1], c.cell.squares[2]};
}

analytics::PaneCell pane_cell_of(const wire::AnalyticsCell& w) {
  analytics::PaneCell c;
  c.pane = w.pane(), c.key = w.key();
  c.cell.count = w.count(), c.cell.sum_lo = w.sum_lo(), c.cell.sum_hi = w.sum_hi();
  c.cell.min = w.min(), c.cell.max = w.max();
  c.cell.squares[0] = w.squares0(), c.cell.squares[1] = w.squares1(), c.cell.squares[2] = w.squares2();
  return c;
}

std::vector<analytics::PaneCell> cells_of(const flatbuffers::Vector<const wire::AnalyticsCell*>* v) {
  std::vector<analytics::PaneCell> out;
  if (!v) return out;
  out.reserve(v->size());
  for (const wire::AnalyticsCell* c : *v) out.push_back(pane_cell_of(*c));
  return out;
}

}  // namespace

std::vector<uint8_t> encode(const analytics::EventBatch& batch) {
  flatbuffers::FlatBufferBuilder b(1024 + 16 * batch.size());
  auto offsets = b.CreateVector(batch.offsets);
  auto keys = b.CreateVector(batch.keys);
  auto values = b.CreateVector(batch.values);
  b.Finish(wire::CreateAnalyticsBatch(b, batch.base_ms, batch.pane_ms, batch.key_count, offsets, keys, values));
  return finished(b);
}

Result<analytics::EventBatch> decode_analytics_batch(std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxAnalyticsBatchBytes) return invalid_argument("analytics batch: over 1 GiB");
  const wire::AnalyticsBatch* w = network::verified_root<wire::AnalyticsBatch>(bytes, 4, 4);
  if (!w) return invalid_argument("analytics batch: malformed (FlatBuffers verification failed)");
  analytics::EventBatch batch;
  batch.base_ms = w->base_ms();
  batch.pane_ms = w->pane_ms();
  batch.key_count = w->key_count();
  if (w->offsets()) batch.offsets.assign(w->offsets()->begin(), w->offsets()->end());
  if (w->keys()) batch.keys.assign(w->keys()->begin(), w->keys()->end());
  if (w->values()) batch.values.assign(w->values()->begin(), w->values()->end());
  STRATA_RETURN_IF_ERROR(analytics::check_batch(batch));
  return batch;
}

std::vector<uint8_t> encode(const AnalyticsTask& t) {
  flatbuffers::FlatBufferBuilder b(256);
  auto job = b.CreateString(t.job_id);
  auto batch = b.CreateVector(t.batch.data(), t.batch.size());
  b.Finish(wire::CreateAnalyticsTask(b, job, t.subtask, batch, t.batch_bytes, t.events, needs_bits(t.needs), t.batch_index));
  return finished(b);
}

Result<AnalyticsTask> decode_analytics_task(std::span<const uint8_t> bytes) {
  const wire::AnalyticsTask* w = network::verified_root<wire::AnalyticsTask>(bytes, 4, 4);
  if (!w) return invalid_argument("analytics task: malformed (FlatBuffers verification failed)");
  AnalyticsTask t;
  auto job = read_job_id(w->job_id(), "analytics task: the job id");
  if (!job.is_ok()) return job.status();
  t.job_id = *job;
  t.subtask = w->subtask();
  if (!network::copy_fixed(w->batch(), t.batch)) return invalid_argument("analytics task: the batch id must be 32 bytes");
  t.batch_bytes = w->batch_bytes();
  t.events = w->events();
  if (w->needs() > 7) return invalid_argument("analytics task: unknown needs " + std::to_string(w->needs()));
  t.needs = {(w->needs() & 1) != 0, (w->needs() & 2) != 0, (w->needs() & 4) != 0};
  t.batch_index = w->batch_index();
  if (t.batch_bytes == 0 || t.batch_bytes > kMaxAnalyticsBatchBytes) {
    return invalid_argument("analytics task: the batch is empty or over 1 GiB");
  }
  if (t.events == 0 || t.events > analytics::kMaxBatchEvents) {
    return invalid_argument("analytics task: 1 to " + std::to_string(analytics::kMaxBatchEvents) + " events");
  }
  return t;
}

std::vector<uint8_t> encode(const AnalyticsResult& r) {
  const analytics::BatchAggregates& a = r.aggregates;
  flatbuffers::FlatBufferBuilder b(256 + 72 * (a.values.size() + a.times.size()) + 24 * a.buckets.size());
  auto job = b.CreateString(r.job_id);
  std::vector<wire::AnalyticsCell> values, times;
  for (const auto& c : a.values) values.push_back(cell_of(c));
  for (const auto& c : a.times) times.push_back(cell_of(c));
  std::vector<wire::AnalyticsBucket> buckets;
  for (const auto& k : a.buckets) buckets.emplace_back(k.pane, k.key, k.bucket, 0u, k.count);
  auto v = b.CreateVectorOfStructs(values);
  auto t = b.CreateVectorOfStructs(times);
  auto k = b.CreateVectorOfStructs(buckets);
  b.Finish(wire::CreateAnalyticsResult(b, job, r.subtask, v, t, k));
  return finished(b);
}

Result<AnalyticsResult> decode_analytics_result(std::span<const uint8_t> bytes) {
  const wire::AnalyticsResult* w = network::verified_root<wire::AnalyticsResult>(bytes, 4, 4);
  if (!w) return invalid_argument("analytics result: malformed (FlatBuffers verification failed)");
  AnalyticsResult r;
  auto job = read_job_id(w->job_id(), "analytics result: the job id");
  if (!job.is_ok()) return job.status();
  r.job_id = *job;
  r.subtask = w->subtask();
  r.aggregates.values = cells_of(w->values());
  r.aggregates.times = cells_of(w->times());
  if (w->buckets()) {
    for (const wire::AnalyticsBucket* k : *w->buckets()) r.aggregates.buckets.push_back({k->pane(), k->key(), k->bucket(), k->count()});
  }
  return r;
}

}  // namespace strata::compute
