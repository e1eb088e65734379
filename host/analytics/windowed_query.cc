#include "host/analytics/windowed_query.h"

#include <algorithm>
#include <set>

namespace strata::analytics {
namespace {

long double power_of_ten(int n) {
  long double p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

// floor(a / b) for b > 0.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && (a < 0) ? 1 : 0); }

}  // namespace

uint64_t QueryTotals::malformed_total() const {
  uint64_t n = 0;
  for (uint64_t m : malformed) n += m;
  return n;
}

nlohmann::json QueryTotals::to_json() const {
  nlohmann::json reasons = nlohmann::json::object();
  for (int r = 1; r < kMalformedKinds; ++r) {
    if (malformed[r]) reasons[malformed_name(Malformed(r))] = malformed[r];
  }
  return {{"events", events},
          {"aggregated", aggregated},
          {"late_events", late},
          {"malformed_events", malformed_total()},
          {"malformed", reasons},
          {"windows_closed", windows_closed},
          {"groups_published", groups_published},
          {"batches", batches},
          {"watermark_ms", watermark_ms}};
}

bool WindowedQuery::Extras::empty() const {
  if (late) return false;
  for (uint64_t m : malformed) {
    if (m) return false;
  }
  return true;
}

void WindowedQuery::Extras::add(const Extras& other) {
  late += other.late;
  for (int r = 0; r < kMalformedKinds; ++r) malformed[r] += other.malformed[r];
}

void WindowedQuery::Extras::put(nlohmann::json& message) const {
  message["late_events"] = late;
  nlohmann::json reasons = nlohmann::json::object();
  for (int r = 1; r < kMalformedKinds; ++r) {
    if (malformed[r]) reasons[malformed_name(Malformed(r))] = malformed[r];
  }
  message["malformed"] = std::move(reasons);
}

WindowedQuery::WindowedQuery(Query query, Device* device, QueryOptions options)
    : query_(std::move(query)),
      device_(device),
      options_(options),
      panes_per_window_(query_.window.panes_per_window()),
      // A batch's offsets must stay below 2^32 ms, and its panes within what a batch may span.
      max_batch_panes_(std::min<int64_t>(kMaxBatchPanes, (int64_t(1) << 32) / query_.window.slide_ms - 1)) {
  options_.batch_events = std::clamp<size_t>(options_.batch_events, 1, kMaxBatchEvents);
  options_.aggregate.squares = query_.aggregates.needs_squares();
}

void WindowedQuery::report(int64_t pane, const Extras& what) {
  if (query_.window.sessions()) {  // sessions have no window summary: every report is a late message
    after_close_[pane].add(what);
    return;
  }
  const int64_t slide = query_.window.slide_ms, watermark = totals_.watermark_ms;
  for (int64_t w = pane - panes_per_window_ + 1; w <= pane; ++w) {
    const bool closed = watermark >= 0 && (w + panes_per_window_) * slide + query_.lateness_ms <= watermark;
    (closed ? after_close_ : extras_)[w].add(what);
  }
}

Status WindowedQuery::add(const Event& event) {
  ++totals_.events;
  if (event.malformed != Malformed::kNone) {
    ++totals_.malformed[size_t(event.malformed)];
    Extras what;
    what.malformed[size_t(event.malformed)] = 1;
    if (event.has_time) report(pane_of(event.time_ms), what);
    else if (totals_.watermark_ms >= 0) report(pane_of(totals_.watermark_ms), what);
    else unplaced_.add(what);
    return Status::ok();
  }
  const int64_t pane = pane_of(event.time_ms);
  const int64_t slide = query_.window.slide_ms;
  if (totals_.watermark_ms >= 0 && (pane + 1) * slide + query_.lateness_ms <= totals_.watermark_ms) {
    ++totals_.late;
    Extras what;
    what.late = 1;
    report(pane, what);
    return Status::ok();
  }
  // A batch spans few enough panes for its offsets; an event outside them starts the next.
  if (!batch_times_.empty() && (std::max(batch_last_pane_, pane) - std::min(batch_first_pane_, pane) >= max_batch_panes_)) {
    STRATA_RETURN_IF_ERROR(flush());
  }
  if (batch_times_.empty()) batch_first_pane_ = batch_last_pane_ = pane;
  batch_first_pane_ = std::min(batch_first_pane_, pane);
  batch_last_pane_ = std::max(batch_last_pane_, pane);
  auto [id, fresh] = batch_key_ids_.try_emplace(event.key, static_cast<uint32_t>(batch_key_names_.size()));
  if (fresh) batch_key_names_.push_back(event.key);
  batch_times_.push_back(event.time_ms);
  batch_keys_.push_back(id->second);
  batch_values_.push_back(event.value);
  ++totals_.aggregated;
  if (totals_.watermark_ms < 0 && !unplaced_.empty()) {
    report(pane, unplaced_);
    unplaced_ = Extras{};
  }
  totals_.watermark_ms = std::max(totals_.watermark_ms, event.time_ms);
  if (batch_times_.size() >= options_.batch_events) return flush();
  return Status::ok();
}

Status WindowedQuery::cut_batch() {
  if (batch_times_.empty()) return Status::ok();
  QueryBatch batch;
  EventBatch& events = batch.events;
  events.pane_ms = static_cast<uint32_t>(query_.window.slide_ms);
  events.base_ms = batch_first_pane_ * query_.window.slide_ms;
  events.key_count = static_cast<uint32_t>(batch_key_names_.size());
  events.offsets.reserve(batch_times_.size());
  for (int64_t t : batch_times_) events.offsets.push_back(static_cast<uint32_t>(t - events.base_ms));
  events.keys = std::move(batch_keys_);
  events.values = std::move(batch_values_);
  batch.keys = std::move(batch_key_names_);
  batch_times_.clear(), batch_keys_.clear(), batch_values_.clear();
  batch_key_ids_.clear(), batch_key_names_.clear();
  if (!device_) {
    deferred_.push_back(std::move(batch));
    return Status::ok();
  }
  auto aggregates = aggregate_query_batch(*device_, batch.events, BatchNeeds::of(query_), options_.aggregate.table_bytes);
  if (!aggregates.is_ok()) return aggregates.status();
  return merge(batch, *aggregates);
}

std::vector<QueryBatch> WindowedQuery::take_batches() {
  std::vector<QueryBatch> out;
  out.swap(deferred_);
  return out;
}

Status WindowedQuery::merge(const QueryBatch& batch, const BatchAggregates& aggregates) {
  STRATA_RETURN_IF_ERROR(check_aggregates(batch.events, BatchNeeds::of(query_), aggregates));
  if (batch.keys.size() != batch.events.key_count) return internal_error("analytics: a batch without its keys' names");
  const int64_t first_pane = batch.first_pane();
  if (query_.window.sessions()) {
    for (size_t i = 0; i < aggregates.values.size(); ++i) {
      const PaneCell& c = aggregates.values[i];
      SessionPane& pane = sessions_[batch.keys[c.key]].try_emplace(first_pane + c.pane).first->second;
      merge_cell(pane.values, c.cell);
      merge_cell(pane.times, aggregates.times[i].cell);
    }
    for (const BucketCount& b : aggregates.buckets) {
      sessions_[batch.keys[b.key]].try_emplace(first_pane + b.pane).first->second.sketch.add_bucket(b.bucket, b.count);
    }
  } else {
    for (const PaneCell& c : aggregates.values) {
      auto [it, fresh] = panes_[first_pane + c.pane].try_emplace(batch.keys[c.key], empty_cell());
      merge_cell(it->second, c.cell);
    }
    for (const BucketCount& b : aggregates.buckets) {
      sketches_[first_pane + b.pane][batch.keys[b.key]].add_bucket(b.bucket, b.count);
    }
  }
  ++totals_.batches;
  return Status::ok();
}

Status WindowedQuery::flush() {
  STRATA_RETURN_IF_ERROR(cut_batch());
  if (device_) close_windows(false);  // without one, the batches' aggregates are not in yet
  return Status::ok();
}

Status WindowedQuery::finish() {
  STRATA_RETURN_IF_ERROR(cut_batch());
  close_windows(true);
  return Status::ok();
}

void WindowedQuery::close_windows(bool everything) {
  if (query_.window.sessions()) {
    close_sessions(everything);
    // Pane p is closed once the watermark reaches its end plus the lateness.
    publish_late_reports(everything ? INT64_MAX
                                    : floor_div(totals_.watermark_ms - query_.lateness_ms, query_.window.slide_ms));
    return;
  }
  // Window w (panes w .. w + W - 1) closes once the watermark reaches its end plus the lateness.
  int64_t last = floor_div(totals_.watermark_ms - query_.lateness_ms, query_.window.slide_ms) - panes_per_window_;
  if (everything) {
    last = INT64_MIN;
    if (!panes_.empty()) last = panes_.rbegin()->first;
    if (!extras_.empty()) last = std::max(last, extras_.rbegin()->first);
  }
  if (totals_.watermark_ms >= 0 || everything) {
    std::set<int64_t> windows;
    for (const auto& [pane, keys] : panes_) {
      for (int64_t w = std::max(pane - panes_per_window_ + 1, next_window_); w <= std::min(pane, last); ++w) {
        windows.insert(w);
      }
    }
    for (const auto& [window, extras] : extras_) {
      if (window >= next_window_ && window <= last) windows.insert(window);
    }
    for (int64_t w : windows) publish_window(w);
    if (last >= next_window_) next_window_ = last + 1;
    panes_.erase(panes_.begin(), panes_.lower_bound(next_window_));
    sketches_.erase(sketches_.begin(), sketches_.lower_bound(next_window_));
    extras_.erase(extras_.begin(), extras_.lower_bound(next_window_));
  }
  // What came for closed windows, after them (each such window is closed by now).
  publish_late_reports(next_window_);
}

void WindowedQuery::publish_late_reports(int64_t before) {
  for (auto it = after_close_.begin(); it != after_close_.end() && it->first < before;) {
    nlohmann::json message = {{"type", "late"},
                              {"window_start", it->first * query_.window.slide_ms},
                              {"window_end", it->first * query_.window.slide_ms + query_.window.size_ms}};
    it->second.put(message);
    output_.push_back(std::move(message));
    it = after_close_.erase(it);
  }
}

nlohmann::json WindowedQuery::value_json(__int128 value) const {
  if (query_.scale == 0 && value >= INT64_MIN && value <= INT64_MAX) return static_cast<int64_t>(value);
  return static_cast<double>(static_cast<long double>(value) / power_of_ten(query_.scale));
}

void WindowedQuery::publish_window(int64_t window) {
  std::map<std::string, Cell> groups;
  for (auto it = panes_.lower_bound(window); it != panes_.end() && it->first < window + panes_per_window_; ++it) {
    for (const auto& [key, cell] : it->second) {
      auto [g, fresh] = groups.try_emplace(key, empty_cell());
      merge_cell(g->second, cell);
    }
  }
  std::map<std::string, Sketch> sketches;
  for (auto it = sketches_.lower_bound(window); it != sketches_.end() && it->first < window + panes_per_window_; ++it) {
    for (const auto& [key, sketch] : it->second) sketches[key].merge(sketch);
  }
  auto extras = extras_.find(window);
  if (groups.empty() && (extras == extras_.end() || extras->second.empty())) return;
  const int64_t start = window * query_.window.slide_ms, end = start + query_.window.size_ms;
  uint64_t events = 0;
  for (const auto& [key, cell] : groups) events += cell.count;
  nlohmann::json summary = {{"type", "window"}, {"window_start", start}, {"window_end", end},
                            {"events", events}, {"keys", groups.size()}};
  (extras == extras_.end() ? Extras{} : extras->second).put(summary);
  const Aggregates& a = query_.aggregates;
  if (a.top) {
    std::vector<std::pair<uint64_t, const std::string*>> by_count;
    for (const auto& [key, cell] : groups) by_count.push_back({cell.count, &key});
    const size_t n = std::min<size_t>(a.top, by_count.size());
    // The most events first; among equal counts, the smaller key.
    std::partial_sort(by_count.begin(), by_count.begin() + n, by_count.end(), [](const auto& x, const auto& y) {
      return x.first != y.first ? x.first > y.first : *x.second < *y.second;
    });
    nlohmann::json top = nlohmann::json::array();
    for (size_t i = 0; i < n; ++i) top.push_back({{"key", *by_count[i].second}, {"count", by_count[i].first}});
    summary["top"] = std::move(top);
  }
  output_.push_back(std::move(summary));
  for (const auto& [key, cell] : groups) {
    auto sketch = sketches.find(key);
    output_.push_back(group_json(start, end, key, cell, sketch == sketches.end() ? nullptr : &sketch->second));
  }
  ++totals_.windows_closed;
  totals_.groups_published += groups.size();
}

nlohmann::json WindowedQuery::group_json(int64_t start, int64_t end, const std::string& key, const Cell& cell,
                                        const Sketch* sketch) const {
  const Aggregates& a = query_.aggregates;
  const long double unit = power_of_ten(query_.scale);
  nlohmann::json group = {{"type", "group"}, {"window_start", start}, {"window_end", end}, {"key", key}};
  if (a.count) group["count"] = cell.count;
  if (a.sum) group["sum"] = value_json(cell_sum(cell));
  if (a.min) group["min"] = value_json(cell.min);
  if (a.max) group["max"] = value_json(cell.max);
  if (a.mean) group["mean"] = static_cast<double>(static_cast<long double>(cell_sum(cell)) / cell.count / unit);
  if (a.var) {
    if (cell.count > 1) group["var"] = static_cast<double>(cell_variance(cell) / (unit * unit));
    else group["var"] = nullptr;
  }
  for (size_t i = 0; i < a.quantiles.size(); ++i) {
    group[a.quantile_names[i]] = sketch ? static_cast<double>(sketch->quantile(a.quantiles[i]) / unit) : 0.0;
  }
  return group;
}

void WindowedQuery::close_sessions(bool everything) {
  const int64_t gap = query_.window.slide_ms;
  for (auto key = sessions_.begin(); key != sessions_.end();) {
    auto& panes = key->second;
    while (!panes.empty()) {
      // The key's first session: its panes while each begins less than a gap after the last.
      auto end = panes.begin();
      Cell values = empty_cell(), times = empty_cell();
      Sketch sketch;
      do {
        merge_cell(values, end->second.values);
        merge_cell(times, end->second.times);
        sketch.merge(end->second.sketch);
        ++end;
      } while (end != panes.end() && end->second.times.min - times.max < gap);
      // An event joining it would be before last + gap: in a pane up to that one, which must be closed.
      const int64_t joining_pane = floor_div(times.max + gap - 1, gap);
      const bool closed = (joining_pane + 1) * gap + query_.lateness_ms <= totals_.watermark_ms;
      if (!everything && !closed) break;  // later sessions end later: they are open too
      output_.push_back(group_json(times.min, times.max + gap, key->first, values, &sketch));
      ++totals_.windows_closed;
      ++totals_.groups_published;
      panes.erase(panes.begin(), end);
    }
    key = panes.empty() ? sessions_.erase(key) : std::next(key);
  }
}

std::vector<nlohmann::json> WindowedQuery::take_output() {
  std::vector<nlohmann::json> out;
  out.swap(output_);
  return out;
}

}  // namespace strata::analytics
