// Analytics jobs through the market, in one process: a query over a file of events split into
// batches across providers (cpu and opencl) ends with the windows a query on this machine's own
// device gives; a provider that alters one key's sum in each result is caught by the requestor's
// recomputation of random keys and excluded, the output still exact; a spec that is wrong is
// refused by name.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "compute/analytics/family.h"
#include "host/analytics/windowed_query.h"
#include "network/clock.h"
#include "tests/compute/compute_support.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::compute;
using json = nlohmann::json;
using tests::eventually;

void connect(ComputeNode& from, ComputeNode& to) {
  (void)from.stream_node().transport().connect("127.0.0.1", to.stream_node().transport().port());
}

bool offers_seen(ComputeNode& r, size_t n) {
  return eventually([&] { return r.offers().offers(network::now_ms()).size() == n; }, 10000);
}

JobStatus run(ComputeNode& r, const JobSpec& spec) {
  auto job = r.requestor().submit(spec);
  EXPECT_TRUE(job.is_ok()) << job.status().to_string();
  if (!job.is_ok()) return {};
  JobStatus st;
  EXPECT_TRUE(eventually(
      [&] {
        auto got = r.requestor().status(job->id);
        if (got.is_ok()) st = *got;
        return got.is_ok() && st.job.state != compute::JobState::kRunning;
      },
      60000));
  return st;
}

// Events in order with jitter (some late), Zipf-ish keys, a malformed line now and then.
std::string events_text(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out;
  int64_t now = 1700000000000;
  for (size_t i = 0; i < n; ++i) {
    now += int64_t(rng() % 8);
    const int64_t t = now - int64_t(rng() % 1200);
    const uint64_t key = (rng() % 100) * (rng() % 100) / 100;
    if (i % 97 == 5) {
      out += "{\"ts\": " + std::to_string(t) + ", \"user\": \"u" + std::to_string(key) + "\"}\n";
      continue;
    }
    out += "{\"ts\": " + std::to_string(t) + ", \"user\": \"u" + std::to_string(key) + "\", \"v\": " +
           std::to_string(int64_t(rng() % 20001) - 10000) + "." + std::to_string(rng() % 100) + "}\n";
  }
  return out;
}

analytics::Query query_of(const std::string& window) {
  analytics::Query q;
  q.window = *analytics::parse_window(window);
  q.key_field = "user", q.value_field = "v", q.scale = 2, q.lateness_ms = 300;
  q.aggregates = *analytics::parse_aggregates(q.window.sessions() ? "count,sum,min,max,mean,var,p50,p99"
                                                                  : "count,sum,min,max,mean,var,p50,p99,top3");
  return q;
}

// The window and group messages sorted, and the late reports added up per window.
std::pair<std::vector<json>, std::map<int64_t, uint64_t>> canonical(const std::vector<json>& messages) {
  std::vector<json> windows;
  std::map<int64_t, uint64_t> late;
  for (const json& m : messages) {
    if (m["type"] == "late") {
      late[m["window_start"]] += m["late_events"].get<uint64_t>();
    } else {
      windows.push_back(m);
    }
  }
  std::sort(windows.begin(), windows.end(), [](const json& a, const json& b) { return a.dump() < b.dump(); });
  return {windows, late};
}

std::vector<json> local_run(const analytics::Query& q, const std::string& text) {
  auto device = tests::open_or_die("cpu");
  analytics::WindowedQuery query(q, *device);
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) EXPECT_TRUE(query.add_text(line).is_ok());
  EXPECT_TRUE(query.finish().is_ok());
  return query.take_output();
}

