// Windowed queries over streams of JSON events against a reference written apart from them: plain
// loops that put each event straight into every window it falls in (no panes, no batches, no
// device), with __int128 sums and long double moments. Random streams with out-of-order and late
// events, Zipf keys, malformed lines of every kind, gaps (empty windows) and lone events; the
// same windows whatever the batch size and the backend.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "host/analytics/windowed_query.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::analytics;
using nlohmann::json;

struct RefGroup {
  uint64_t count = 0;
  __int128 sum = 0;
  int64_t min = INT64_MAX, max = INT64_MIN;
  std::vector<int64_t> values;
};

// Late and malformed events of a window: those that came while it was open are in its message,
// those after it closed in late messages.
struct RefExtras {
  uint64_t late = 0;
  std::map<std::string, uint64_t> malformed;
  bool empty() const { return late == 0 && malformed.empty(); }
};

struct RefWindow {
  std::map<std::string, RefGroup> groups;
  RefExtras open, after_close;
};

// Window starts (multiples of the slide) of every window holding time t.
std::vector<int64_t> windows_of(int64_t t, const WindowSpec& w) {
  std::vector<int64_t> out;
  for (int64_t start = t / w.slide_ms * w.slide_ms; start > t - w.size_ms && start >= 0; start -= w.slide_ms) {
    out.push_back(start);
  }
  return out;
}

std::map<int64_t, RefWindow> reference(const std::vector<std::string>& lines, const Query& q) {
  std::map<int64_t, RefWindow> out;
  int64_t watermark = -1;
  std::map<std::string, uint64_t> unplaced;
  // The extras of window `s` as of now: after its close once the watermark has passed its end.
  auto extras = [&](int64_t s) -> RefExtras& {
    const bool closed = watermark >= 0 && s + q.window.size_ms + q.lateness_ms <= watermark;
    return closed ? out[s].after_close : out[s].open;
  };
  for (const std::string& line : lines) {
    const Event e = parse_event_text(line, q);
    if (e.malformed != Malformed::kNone) {
      const std::string reason = malformed_name(e.malformed);
      if (e.has_time) {
        for (int64_t s : windows_of(e.time_ms, q.window)) ++extras(s).malformed[reason];
      } else if (watermark >= 0) {
        for (int64_t s : windows_of(watermark, q.window)) ++extras(s).malformed[reason];
      } else {
        ++unplaced[reason];
      }
      continue;
    }
    const int64_t pane_end = e.time_ms - e.time_ms % q.window.slide_ms + q.window.slide_ms;
    if (watermark >= 0 && pane_end + q.lateness_ms <= watermark) {
      for (int64_t s : windows_of(e.time_ms, q.window)) ++extras(s).late;
      continue;
    }
    if (watermark < 0) {
      for (auto& [reason, n] : unplaced) {
        for (int64_t s : windows_of(e.time_ms, q.window)) out[s].open.malformed[reason] += n;
      }
    }
    for (int64_t s : windows_of(e.time_ms, q.window)) {
      RefGroup& g = out[s].groups[e.key];
      ++g.count, g.sum += e.value, g.min = std::min(g.min, e.value), g.max = std::max(g.max, e.value);
      g.values.push_back(e.value);
    }
    watermark = std::max(watermark, e.time_ms);
  }
  return out;
}

double scaled(__int128 v, int scale) { return double(static_cast<long double>(v) / std::pow(10.0L, scale)); }

// Runs the query over the lines, `batch` events a batch, calling flush every `flush_every`.
std::vector<json> run(Device& device, const Query& q, const std::vector<std::string>& lines, size_t batch,
                      size_t flush_every = 0) {
  WindowedQuery query(q, device, {batch, {}});
  std::vector<json> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_TRUE(query.add_text(lines[i]).is_ok());
    if (flush_every && i % flush_every == 0) {
      EXPECT_TRUE(query.flush().is_ok());
    }
    for (json& m : query.take_output()) out.push_back(std::move(m));
  }
  EXPECT_TRUE(query.finish().is_ok());
  for (json& m : query.take_output()) out.push_back(std::move(m));
  EXPECT_EQ(query.totals().events, lines.size());
  return out;
}

