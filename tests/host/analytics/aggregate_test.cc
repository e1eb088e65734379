// The analytics kernels on every backend against an exact reference written apart from them:
// plain loops over the events with Boost's arbitrary-precision integers for the sums and the sums
// of squares. Random batches with skewed (Zipf) keys, values at the extremes of int64, offsets on
// pane boundaries; the same cells whatever the parts, the spilling or the split into batches.
#include <gtest/gtest.h>

#include <boost/multiprecision/cpp_int.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "host/analytics/aggregate.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::analytics;
using boost::multiprecision::cpp_int;

struct RefCell {
  uint64_t count = 0;
  cpp_int sum = 0, squares = 0;
  int64_t min = INT64_MAX, max = INT64_MIN;
};

using Reference = std::map<std::pair<uint32_t, uint32_t>, RefCell>;

Reference reference_of(const EventBatch& batch) {
  Reference ref;
  for (size_t i = 0; i < batch.size(); ++i) {
    RefCell& c = ref[{batch.offsets[i] / batch.pane_ms, batch.keys[i]}];
    ++c.count;
    c.sum += batch.values[i];
    c.squares += cpp_int(batch.values[i]) * batch.values[i];
    c.min = std::min(c.min, batch.values[i]);
    c.max = std::max(c.max, batch.values[i]);
  }
  return ref;
}

cpp_int squares_of(const Cell& c) {
  cpp_int s = c.squares[2];
  s = (s << 64) + c.squares[1];
  return (s << 64) + c.squares[0];
}

cpp_int sum_of(const Cell& c) {
  const __int128 s = cell_sum(c);
  const bool negative = s < 0;
  const unsigned __int128 m = negative ? (unsigned __int128)0 - (unsigned __int128)s : (unsigned __int128)s;
  cpp_int v = uint64_t(m >> 64);
  v = (v << 64) + uint64_t(m);
  return negative ? cpp_int(-v) : v;
}

void expect_matches(const std::vector<PaneCell>& cells, const Reference& ref, const std::string& who) {
  ASSERT_EQ(cells.size(), ref.size()) << who;
  auto it = ref.begin();
  for (const PaneCell& c : cells) {
    ASSERT_EQ(c.pane, it->first.first) << who;
    ASSERT_EQ(c.key, it->first.second) << who;
    EXPECT_EQ(c.cell.count, it->second.count) << who;
    EXPECT_EQ(sum_of(c.cell), it->second.sum) << who << " pane " << c.pane << " key " << c.key;
    EXPECT_EQ(squares_of(c.cell), it->second.squares) << who;
    EXPECT_EQ(c.cell.min, it->second.min) << who;
    EXPECT_EQ(c.cell.max, it->second.max) << who;
    ++it;
  }
}

bool same_bits(const std::vector<PaneCell>& a, const std::vector<PaneCell>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].pane != b[i].pane || a[i].key != b[i].key) return false;
    if (std::memcmp(&a[i].cell, &b[i].cell, sizeof(Cell)) != 0) return false;
  }
  return true;
}

// Keys drawn from a Zipf distribution (s = 1.1) over `keys` ids.
std::vector<uint32_t> zipf_keys(size_t n, uint32_t keys, std::mt19937_64& rng) {
  std::vector<double> cdf(keys);
  double total = 0;
  for (uint32_t k = 0; k < keys; ++k) cdf[k] = total += 1.0 / std::pow(k + 1.0, 1.1);
  std::uniform_real_distribution<double> u(0, total);
  std::vector<uint32_t> out(n);
  for (auto& k : out) k = static_cast<uint32_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
  return out;
}

EventBatch random_batch(size_t n, uint32_t keys, uint32_t pane_ms, uint32_t panes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  EventBatch b;
  b.pane_ms = pane_ms;
  b.base_ms = int64_t(pane_ms) * 1000;
  b.key_count = keys;
  b.keys = zipf_keys(n, keys, rng);
  const uint64_t span = uint64_t(pane_ms) * panes;
  std::uniform_int_distribution<uint64_t> offset(0, span - 1);
  std::uniform_int_distribution<int64_t> value(-1000000000000, 1000000000000);
  for (size_t i = 0; i < n; ++i) {
    uint64_t o = offset(rng);
    if (i % 97 == 0) o = (o / pane_ms) * pane_ms;               // a pane's first millisecond
    if (i % 89 == 0) o = (o / pane_ms) * pane_ms + pane_ms - 1;  // and its last
    b.offsets.push_back(static_cast<uint32_t>(std::min(o, span - 1)));
    int64_t v = value(rng);
    if (i % 1013 == 0) v = INT64_MIN;
    if (i % 1019 == 0) v = INT64_MAX;
    b.values.push_back(v);
  }
  return b;
}