std::vector<json> output_of(const JobStatus& st) {
  std::ifstream in(st.output("output"));
  EXPECT_TRUE(in.good()) << "no output for job " << st.job.id << ": " << st.job.output;
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

std::string upload(ComputeNode& n, const std::string& text) {
  auto id = n.blobs().put(std::vector<uint8_t>(text.begin(), text.end()));
  EXPECT_TRUE(id.is_ok());
  return network::to_string(*id);
}

TEST(AnalyticsJobs, AQueryOverAFileEqualsTheLocalOne) {
  auto r = tests::start_compute_node({.seed = 100});
  auto a = tests::start_compute_node({.seed = 101, .provide = true});
  auto b = tests::start_compute_node({.seed = 102, .provide = true, .device = "opencl"});
  connect(*a, *r);
  connect(*b, *r);
  ASSERT_TRUE(offers_seen(*r, 2));
  const std::string text = events_text(30000, 1);
  const std::string events = upload(*r, text);
  for (const char* window : {"tumbling:1s", "sliding:5s/1s", "session:400ms"}) {
    const analytics::Query q = query_of(window);
    JobStatus st = run(*r, {"analytics", analytics_spec(q, events), 1000, 0});
    ASSERT_EQ(st.job.state, compute::JobState::kDone) << window << ": " << st.job.error;
    EXPECT_EQ(st.job.kernel, kAnalyticsKernel);
    EXPECT_GT(st.total, 5u) << "the events were not split";
    EXPECT_GT(st.verified_work, 0u);
    EXPECT_EQ(st.rejected, 0u);
    const auto [got_windows, got_late] = canonical(output_of(st));
    const auto [want_windows, want_late] = canonical(local_run(q, text));
    ASSERT_FALSE(want_windows.empty());
    EXPECT_TRUE(got_windows == want_windows) << window << ": other windows than the local query's";
    EXPECT_EQ(got_late, want_late) << window;
    const json summary = json::parse(st.job.output);
    EXPECT_EQ(summary["events"], 30000);
    EXPECT_GT(summary["late_events"].get<uint64_t>(), 0u);
    EXPECT_GT(summary["malformed_events"].get<uint64_t>(), 0u);
  }
  EXPECT_GT(a->provider()->counts().completed, 0u);
  EXPECT_GT(b->provider()->counts().completed, 0u);
}

// Moves one event's worth of sum between the first two keys of every result: the counts still
// add up, so only recomputing the keys finds it.
void shift_a_sum(const AnalyticsTask&, AnalyticsResult& result) {
  auto& cells = result.aggregates.values;
  if (cells.size() < 2) return;
  cells[0].cell.sum_lo += 100;
  cells[1].cell.sum_lo -= 100;
}

TEST(AnalyticsJobs, AProviderThatAltersSumsIsCaughtAndTheOutputStaysExact) {
  auto r = tests::start_compute_node({.seed = 103});
  auto honest = tests::start_compute_node({.seed = 104, .provide = true, .price = 100});
  auto cheater = tests::start_compute_node({.seed = 105, .provide = true, .price = 10, .alter_analytics = shift_a_sum});
  connect(*honest, *r);
  connect(*cheater, *r);
  ASSERT_TRUE(offers_seen(*r, 2));
  const std::string text = events_text(20000, 2);
  const analytics::Query q = query_of("tumbling:1s");
  JobStatus st = run(*r, {"analytics", analytics_spec(q, upload(*r, text)), 1000, 0});
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  EXPECT_GE(st.rejected, 1u);
  EXPECT_TRUE(r->reputation().get(cheater->stream_node().identity().node_id()).excluded);
  EXPECT_FALSE(r->reputation().get(honest->stream_node().identity().node_id()).excluded);
  EXPECT_TRUE(canonical(output_of(st)) == canonical(local_run(q, text)));
}

TEST(AnalyticsJobs, SpecErrorsNameTheProblem) {
  auto r = tests::start_compute_node({.seed = 106});
  const std::string events = upload(*r, events_text(100, 3));
  auto refused = [&](const json& spec, const std::string& words) {
    auto job = r->requestor().submit({"analytics", spec, 1000, 0});
    ASSERT_FALSE(job.is_ok()) << spec.dump();
    EXPECT_NE(job.status().message().find(words), std::string::npos) << job.status().message();
  };
  json spec = analytics_spec(query_of("tumbling:1s"), events);
  json bad = spec;
  bad.erase("query");
  refused(bad, "\"query\"");
  bad = spec, bad["query"]["window"] = "session:0s";
  refused(bad, "session:0s");
  bad = spec, bad["query"]["agg"] = "median";
  refused(bad, "median");
  bad = spec, bad["events"] = std::string(64, '0');
  refused(bad, "not in this node's blob store");
  bad = spec, bad["events"] = "zz";
  refused(bad, "events:");
  refused(analytics_spec(query_of("tumbling:1s"), upload(*r, "not json\n{\"ts\": 1}\n")), "none of the 2 lines");
}

}  // namespace
