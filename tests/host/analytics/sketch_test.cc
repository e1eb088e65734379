// The quantile sketch: buckets ordered as their values, each value within the stated bound of its
// bucket's value, exact merges, and quantiles of 10^6-event windows within the bound of the exact
// nearest-rank quantiles (sorted), directly and through a query on every backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "host/analytics/sketch.h"
#include "host/analytics/windowed_query.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::analytics;

int64_t exact_quantile(std::vector<int64_t> sorted, double q) {
  std::sort(sorted.begin(), sorted.end());
  const uint64_t n = sorted.size();
  uint64_t rank = uint64_t(std::ceil(q * double(n) - 1e-9));
  if (rank == 0) rank = 1;
  return sorted[rank - 1];
}

bool within_bound(long double estimate, int64_t exact) {
  return std::fabs(estimate - (long double)exact) <= std::fabs((long double)exact) * kSketchRelativeError;
}

std::vector<std::vector<int64_t>> distributions(size_t n) {
  std::mt19937_64 rng(21);
  std::lognormal_distribution<double> lognormal(8, 3);
  std::uniform_int_distribution<int64_t> uniform(-1000000000, 1000000000);
  std::vector<std::vector<int64_t>> out(4);
  for (size_t i = 0; i < n; ++i) {
    out[0].push_back(std::min<int64_t>(int64_t(lognormal(rng)), INT64_MAX / 2));
    out[1].push_back(uniform(rng));
    out[2].push_back(i % 3 ? -int64_t(lognormal(rng)) : int64_t(rng() % 200));  // negatives, small exact ones
    out[3].push_back(i % 1000 ? 424242 : (i % 2000 ? INT64_MAX : INT64_MIN));    // a constant, and the extremes
  }
  return out;
}

TEST(Sketch, BucketsAreOrderedAndHoldTheirValuesWithinTheBound) {
  std::mt19937_64 rng(20);
  std::vector<int64_t> values = {0, 1, -1, 127, 128, -128, 255, 256, INT64_MAX, INT64_MIN, INT64_MIN + 1};
  for (int i = 0; i < 200000; ++i) values.push_back(int64_t(rng()) >> (rng() % 64));
  std::sort(values.begin(), values.end());
  for (size_t i = 0; i < values.size(); ++i) {
    const int64_t v = values[i];
    if (i) EXPECT_LE(sketch_bucket(values[i - 1]), sketch_bucket(v)) << values[i - 1] << " " << v;
    const long double rep = sketch_bucket_value(sketch_bucket(v));
    EXPECT_TRUE(within_bound(rep, v)) << v << " stands as " << double(rep);
    if (v > -128 && v < 128) EXPECT_EQ(rep, (long double)v);
  }
}

TEST(Sketch, QuantilesOfAMillionValuesAreWithinTheBoundAndMergeExactly) {
  for (const auto& values : distributions(1000000)) {
    Sketch all, halves[2];
    for (size_t i = 0; i < values.size(); ++i) all.add(values[i]), halves[i % 2].add(values[i]);
    halves[0].merge(halves[1]);
    EXPECT_EQ(halves[0].buckets(), all.buckets());
    EXPECT_EQ(all.count(), values.size());
    for (double q : {0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0}) {
      const int64_t exact = exact_quantile(values, q);
      EXPECT_TRUE(within_bound(all.quantile(q), exact)) << "q " << q << ": " << double(all.quantile(q)) << " for " << exact;
    }
  }
  EXPECT_EQ(Sketch().quantile(0.5), 0.0L);
}

TEST(Sketch, QueriesReportQuantilesWithinTheBoundOnEveryBackend) {
  const std::vector<int64_t> values = distributions(1000000)[0];
  Query q;
  q.window = *parse_window("tumbling:1h");
  q.key_field = "k", q.value_field = "v", q.scale = 0;
  q.aggregates = *parse_aggregates("count,p50,p99,p99.9");
  std::vector<nlohmann::json> first;
  for (const std::string& id : tests::test_device_ids()) {
    auto device = tests::open_or_die(id);
    WindowedQuery query(q, *device, {size_t(1) << 18, {}});
    for (size_t i = 0; i < values.size(); ++i) {
      Event e;
      e.has_time = true, e.time_ms = int64_t(i % 3600000), e.key = i % 4 ? "big" : "small", e.value = values[i];
      if (e.key == "small") e.value %= 1000;
      ASSERT_TRUE(query.add(e).is_ok());
    }
    ASSERT_TRUE(query.finish().is_ok());
    std::vector<nlohmann::json> groups;
    for (const auto& m : query.take_output()) {
      if (m["type"] == "group") groups.push_back(m);
    }
    ASSERT_EQ(groups.size(), 2u);
    for (const auto& g : groups) {
      std::vector<int64_t> mine;
      for (size_t i = 0; i < values.size(); ++i) {
        if ((i % 4 ? "big" : "small") == g["key"]) mine.push_back(g["key"] == "small" ? values[i] % 1000 : values[i]);
      }
      EXPECT_EQ(g["count"], mine.size());
      for (auto [name, quantile] : {std::pair{"p50", 0.5}, std::pair{"p99", 0.99}, std::pair{"p99.9", 0.999}}) {
        EXPECT_TRUE(within_bound(g[name].get<double>(), exact_quantile(mine, quantile))) << id << " " << g.dump();
      }
    }
    if (first.empty()) first = groups;
    EXPECT_EQ(groups, first) << id;
  }
}

TEST(Sketch, QuantileNamesParseOrAreRefused) {
  double q = -1;
  EXPECT_TRUE(parse_quantile_name("p50", q) && q == 0.5);
  EXPECT_TRUE(parse_quantile_name("p99.9", q) && q == 0.999);
  EXPECT_TRUE(parse_quantile_name("p99.999", q) && q == 0.99999);
  EXPECT_TRUE(parse_quantile_name("p0", q) && q == 0.0);
  EXPECT_TRUE(parse_quantile_name("p100", q) && q == 1.0);
  for (const char* bad : {"p", "p101", "p100.1", "p99.9999", "p.5", "p5.", "px", "p5.5.5", "50"}) {
    EXPECT_FALSE(parse_quantile_name(bad, q)) << bad;
  }
  auto a = parse_aggregates("count,p50,p99.9");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->to_string(), "count,p50,p99.9");
  EXPECT_FALSE(parse_aggregates("p50,p51,p52,p53,p54,p55,p56,p57,p58,p59,p60,p61,p62,p63,p64,p65,p66").is_ok());
}

}  // namespace