TEST(AnalyticsAggregate, EveryBackendMatchesTheExactReference) {
  const EventBatch batch = random_batch(300000, 2000, 1000, 12, 1);
  const Reference ref = reference_of(batch);
  std::vector<PaneCell> first;
  for (const std::string& id : tests::test_device_ids()) {
    auto device = tests::open_or_die(id);
    auto cells = aggregate_batch(*device, batch);
    ASSERT_TRUE(cells.is_ok()) << id << ": " << cells.status().to_string();
    expect_matches(*cells, ref, id);
    if (first.empty()) first = *cells;
    EXPECT_TRUE(same_bits(*cells, first)) << id << " differs from " << tests::test_device_ids()[0];
  }
}

TEST(AnalyticsAggregate, PanesOfAnyLengthAreCutExactly) {
  // 1 ms (the offset itself), powers of two, odd lengths, and the longest a batch allows.
  for (uint32_t pane_ms : {1u, 2u, 3u, 1024u, 7919u, 60000u, 65535u}) {
    EventBatch batch = random_batch(20000, 50, pane_ms, 40, pane_ms);
    for (const std::string& id : tests::test_device_ids()) {
      auto device = tests::open_or_die(id);
      auto cells = aggregate_batch(*device, batch);
      ASSERT_TRUE(cells.is_ok()) << cells.status().to_string();
      expect_matches(*cells, reference_of(batch), id + " pane " + std::to_string(pane_ms));
    }
  }
  // Offsets near 2^32: the division by a multiply stays exact at the top of the range.
  EventBatch top;
  top.pane_ms = 65537;
  top.key_count = 1;
  for (uint32_t o : {4294967295u, 4294967294u, 4294901760u, 4294901759u, 65536u, 65537u, 0u}) {
    top.offsets.push_back(o), top.keys.push_back(0), top.values.push_back(o);
  }
  auto device = tests::open_or_die("cpu");
  auto cells = aggregate_batch(*device, top);
  ASSERT_TRUE(cells.is_ok()) << cells.status().to_string();
  expect_matches(*cells, reference_of(top), "near 2^32");
}

TEST(AnalyticsAggregate, SpillingAndSplittingGiveTheSameCells) {
  const EventBatch batch = random_batch(200000, 5000, 500, 8, 2);
  for (const std::string& id : tests::test_device_ids()) {
    auto device = tests::open_or_die(id);
    auto whole = aggregate_batch(*device, batch);
    ASSERT_TRUE(whole.is_ok()) << whole.status().to_string();
    // A table budget of 64 KiB: 128 keys of 8 panes a pass, 40 passes.
    auto spilled = aggregate_batch(*device, batch, {true, 64 << 10});
    ASSERT_TRUE(spilled.is_ok()) << spilled.status().to_string();
    EXPECT_TRUE(same_bits(*whole, *spilled)) << id;

    // Two halves aggregated apart and merged on the host: the same bits as one pass.
    EventBatch halves[2];
    for (int h = 0; h < 2; ++h) {
      halves[h].pane_ms = batch.pane_ms, halves[h].base_ms = batch.base_ms, halves[h].key_count = batch.key_count;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      EventBatch& into = halves[(i * 2654435761u >> 7) & 1];
      into.offsets.push_back(batch.offsets[i]), into.keys.push_back(batch.keys[i]), into.values.push_back(batch.values[i]);
    }
    std::map<std::pair<uint32_t, uint32_t>, Cell> merged;
    for (const EventBatch& half : halves) {
      auto cells = aggregate_batch(*device, half);
      ASSERT_TRUE(cells.is_ok()) << cells.status().to_string();
      for (const PaneCell& c : *cells) {
        auto [it, fresh] = merged.try_emplace({c.pane, c.key}, empty_cell());
        merge_cell(it->second, c.cell);
      }
    }
    std::vector<PaneCell> from_halves;
    for (const auto& [at, cell] : merged) from_halves.push_back({at.first, at.second, cell});
    EXPECT_TRUE(same_bits(*whole, from_halves)) << id;
  }
}

