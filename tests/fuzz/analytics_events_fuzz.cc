// An analytics query over arbitrary event lines (host/analytics/windowed_query.h), as a stream
// publisher could send them: it never throws, counts every line once (aggregated, late or
// malformed), publishes each window once with its groups after it, and its messages add up to
// the events it took (in sessions, each aggregated event exactly once). The first byte picks the
// window, the lateness and the scale, the second the batch.
#include <set>
#include <string>

#include "host/analytics/windowed_query.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;

STRATA_FUZZ_TARGET(analytics_events) {
  static std::unique_ptr<Device> device = std::move(*open_device("cpu"));
  if (size < 2) return 0;
  analytics::Query q;
  const char* windows[] = {"tumbling:1s", "tumbling:10ms", "sliding:5s/1s", "sliding:2ms/1ms",
                           "session:1s", "session:3ms", "tumbling:1s", "session:1s"};
  q.window = *analytics::parse_window(windows[data[0] & 7]);
  q.lateness_ms = ((data[0] >> 3) & 7) * 100;
  q.key_field = "k", q.value_field = "v", q.scale = data[0] >> 6;
  q.aggregates = *analytics::parse_aggregates(q.window.sessions() ? "count,sum,min,max,mean,var,p50,p99"
                                                                  : "count,sum,min,max,mean,var,p0,p99.9,top3");
  analytics::WindowedQuery query(q, *device, {size_t(data[1] % 16) + 1, {}});
  const std::string text(reinterpret_cast<const char*>(data) + 2, size - 2);
  uint64_t lines = 0;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    fuzz::expect(query.add_text(std::string_view(text).substr(begin, end - begin)).is_ok(), "analytics: add failed");
    ++lines;
    begin = end + 1;
  }
  fuzz::expect(query.finish().is_ok(), "analytics: finish failed");
  const analytics::QueryTotals& t = query.totals();
  fuzz::expect(t.events == lines, "analytics: a line not counted");
  fuzz::expect(t.aggregated + t.late + t.malformed_total() == t.events, "analytics: events lost or counted twice");
  std::set<int64_t> published;
  uint64_t grouped = 0, summed = 0;
  int64_t current = INT64_MIN;
  for (const nlohmann::json& m : query.take_output()) {
    const int64_t start = m.at("window_start").get<int64_t>();
    const int64_t length = m.at("window_end").get<int64_t>() - start;
    // A session runs from its first event to its last plus the gap; every other window is its size.
    const bool session = q.window.sessions() && m.at("type") == "group";
    fuzz::expect(session ? length >= q.window.size_ms : length == q.window.size_ms, "analytics: a window of the wrong size");
    if (m.at("type") == "window") {
      fuzz::expect(published.insert(start).second, "analytics: a window published twice");
      current = start;
      summed += m.at("events").get<uint64_t>();
    } else if (m.at("type") == "group") {
      fuzz::expect(start == current || q.window.sessions(), "analytics: a group away from its window");
      grouped += m.at("count").get<uint64_t>();
    }
  }
  if (q.window.sessions()) {
    fuzz::expect(summed == 0 && grouped == t.aggregated, "analytics: sessions do not hold every aggregated event once");
    return 0;
  }
  fuzz::expect(grouped == summed, "analytics: groups do not add up to their windows");
  // Each aggregated event is in every window of its pane: as many as a window has panes.
  fuzz::expect(summed == t.aggregated * uint64_t(q.window.panes_per_window()) || q.window.slide_ms != q.window.size_ms,
               "analytics: tumbling windows do not hold every aggregated event once");
  return 0;
}
