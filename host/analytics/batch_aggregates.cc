#include "host/analytics/batch_aggregates.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "host/analytics/sketch.h"

namespace strata::analytics {
namespace {

// Each (key, bucket) pair of the batch a key id of its own, so that the device counts the values
// of each bucket: the cells' counts are the sketch's.
Result<std::vector<BucketCount>> count_buckets(Device& device, const EventBatch& batch, size_t table_bytes) {
  EventBatch pairs_batch;
  pairs_batch.base_ms = batch.base_ms, pairs_batch.pane_ms = batch.pane_ms, pairs_batch.offsets = batch.offsets;
  pairs_batch.values.assign(batch.size(), 0);
  pairs_batch.keys.reserve(batch.size());
  std::unordered_map<uint64_t, uint32_t> ids;
  std::vector<std::pair<uint32_t, int32_t>> pairs;  // by pair id: (key id, bucket)
  for (size_t i = 0; i < batch.size(); ++i) {
    const int32_t bucket = sketch_bucket(batch.values[i]);
    auto [it, fresh] = ids.try_emplace((uint64_t(batch.keys[i]) << 32) | uint32_t(bucket), uint32_t(pairs.size()));
    if (fresh) pairs.push_back({batch.keys[i], bucket});
    pairs_batch.keys.push_back(it->second);
  }
  pairs_batch.key_count = static_cast<uint32_t>(pairs.size());
  auto cells = aggregate_batch(device, pairs_batch, {false, table_bytes});
  if (!cells.is_ok()) return cells.status();
  std::vector<BucketCount> out;
  out.reserve(cells->size());
  for (const PaneCell& c : *cells) out.push_back({c.pane, pairs[c.key].first, pairs[c.key].second, c.cell.count});
  std::sort(out.begin(), out.end(), [](const BucketCount& a, const BucketCount& b) {
    return std::tie(a.pane, a.key, a.bucket) < std::tie(b.pane, b.key, b.bucket);
  });
  return out;
}

}  // namespace

BatchNeeds BatchNeeds::of(const Query& query) {
  return {query.aggregates.needs_squares(), query.window.sessions(), query.aggregates.needs_sketch()};
}

Result<BatchAggregates> aggregate_query_batch(Device& device, const EventBatch& batch, const BatchNeeds& needs,
                                              size_t table_bytes) {
  BatchAggregates out;
  auto values = aggregate_batch(device, batch, {needs.squares, table_bytes});
  if (!values.is_ok()) return values.status();
  out.values = std::move(*values);
  if (needs.times) {
    // The same events with their times as values: each cell's min and max are its first and last.
    EventBatch times = batch;
    for (size_t i = 0; i < batch.size(); ++i) times.values[i] = batch.base_ms + int64_t(batch.offsets[i]);
    auto cells = aggregate_batch(device, times, {false, table_bytes});
    if (!cells.is_ok()) return cells.status();
    out.times = std::move(*cells);
  }
  if (needs.sketch) {
    auto buckets = count_buckets(device, batch, table_bytes);
    if (!buckets.is_ok()) return buckets.status();
    out.buckets = std::move(*buckets);
  }
  return out;
}

Status check_aggregates(const EventBatch& batch, const BatchNeeds& needs, const BatchAggregates& a) {
  const uint32_t panes = batch_panes(batch);
  uint64_t total = 0;
  for (size_t i = 0; i < a.values.size(); ++i) {
    const PaneCell& c = a.values[i];
    if (c.pane >= panes || c.key >= batch.key_count || c.cell.count == 0) {
      return invalid_argument("analytics result: cell " + std::to_string(i) + " is outside the batch's panes and keys");
    }
    if (i && std::tie(a.values[i - 1].pane, a.values[i - 1].key) >= std::tie(c.pane, c.key)) {
      return invalid_argument("analytics result: cells out of order or repeated at " + std::to_string(i));
    }
    total += c.cell.count;
  }
  if (total != batch.size()) {
    return invalid_argument("analytics result: its cells count " + std::to_string(total) + " events of the batch's " +
                            std::to_string(batch.size()));
  }
  if (needs.times != !a.times.empty() || (needs.times && a.times.size() != a.values.size())) {
    return invalid_argument("analytics result: event times for " + std::to_string(a.times.size()) + " of " +
                            std::to_string(a.values.size()) + " cells");
  }
  for (size_t i = 0; i < a.times.size(); ++i) {
    if (a.times[i].pane != a.values[i].pane || a.times[i].key != a.values[i].key ||
        a.times[i].cell.count != a.values[i].cell.count) {
      return invalid_argument("analytics result: the event times of cell " + std::to_string(i) + " are another cell's");
    }
  }
  if (needs.sketch != !a.buckets.empty() && batch.size() != 0) {
    return invalid_argument("analytics result: a sketch where none was asked for, or none where one was");
  }
  uint64_t bucketed = 0;
  for (size_t i = 0; i < a.buckets.size(); ++i) {
    const BucketCount& b = a.buckets[i];
    if (b.pane >= panes || b.key >= batch.key_count || b.count == 0) {
      return invalid_argument("analytics result: bucket " + std::to_string(i) + " is outside the batch's panes and keys");
    }
    if (i && std::tie(a.buckets[i - 1].pane, a.buckets[i - 1].key, a.buckets[i - 1].bucket) >=
                 std::tie(b.pane, b.key, b.bucket)) {
      return invalid_argument("analytics result: buckets out of order or repeated at " + std::to_string(i));
    }
    bucketed += b.count;
  }
  if (needs.sketch && bucketed != batch.size()) {
    return invalid_argument("analytics result: its sketch counts " + std::to_string(bucketed) + " events of the batch's " +
                            std::to_string(batch.size()));
  }
  return Status::ok();
}

}  // namespace strata::analytics
