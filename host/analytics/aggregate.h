// The analytics family on a device: a batch of events in columnar form aggregated into cells of
// (pane, key) by the kernels of kernels/analytics/aggregate.h. Every aggregate is an exact
// integer, so cells of any batches, devices or providers merge to the same bits.
//
// A batch whose table of panes x keys does not fit its share of the device is spilled: its events
// are partitioned by key range on the host and each range aggregated in a pass of its own.
#pragma once

#include <cstdint>
#include <vector>

#include "host/analytics/kernel_types.h"
#include "host/device.h"
#include "host/status.h"

namespace strata::analytics {

using Cell = akt::AnalyticsCell;

// An empty cell, the identity of merge_cell.
Cell empty_cell();
void merge_cell(Cell& into, const Cell& from);
void add_value(Cell& cell, int64_t value);  // with its square

// The exact sum of a cell's values (a 128-bit integer).
__int128 cell_sum(const Cell& cell);
// The sample variance of a cell's values (n - 1 in the denominator), in the values' own units
// squared; 0 for fewer than two. Its numerator n * sum(x^2) - sum(x)^2 is computed exactly.
long double cell_variance(const Cell& cell);

// A batch of events in the kernels' layout: event i at base_ms + offsets[i] with key keys[i] and
// value values[i].
struct EventBatch {
  int64_t base_ms = 0;     // a multiple of pane_ms
  uint32_t pane_ms = 1;
  uint32_t key_count = 0;  // every key id is below it
  std::vector<uint32_t> offsets;
  std::vector<uint32_t> keys;
  std::vector<int64_t> values;
  size_t size() const { return offsets.size(); }
};

// A batch may span at most this many panes: the host cuts batches before they do.
inline constexpr uint32_t kMaxBatchPanes = 1u << 16;
// And hold at most this many events or keys.
inline constexpr uint32_t kMaxBatchEvents = 1u << 26;

// Whether a batch is well formed: columns of one length, offsets within kMaxBatchPanes panes, key
// ids below key_count, base a multiple of pane_ms. Says what is wrong.
Status check_batch(const EventBatch& batch);

// The panes the batch spans (its latest offset's pane, plus one).
uint32_t batch_panes(const EventBatch& batch);

// What a batch's events add up to in one (pane, key): pane p holds times
// [base_ms + p * pane_ms, base_ms + (p + 1) * pane_ms).
struct PaneCell {
  uint32_t pane = 0;
  uint32_t key = 0;
  Cell cell{};
};

struct AggregateOptions {
  bool squares = true;     // keep the sum of squares (for the variance)
  size_t table_bytes = 0;  // the device memory its tables may take; 0 for an eighth of it, at most 256 MiB
};

// The cells of every (pane, key) that holds an event, ordered by pane then key.
Result<std::vector<PaneCell>> aggregate_batch(Device& device, const EventBatch& batch,
                                              const AggregateOptions& options = {});

// The device's rate in events per second over a batch already on it (clearing, aggregating and
// merging its tables; no transfers), timed for about `seconds`. The batch's table must fit one
// pass. What `strata bench analytics` reports as the resident rate.
Result<double> kernel_events_per_second(Device& device, const EventBatch& batch, double seconds = 1.0,
                                        const AggregateOptions& options = {});

}  // namespace strata::analytics
