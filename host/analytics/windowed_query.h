// A windowed group-by query run over events in arrival order: events are classified as they
// come (on time, late, malformed), the on-time ones gathered into columnar batches that a device
// aggregates into (pane, key) cells, and each window published once the watermark (the latest
// event time taken) has passed its end by the allowed lateness.
//
// An event is late when its pane ended at least the lateness before the watermark it arrived
// under: it is left out of every window and counted in each window it falls in. A window is
// closed once the watermark it saw has passed its end by the lateness; what arrives for it after
// that is reported in "late" messages, published after it. So every message's content depends
// only on the events and their order, never on where batches were cut, and no window changes
// after it is published.
//
// Session windows: each pane (one gap long) of each key also keeps its first and last event time
// (a second aggregation, of the times), and a key's consecutive panes join into one session when
// the gap between them is shorter than the gap. A session closes once every pane an event joining
// it could fall in is closed; it is published as one "group" message, from its first event to its
// last plus the gap. Late and malformed events are reported per pane, in "late" messages.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/analytics/aggregate.h"
#include "host/analytics/batch_aggregates.h"
#include "host/analytics/events.h"
#include "host/analytics/query.h"
#include "host/analytics/sketch.h"
#include "host/device.h"

namespace strata::analytics {

struct QueryTotals {
  uint64_t events = 0;      // read
  uint64_t aggregated = 0;  // taken into windows
  uint64_t late = 0;
  std::array<uint64_t, kMalformedKinds> malformed{};
  uint64_t windows_closed = 0;
  uint64_t groups_published = 0;
  uint64_t batches = 0;
  int64_t watermark_ms = -1;  // the latest event time taken; -1 before the first
  uint64_t malformed_total() const;
  nlohmann::json to_json() const;
};

struct QueryOptions {
  size_t batch_events = size_t(1) << 20;  // a batch is aggregated once it holds this many
  AggregateOptions aggregate;
};

class WindowedQuery {
 public:
  // Batches are aggregated on `device` as they are cut. Without a device, they wait for
  // take_batches() and their aggregates come back through merge(), in the order they were cut
  // (the analytics family's requestor, whose providers aggregate them).
  WindowedQuery(Query query, Device* device, QueryOptions options = {});
  WindowedQuery(Query query, Device& device, QueryOptions options = {}) : WindowedQuery(std::move(query), &device, options) {}

  // Takes the next event. Aggregates a batch (and closes windows) when one is full.
  Status add(const Event& event);
  Status add_text(std::string_view line) { return add(parse_event_text(line, query_)); }
  // Aggregates what is gathered and closes every window the watermark has passed (without a
  // device: cuts what is gathered into a batch, and closes nothing).
  Status flush();
  // The end of the input: flushes and closes every window left open (without a device, every
  // batch's aggregates must have been merged first).
  Status finish();
  // The messages published since the last call, in order: window summaries each followed by its
  // key groups, and late reports.
  std::vector<nlohmann::json> take_output();
  const QueryTotals& totals() const { return totals_; }
  // Without a device: the batches cut so far, and a batch's aggregates (checked against it).
  std::vector<QueryBatch> take_batches();
  Status merge(const QueryBatch& batch, const BatchAggregates& aggregates);
  const Query& query() const { return query_; }

 private:
  // Late and malformed events counted for one window.
  struct Extras {
    uint64_t late = 0;
    std::array<uint64_t, kMalformedKinds> malformed{};
    bool empty() const;
    void add(const Extras& other);
    void put(nlohmann::json& message) const;
  };

  int64_t pane_of(int64_t time_ms) const { return time_ms / query_.window.slide_ms; }
  // Counts an event that is not aggregated in every window of pane `pane`.
  void report(int64_t pane, const Extras& what);
  // Cuts the gathered events into a batch and aggregates it (or keeps it, without a device).
  Status cut_batch();
  // Publishes the windows up to `last` (all of them when `everything`).
  void close_windows(bool everything);
  void publish_window(int64_t window);
  void close_sessions(bool everything);
  // Late reports for every pane (or window) before `before`.
  void publish_late_reports(int64_t before);
  nlohmann::json group_json(int64_t start, int64_t end, const std::string& key, const Cell& cell,
                            const Sketch* sketch) const;
  nlohmann::json value_json(__int128 value) const;

  Query query_;
  Device* device_;
  QueryOptions options_;
  int64_t panes_per_window_;
  int64_t max_batch_panes_;
  QueryTotals totals_;

  // The batch being gathered.
  std::vector<int64_t> batch_times_;
  std::vector<uint32_t> batch_keys_;
  std::vector<int64_t> batch_values_;
  std::unordered_map<std::string, uint32_t> batch_key_ids_;
  std::vector<std::string> batch_key_names_;
  int64_t batch_first_pane_ = 0, batch_last_pane_ = 0;

  std::map<int64_t, std::unordered_map<std::string, Cell>> panes_;  // aggregated, by pane
  std::map<int64_t, std::unordered_map<std::string, Sketch>> sketches_;  // for quantiles, likewise
  // Session windows: by key, its panes' values and event times (in the min and max of `times`).
  struct SessionPane {
    Cell values = empty_cell(), times = empty_cell();
    Sketch sketch;
  };
  std::map<std::string, std::map<int64_t, SessionPane>> sessions_;
  std::map<int64_t, Extras> extras_;       // of windows still open
  std::map<int64_t, Extras> after_close_;  // of closed windows, for their next late report
  Extras unplaced_;                    // malformed without a time, before any time is known
  int64_t next_window_ = INT64_MIN;    // every window before it is published
  std::vector<nlohmann::json> output_;
  std::vector<QueryBatch> deferred_;
};

}  // namespace strata::analytics
