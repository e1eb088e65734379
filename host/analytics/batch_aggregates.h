// One batch of a query's events, as a requestor cuts it and a device (its own, or a provider's)
// aggregates it: the cells of its (pane, key) pairs, and what session windows and quantiles need
// besides. Every part is exact integers, so a verifier recomputes any of it bit for bit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/analytics/aggregate.h"
#include "host/analytics/query.h"

namespace strata::analytics {

// A batch of on-time events: pane_ms is the query's slide (the gap, for sessions), key ids index
// `keys`.
struct QueryBatch {
  EventBatch events;
  std::vector<std::string> keys;
  int64_t first_pane() const { return events.base_ms / events.pane_ms; }
};

// What the aggregation of a batch must hold for a query.
struct BatchNeeds {
  bool squares = false;  // the variance
  bool times = false;    // each cell's first and last event time (session windows)
  bool sketch = false;   // each (pane, key, bucket)'s count (quantiles)
  static BatchNeeds of(const Query& query);
};

struct BucketCount {
  uint32_t pane = 0, key = 0;
  int32_t bucket = 0;  // host/analytics/sketch.h
  uint64_t count = 0;
};

// A batch's aggregates: `values` per (pane, key) in pane, key order; `times` the same pairs with
// the event times as values (their min and max are the first and last event); `buckets` in pane,
// key, bucket order.
struct BatchAggregates {
  std::vector<PaneCell> values, times;
  std::vector<BucketCount> buckets;
};

Result<BatchAggregates> aggregate_query_batch(Device& device, const EventBatch& batch, const BatchNeeds& needs,
                                              size_t table_bytes = 0);

// Whether `aggregates` could be those of `batch`: every pair within its panes and keys, ordered
// and unique, times beside values where needed, and counts that add up to its events. Says what
// is wrong (a provider's result that fails this is refused before it is verified).
Status check_aggregates(const EventBatch& batch, const BatchNeeds& needs, const BatchAggregates& aggregates);

}  // namespace strata::analytics