void expect_matches_reference(const std::vector<json>& messages, const std::map<int64_t, RefWindow>& ref,
                              const Query& q, const std::string& who) {
  std::set<int64_t> published;
  std::map<int64_t, RefExtras> open, after_close;
  std::map<int64_t, std::map<std::string, json>> groups;
  for (const json& m : messages) {
    const int64_t start = m["window_start"];
    EXPECT_EQ(m["window_end"].get<int64_t>(), start + q.window.size_ms);
    RefExtras* extras = &open[start];
    if (m["type"] == "window") {
      EXPECT_TRUE(published.insert(start).second) << who << ": window " << start << " published twice";
    } else if (m["type"] == "group") {
      EXPECT_TRUE(published.count(start)) << who << ": a group before its window";
      EXPECT_TRUE(groups[start].emplace(m["key"], m).second) << who << ": group published twice";
      continue;
    } else {
      EXPECT_EQ(m["type"], "late");
      extras = &after_close[start];
    }
    extras->late += m["late_events"].get<uint64_t>();
    for (const auto& [reason, n] : m["malformed"].items()) extras->malformed[reason] += n.get<uint64_t>();
  }
  for (const auto& [start, window] : ref) {
    EXPECT_EQ(after_close[start].late, window.after_close.late) << who << " window " << start;
    EXPECT_EQ(after_close[start].malformed, window.after_close.malformed) << who << " window " << start;
    if (window.groups.empty() && window.open.empty()) {
      EXPECT_FALSE(published.count(start)) << who << ": an empty window " << start << " published";
      continue;
    }
    ASSERT_TRUE(published.count(start)) << who << ": window " << start << " missing";
    EXPECT_EQ(open[start].late, window.open.late) << who << " window " << start;
    EXPECT_EQ(open[start].malformed, window.open.malformed) << who << " window " << start;
    ASSERT_EQ(groups[start].size(), window.groups.size()) << who << " window " << start;
    for (const auto& [key, g] : window.groups) {
      const json& m = groups[start][key];
      EXPECT_EQ(m["count"].get<uint64_t>(), g.count) << who;
      if (q.scale == 0) {
        EXPECT_EQ(m["sum"].get<int64_t>(), int64_t(g.sum)) << who;
        EXPECT_EQ(m["min"].get<int64_t>(), g.min) << who;
        EXPECT_EQ(m["max"].get<int64_t>(), g.max) << who;
      } else {
        EXPECT_EQ(m["sum"].get<double>(), scaled(g.sum, q.scale)) << who;
        EXPECT_EQ(m["min"].get<double>(), scaled(g.min, q.scale)) << who;
        EXPECT_EQ(m["max"].get<double>(), scaled(g.max, q.scale)) << who;
      }
      const long double unit = std::pow(10.0L, q.scale);
      long double mean = 0, m2 = 0;
      for (int64_t v : g.values) mean += v;
      mean /= g.values.size();
      for (int64_t v : g.values) m2 += (v - mean) * (v - mean);
      EXPECT_NEAR(m["mean"].get<double>(), double(mean / unit), 1e-12 * std::fabs(double(mean / unit)) + 1e-12) << who;
      if (g.count < 2) {
        EXPECT_TRUE(m["var"].is_null()) << who;
      } else {
        const double var = double(m2 / (g.count - 1) / (unit * unit));
        EXPECT_NEAR(m["var"].get<double>(), var, 1e-9 * var + 1e-12) << who << " key " << key;
      }
    }
  }
  for (int64_t start : published) EXPECT_TRUE(ref.count(start)) << who << ": window " << start << " not in the reference";
}

// The window and group messages alone: late reports may be split differently by other batches.
std::vector<json> windows_only(const std::vector<json>& messages) {
  std::vector<json> out;
  for (const json& m : messages) {
    if (m["type"] != "late") out.push_back(m);
  }
  return out;
}

// The late reports added up per window.
std::map<int64_t, json> late_totals(const std::vector<json>& messages) {
  std::map<int64_t, json> out;
  for (const json& m : messages) {
    if (m["type"] != "late") continue;
    json& total = out[m["window_start"]];
    if (total.is_null()) total = {{"late_events", 0}, {"malformed", json::object()}};
    total["late_events"] = total.value("late_events", uint64_t(0)) + m["late_events"].get<uint64_t>();
    for (const auto& [reason, n] : m["malformed"].items()) {
      total["malformed"][reason] = total["malformed"].value(reason, uint64_t(0)) + n.get<uint64_t>();
    }
  }
  return out;
}