TEST(AnalyticsAggregate, TheHostsAdditionIsTheKernels) {
  const EventBatch batch = random_batch(5000, 7, 100, 3, 3);
  std::map<std::pair<uint32_t, uint32_t>, Cell> host;
  for (size_t i = 0; i < batch.size(); ++i) {
    auto [it, fresh] = host.try_emplace({batch.offsets[i] / batch.pane_ms, batch.keys[i]}, empty_cell());
    add_value(it->second, batch.values[i]);
  }
  auto device = tests::open_or_die("cpu");
  auto cells = aggregate_batch(*device, batch);
  ASSERT_TRUE(cells.is_ok());
  std::vector<PaneCell> from_host;
  for (const auto& [at, cell] : host) from_host.push_back({at.first, at.second, cell});
  EXPECT_TRUE(same_bits(*cells, from_host));
}

TEST(AnalyticsAggregate, TheVarianceIsExactWhereTheSumsAreHuge) {
  // Values at int64's ends: their squares overflow 128 bits when summed; n*S2 - S1^2 must not.
  Cell c = empty_cell();
  const int64_t values[] = {INT64_MAX, INT64_MIN, INT64_MAX, 0, -5, INT64_MIN + 1};
  cpp_int n = 0, s1 = 0, s2 = 0;
  for (int64_t v : values) add_value(c, v), n += 1, s1 += v, s2 += cpp_int(v) * v;
  const cpp_int numerator = n * s2 - s1 * s1;
  const long double expected = numerator.convert_to<long double>() / (6.0L * 5.0L);
  EXPECT_EQ(cell_variance(c), expected);

  // And it agrees with a two-pass computation in long double on ordinary data.
  std::mt19937_64 rng(4);
  std::normal_distribution<double> normal(1e6, 3.0);
  Cell d = empty_cell();
  std::vector<int64_t> xs;
  for (int i = 0; i < 10000; ++i) xs.push_back(std::llround(normal(rng) * 1000)), add_value(d, xs.back());
  long double mean = 0, m2 = 0;
  for (int64_t x : xs) mean += x;
  mean /= xs.size();
  for (int64_t x : xs) m2 += (x - mean) * (x - mean);
  EXPECT_NEAR(double(cell_variance(d)), double(m2 / (xs.size() - 1)), 1e-9 * double(m2 / (xs.size() - 1)));
  EXPECT_EQ(cell_variance(empty_cell()), 0.0L);
}

TEST(AnalyticsAggregate, MalformedBatchesAreRefusedWithTheReason) {
  auto device = tests::open_or_die("cpu");
  auto refuse = [&](const EventBatch& b, const std::string& words) {
    auto cells = aggregate_batch(*device, b);
    ASSERT_FALSE(cells.is_ok());
    EXPECT_EQ(cells.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(cells.status().message().find(words), std::string::npos) << cells.status().message();
  };
  EventBatch ok;
  ok.pane_ms = 10, ok.key_count = 2, ok.offsets = {0, 5}, ok.keys = {0, 1}, ok.values = {1, 2};
  ASSERT_TRUE(aggregate_batch(*device, ok).is_ok());
  EventBatch b = ok;
  b.values.pop_back();
  refuse(b, "must be equal");
  b = ok, b.keys[1] = 2;
  refuse(b, "key id 2 of 2");
  b = ok, b.base_ms = 15;
  refuse(b, "not a multiple");
  b = ok, b.pane_ms = 0;
  refuse(b, "pane of 0 ms");
  b = ok, b.pane_ms = 1, b.offsets[1] = kMaxBatchPanes;
  refuse(b, "panes (at most");
  b = ok, b.key_count = kMaxBatchEvents + 1;
  refuse(b, "keys (at most");
}

}  // namespace
