// A continuous query of the analytics family: its window on event time, the fields it reads, its
// aggregates, and the lateness it allows. Parsed from the flags of `strata analytics run` and
// kept in a job's spec as JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "host/status.h"

namespace strata::analytics {

// Windows on event time. Tumbling and sliding windows are aligned to the epoch; a tumbling window
// is a sliding one whose slide is its size; a sliding window's size is a whole number of slides.
// Every window is made of panes of one slide. A session window is per key: its events, each less
// than the gap after the one before; its panes are one gap long (size and slide hold the gap), so
// no session splits inside a pane.
struct WindowSpec {
  enum class Kind { kTumbling, kSliding, kSession };
  Kind kind = Kind::kTumbling;
  int64_t size_ms = 0;
  int64_t slide_ms = 0;
  int64_t panes_per_window() const { return size_ms / slide_ms; }
  bool sessions() const { return kind == Kind::kSession; }
  std::string to_string() const;  // "tumbling:10s", "sliding:60s/10s", "session:30s"
};

// "250ms", "10s", "5m", "1h", "1d": a positive whole number of milliseconds, at most 24 days.
Result<int64_t> parse_duration_ms(std::string_view text);
// "tumbling:10s", "sliding:60s/10s", "session:30s".
Result<WindowSpec> parse_window(std::string_view text);

// What each key group reports.
struct Aggregates {
  bool count = false, sum = false, min = false, max = false, mean = false, var = false;
  std::vector<std::string> quantile_names;  // "p50", "p99.9": from a sketch (host/analytics/sketch.h)
  std::vector<double> quantiles;            // 0.5, 0.999
  uint32_t top = 0;  // the top N keys of a window by count (0: none)
  bool needs_squares() const { return var; }
  bool needs_sketch() const { return !quantiles.empty(); }
  std::string to_string() const;  // "count,sum,p99,top10"
};
// "count,sum,min,max,mean,var,p50,p99,top10" (at most 16 quantiles).
Result<Aggregates> parse_aggregates(std::string_view text);

struct Query {
  WindowSpec window;
  std::string time_field = "ts";  // integer milliseconds since the epoch
  std::string key_field;          // the group-by field: a string or an integer
  std::string value_field;        // a number
  int scale = 6;                  // values are kept as integers of 10^-scale units
  int64_t lateness_ms = 0;        // how long after a pane's end its events still count
  Aggregates aggregates;
};

// A query from the flags of strata analytics run and strata submit analytics (--window,
// --group-by, --value, --time-field, --agg, --lateness as a duration or 0, --scale), checked.
struct QueryFlags {
  std::string window, group_by, value, time_field = "ts", agg = "count,sum,min,max,mean", lateness = "0ms";
  int scale = 6;
};
Result<Query> query_from_flags(const QueryFlags& flags);

// Fields are names of top-level members, 1 to 128 bytes.
Status check_query(const Query& query);
nlohmann::json query_to_json(const Query& query);
Result<Query> query_from_json(const nlohmann::json& json);

}  // namespace strata::analytics