std::vector<std::string> random_stream(size_t n, uint64_t seed, int64_t jitter_ms, bool decimals) {
  std::mt19937_64 rng(seed);
  std::vector<double> cdf;
  double total = 0;
  for (int k = 0; k < 300; ++k) cdf.push_back(total += 1.0 / std::pow(k + 1.0, 1.2));
  std::uniform_real_distribution<double> u(0, total);
  std::uniform_int_distribution<int64_t> jitter(-jitter_ms, jitter_ms / 4);
  std::uniform_int_distribution<int> kind(0, 199);
  std::vector<std::string> lines;
  int64_t now = 1700000000000;
  for (size_t i = 0; i < n; ++i) {
    now += std::uniform_int_distribution<int64_t>(0, 9)(rng);
    if (i % 5000 == 4999) now += 7000;  // a gap of empty windows
    const int64_t t = std::max<int64_t>(0, now + jitter(rng));
    const std::string key = "k" + std::to_string(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
    const int64_t whole = std::uniform_int_distribution<int64_t>(-100000, 100000)(rng);
    const std::string value = decimals ? std::to_string(whole) + "." + std::to_string(whole & 7) + "25"
                                       : std::to_string(whole);
    const std::string ts = std::to_string(t);
    switch (kind(rng)) {
      case 0: lines.push_back("{\"ts\":" + ts + ",\"user\":\"" + key + "\"}"); break;               // no value
      case 1: lines.push_back("{\"user\":\"" + key + "\",\"v\":1}"); break;                        // no time
      case 2: lines.push_back("{\"ts\":\"" + ts + "\",\"user\":\"" + key + "\",\"v\":1}"); break;  // time as text
      case 3: lines.push_back("{\"ts\":" + ts + ",\"user\":[1],\"v\":1}"); break;                  // key an array
      case 4: lines.push_back("{\"ts\":" + ts + ",\"user\":\"" + key + "\",\"v\":\"NaN\"}"); break;
      case 5: lines.push_back("{\"ts\":" + ts + ",\"user\":\"" + key + "\",\"v\":1e300}"); break;  // out of range
      case 6: lines.push_back("{\"ts\":" + ts + ",\"user\":\"" + key); break;                      // cut short
      case 7: lines.push_back("[" + ts + "]"); break;
      case 8: lines.push_back("{\"ts\":-5,\"user\":\"a\",\"v\":1}"); break;
      case 9: lines.push_back("{\"ts\":" + ts + ".5,\"user\":\"a\",\"v\":1}"); break;
      default: lines.push_back("{\"ts\":" + ts + ",\"user\":\"" + key + "\",\"v\":" + value + "}");
    }
  }
  return lines;
}

Query query_of(const std::string& window, int64_t lateness_ms, int scale) {
  Query q;
  q.window = *parse_window(window);
  q.key_field = "user", q.value_field = "v", q.scale = scale, q.lateness_ms = lateness_ms;
  q.aggregates = *parse_aggregates("count,sum,min,max,mean,var");
  return q;
}

TEST(WindowedQuery, TumblingWindowsMatchTheReferenceOnEveryBackendAndBatchSize) {
  const std::vector<std::string> lines = random_stream(30000, 11, 1500, false);
  const Query q = query_of("tumbling:1s", 300, 0);
  const auto ref = reference(lines, q);
  std::vector<json> first;
  std::map<int64_t, json> first_late;
  for (const std::string& id : tests::test_device_ids()) {
    auto device = tests::open_or_die(id);
    for (size_t batch : {size_t(1) << 20, size_t(997), size_t(1)}) {
      if (batch == 1 && id != "cpu") continue;  // one event a launch: slow, and the same code
      const std::string who = id + " batch " + std::to_string(batch);
      const auto messages = run(*device, q, lines, batch);
      expect_matches_reference(messages, ref, q, who);
      if (first.empty()) first = windows_only(messages), first_late = late_totals(messages);
      EXPECT_TRUE(windows_only(messages) == first) << who << ": other windows than with the first batch size";
      EXPECT_TRUE(late_totals(messages) == first_late) << who << ": other late reports";
    }
  }
}

TEST(WindowedQuery, SlidingWindowsMatchTheReference) {
  const std::vector<std::string> lines = random_stream(20000, 12, 3000, true);
  const Query q = query_of("sliding:5s/1s", 1000, 3);
  const auto ref = reference(lines, q);
  for (const std::string& id : tests::test_device_ids()) {
    auto device = tests::open_or_die(id);
    expect_matches_reference(run(*device, q, lines, 2048, 500), ref, q, id);
  }
}

TEST(WindowedQuery, EmptyWindowsAreSkippedAndLoneEventsStandAlone) {
  const Query q = query_of("tumbling:10s", 0, 2);
  auto device = tests::open_or_die("cpu");
  const std::vector<std::string> lines = {
      R"({"ts": 5000, "user": "a", "v": 1.25})",
      R"({"ts": 95000, "user": "b", "v": -2})",   // eight empty windows before it
      R"({"ts": 1000, "user": "a", "v": 3})",     // late: its window ended long ago
      R"({"ts": 96000, "user": "b", "v": 4.5})",
      R"({"ts": 250000, "user": 7, "v": 0})",     // an integer key
  };
  const auto messages = run(*device, q, lines, 100, 1);
  expect_matches_reference(messages, reference(lines, q), q, "sparse");
  std::vector<json> windows;
  for (const json& m : messages) {
    if (m["type"] == "window") windows.push_back(m);
  }
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[0]["window_start"], 0);
  EXPECT_EQ(windows[1]["window_start"], 90000);
  EXPECT_EQ(windows[2]["window_start"], 250000);
  // The late event is reported for its window, already published, in a late message.
  bool reported = false;
  for (const json& m : messages) reported |= m["type"] == "late" && m["window_start"] == 0 && m["late_events"] == 1;
  EXPECT_TRUE(reported);
  for (const json& m : messages) {
    if (m["type"] == "group" && m["key"] == "a") {
      EXPECT_EQ(m["count"], 1);
      EXPECT_EQ(m["sum"], 1.25);
      EXPECT_EQ(m["min"], 1.25);
      EXPECT_EQ(m["max"], 1.25);
      EXPECT_TRUE(m["var"].is_null());
    }
    if (m["type"] == "group" && m["key"] == "b") {
      EXPECT_EQ(m["sum"], 2.5);
      EXPECT_EQ(m["mean"], 1.25);
      EXPECT_EQ(m["var"], 21.125);  // ((-2 - 1.25)^2 + (4.5 - 1.25)^2) / 1
    }
  }
}

TEST(WindowedQuery, MalformedEventsAreCountedByReasonAndTheQueryGoesOn) {
  const Query q = query_of("tumbling:1s", 0, 6);
  auto device = tests::open_or_die("cpu");
  const std::vector<std::string> lines = {
      "not json at all",
      R"({"user": "a", "v": 1})",                      // no time yet: placed with the first event
      R"({"ts": 100, "user": "a", "v": 1})",
      R"({"ts": 200, "user": "a"})",
      R"({"ts": 200, "v": 1})",
      R"({"ts": 200, "user": {"x": 1}, "v": 1})",
      R"({"ts": 200, "user": "a", "v": true})",
      R"({"ts": 200, "user": "a", "v": 1e400})",          // past double: JSON that does not parse
      R"({"ts": 200, "user": "a", "v": 9300000000000})",  // 9.3e12 * 10^6 passes 2^63
      R"({"ts": 1e3, "user": "a", "v": 1})",
      R"({"ts": 300000000000000, "user": "a", "v": 1})",  // past the year 9999
      std::string(R"({"ts": 200, "user": ")") + std::string(300, 'x') + R"(", "v": 1})",
      std::string(40, '[') + std::string(40, ']'),
      R"({"ts": 400, "user": "a", "v": 2})",
  };
  WindowedQuery query(q, *device);
  for (const auto& line : lines) ASSERT_TRUE(query.add_text(line).is_ok());
  ASSERT_TRUE(query.finish().is_ok());
  const json totals = query.totals().to_json();
  EXPECT_EQ(totals["events"], lines.size());
  EXPECT_EQ(totals["aggregated"], 2);
  const json expected = {{"not_json", 3}, {"missing_time", 1}, {"missing_value", 1}, {"missing_key", 1},
                         {"bad_key", 2},  {"bad_value", 1},    {"value_out_of_range", 1}, {"bad_time", 2}};
  EXPECT_EQ(totals["malformed"], expected);
  const auto messages = query.take_output();
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages[0]["type"], "window");
  EXPECT_EQ(messages[0]["events"], 2);
  // Every malformed event placed in the one window: by its time, or the watermark's.
  EXPECT_EQ(messages[0]["malformed"], expected);
  expect_matches_reference(messages, reference(lines, q), q, "malformed");
}

TEST(WindowedQuery, TopKeysAreTheExactHeavyHitters) {
  Query q = query_of("tumbling:1m", 0, 0);
  q.aggregates = *parse_aggregates("count,top3");
  auto device = tests::open_or_die("cpu");
  const std::vector<std::string> lines = random_stream(20000, 13, 0, false);
  WindowedQuery query(q, *device, {4096, {}});
  std::map<int64_t, std::map<std::string, uint64_t>> counts;
  for (const auto& line : lines) {
    ASSERT_TRUE(query.add_text(line).is_ok());
    const Event e = parse_event_text(line, q);
    if (e.malformed == Malformed::kNone) ++counts[e.time_ms / 60000 * 60000][e.key];
  }
  ASSERT_TRUE(query.finish().is_ok());
  int windows = 0;
  for (const json& m : query.take_output()) {
    if (m["type"] != "window") continue;
    ++windows;
    std::vector<std::pair<uint64_t, std::string>> exact;
    for (const auto& [key, n] : counts[m["window_start"]]) exact.push_back({n, key});
    std::sort(exact.begin(), exact.end(), [](auto& a, auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    ASSERT_EQ(m["top"].size(), std::min<size_t>(3, exact.size()));
    for (size_t i = 0; i < m["top"].size(); ++i) {
      EXPECT_EQ(m["top"][i]["key"], exact[i].second);
      EXPECT_EQ(m["top"][i]["count"], exact[i].first);
    }
  }
  EXPECT_EQ(windows, int(counts.size()));
}

// Sessions by plain loops: each key's on-time events sorted by time, cut where the gap is reached.
struct RefSession {
  int64_t end = 0;
  RefGroup group;
};

std::map<std::pair<std::string, int64_t>, RefSession> reference_sessions(const std::vector<std::string>& lines,
                                                                         const Query& q, std::map<int64_t, uint64_t>& late,
                                                                         std::map<int64_t, uint64_t>& malformed) {
  const int64_t gap = q.window.size_ms;
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> by_key;  // (time, value) in arrival order
  int64_t watermark = -1;
  uint64_t unplaced = 0;
  for (const std::string& line : lines) {
    const Event e = parse_event_text(line, q);
    if (e.malformed != Malformed::kNone) {
      if (e.has_time) ++malformed[e.time_ms / gap * gap];
      else if (watermark >= 0) ++malformed[watermark / gap * gap];
      else ++unplaced;
      continue;
    }
    if (watermark >= 0 && e.time_ms / gap * gap + gap + q.lateness_ms <= watermark) {
      ++late[e.time_ms / gap * gap];
      continue;
    }
    if (watermark < 0 && unplaced) malformed[e.time_ms / gap * gap] += unplaced;
    by_key[e.key].push_back({e.time_ms, e.value});
    watermark = std::max(watermark, e.time_ms);
  }
  std::map<std::pair<std::string, int64_t>, RefSession> out;
  for (auto& [key, events] : by_key) {
    std::stable_sort(events.begin(), events.end(), [](auto& a, auto& b) { return a.first < b.first; });
    RefSession* current = nullptr;
    int64_t last = 0;
    for (const auto& [t, v] : events) {
      if (!current || t - last >= gap) current = &out[{key, t}];
      last = t;
      current->end = t + gap;
      RefGroup& g = current->group;
      ++g.count, g.sum += v, g.min = std::min(g.min, v), g.max = std::max(g.max, v);
      g.values.push_back(v);
    }
  }
  return out;
}

TEST(WindowedQuery, SessionWindowsMatchTheReferenceOnEveryBackendAndBatchSize) {
  // Bursts per key with gaps around the session gap, out of order, with late and malformed events.
  std::vector<std::string> lines = random_stream(20000, 14, 2500, false);
  std::mt19937_64 rng(15);
  int64_t t = 1700000500000;
  for (int i = 0; i < 3000; ++i) {
    t += (i % 50 == 0) ? 3000 + int64_t(rng() % 3) * 500 - 500 : int64_t(rng() % 40);  // gaps of 2.5, 3 and 3.5 s
    lines.push_back("{\"ts\":" + std::to_string(t) + ",\"user\":\"burst" + std::to_string(i % 3) + "\",\"v\":" +
                    std::to_string(int64_t(rng() % 1000)) + "}");
  }
  const Query q = query_of("session:3s", 500, 0);
  std::map<int64_t, uint64_t> late, malformed;
  const auto ref = reference_sessions(lines, q, late, malformed);
  ASSERT_GT(ref.size(), 1000u);  // the random stream's keys make many short sessions, the bursts long ones
  ASSERT_GT(late.size(), 10u);
  ASSERT_GT(malformed.size(), 10u);
  std::vector<json> first;
  for (const std::string& id : tests::test_device_ids()) {
    auto device = tests::open_or_die(id);
    for (size_t batch : {size_t(1) << 20, size_t(613), size_t(1)}) {
      if (batch == 1 && id != "cpu") continue;
      const std::string who = id + " batch " + std::to_string(batch);
      std::vector<json> groups;
      std::map<int64_t, uint64_t> got_late, got_malformed;
      for (const json& m : run(*device, q, lines, batch)) {
        ASSERT_NE(m["type"], "window") << who << ": sessions have no window summaries";
        if (m["type"] == "group") {
          groups.push_back(m);
          continue;
        }
        EXPECT_EQ(m["window_end"].get<int64_t>() - m["window_start"].get<int64_t>(), 3000);
        got_late[m["window_start"]] += m["late_events"].get<uint64_t>();
        for (const auto& [reason, n] : m["malformed"].items()) got_malformed[m["window_start"]] += n.get<uint64_t>();
      }
      std::erase_if(got_late, [](auto& p) { return p.second == 0; });
      std::erase_if(got_malformed, [](auto& p) { return p.second == 0; });
      EXPECT_EQ(got_late, late) << who;
      EXPECT_EQ(got_malformed, malformed) << who;
      ASSERT_EQ(groups.size(), ref.size()) << who;
      for (const json& m : groups) {
        auto it = ref.find({m["key"], m["window_start"]});
        ASSERT_TRUE(it != ref.end()) << who << ": a session not in the reference: " << m.dump();
        EXPECT_EQ(m["window_end"], it->second.end) << who;
        EXPECT_EQ(m["count"], it->second.group.count) << who;
        EXPECT_EQ(m["sum"].get<int64_t>(), int64_t(it->second.group.sum)) << who;
        EXPECT_EQ(m["min"], it->second.group.min) << who;
        EXPECT_EQ(m["max"], it->second.group.max) << who;
      }
      std::sort(groups.begin(), groups.end(), [](const json& a, const json& b) {
        return std::pair(a["key"].get<std::string>(), a["window_start"].get<int64_t>()) <
               std::pair(b["key"].get<std::string>(), b["window_start"].get<int64_t>());
      });
      if (first.empty()) first = groups;
      EXPECT_TRUE(groups == first) << who << ": other sessions than with the first batch size";
    }
  }
}

TEST(WindowedQuery, BatchesAggregatedElsewhereGiveTheSameWindows) {
  // As the family's requestor runs a query: batches cut without a device, aggregated by others
  // (each on another backend in turn), merged back in order.
  const std::vector<std::string> lines = random_stream(20000, 16, 1500, true);
  for (const char* window : {"sliding:3s/1s", "session:2s"}) {
    Query q = query_of(window, 200, 3);
    q.aggregates = *parse_aggregates("count,sum,min,max,mean,var,p50,p99");
    auto cpu = tests::open_or_die("cpu");
    const std::vector<json> local = run(*cpu, q, lines, 1500);
    std::vector<std::unique_ptr<Device>> devices;
    for (const std::string& id : tests::test_device_ids()) devices.push_back(tests::open_or_die(id));
    WindowedQuery deferred(q, nullptr, {1500, {}});
    for (const std::string& line : lines) ASSERT_TRUE(deferred.add_text(line).is_ok());
    ASSERT_TRUE(deferred.flush().is_ok());  // cuts the last batch; closes nothing it has not got
    std::vector<QueryBatch> batches = deferred.take_batches();
    ASSERT_GT(batches.size(), 4u);
    for (size_t i = 0; i < batches.size(); ++i) {
      auto aggregates = aggregate_query_batch(*devices[i % devices.size()], batches[i].events, BatchNeeds::of(q));
      ASSERT_TRUE(aggregates.is_ok()) << aggregates.status().to_string();
      ASSERT_TRUE(deferred.merge(batches[i], *aggregates).is_ok());
    }
    ASSERT_TRUE(deferred.finish().is_ok());
    std::vector<json> merged = deferred.take_output();
    auto groups = [](std::vector<json> m) {
      std::erase_if(m, [](const json& x) { return x["type"] != "group"; });
      std::sort(m.begin(), m.end(), [](const json& a, const json& b) { return a.dump() < b.dump(); });
      return m;
    };
    EXPECT_TRUE(groups(merged) == groups(local)) << window;
    EXPECT_EQ(late_totals(merged), late_totals(local)) << window;
  }
}

TEST(WindowedQuery, AggregatesThatCannotBeTheBatchsAreRefused) {
  Query q = query_of("session:2s", 0, 0);
  q.aggregates = *parse_aggregates("count,p50");
  WindowedQuery deferred(q, nullptr, {100, {}});
  for (const std::string& line : random_stream(1000, 17, 0, false)) ASSERT_TRUE(deferred.add_text(line).is_ok());
  ASSERT_TRUE(deferred.flush().is_ok());
  std::vector<QueryBatch> batches = deferred.take_batches();
  ASSERT_FALSE(batches.empty());
  const QueryBatch& batch = batches[0];
  auto device = tests::open_or_die("cpu");
  auto good = aggregate_query_batch(*device, batch.events, BatchNeeds::of(q));
  ASSERT_TRUE(good.is_ok());
  ASSERT_GT(good->values.size(), 1u);
  auto refused = [&](BatchAggregates a, const std::string& words) {
    Status s = check_aggregates(batch.events, BatchNeeds::of(q), a);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << words;
    EXPECT_NE(s.message().find(words), std::string::npos) << s.message();
  };
  BatchAggregates a = *good;
  a.values[0].cell.count += 1;
  refused(a, "count");
  a = *good, a.values[1].key = batch.events.key_count;
  refused(a, "outside");
  a = *good, std::swap(a.values[0], a.values[1]);
  refused(a, "out of order");
  a = *good, a.times.clear();
  refused(a, "event times");
  a = *good, a.buckets.clear();
  refused(a, "sketch");
  a = *good, a.buckets[0].count += 1;
  refused(a, "sketch counts");
  EXPECT_TRUE(check_aggregates(batch.events, BatchNeeds::of(q), *good).is_ok());
}

TEST(AnalyticsQuery, FlagsParseOrSayWhatIsWrong) {
  EXPECT_EQ(parse_window("tumbling:10s")->size_ms, 10000);
  EXPECT_EQ(parse_window("sliding:60s/10s")->panes_per_window(), 6);
  EXPECT_EQ(parse_window("sliding:1h/1m")->to_string(), "sliding:1h/1m");
  EXPECT_EQ(*parse_duration_ms("250ms"), 250);
  EXPECT_EQ(parse_window("session:30s")->to_string(), "session:30s");
  EXPECT_TRUE(parse_window("session:30s")->sessions());
  Query top_of_sessions = query_of("session:30s", 0, 0);
  top_of_sessions.aggregates.top = 3;
  EXPECT_FALSE(check_query(top_of_sessions).is_ok());
  for (const char* bad : {"tumbling", "tumbling:", "tumbling:10", "tumbling:0s", "tumbling:-1s", "tumbling:25d",
                          "sliding:60s", "sliding:60s/7s", "sliding:11s/1ms", "hopping:1s", "session:", "session:0s"}) {
    auto w = parse_window(bad);
    EXPECT_FALSE(w.is_ok()) << bad;
    EXPECT_NE(w.status().message().find(bad), std::string::npos) << w.status().message();
  }
  auto a = parse_aggregates("count,sum,min,max,mean,var,top10");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->to_string(), "count,sum,min,max,mean,var,top10");
  for (const char* bad : {"", "count,,sum", "median", "top0", "top1001", "topx", "p101", "p9.9999"}) {
    EXPECT_FALSE(parse_aggregates(bad).is_ok()) << bad;
  }
  Query q = query_of("sliding:60s/10s", 5000, 3);
  auto back = query_from_json(query_to_json(q));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(query_to_json(*back), query_to_json(q));
  json broken = query_to_json(q);
  broken["group_by"] = "";
  EXPECT_FALSE(query_from_json(broken).is_ok());
  broken = query_to_json(q);
  broken["scale"] = 13;
  EXPECT_FALSE(query_from_json(broken).is_ok());
}

}  // namespace
