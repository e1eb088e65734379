// strata bench analytics: the analytics family's rates per device, in events per second: the
// kernel over a batch of 16-byte events already on the device (tumbling count/sum/min/max, for
// each key count), the same with transfers and the host's extraction of the cells counted, and
// whole queries over parsed events (tumbling and sliding windows at the same slide, with top10;
// p99 and top10),
// beside a single-threaded hash-map loop over the same events (the anchor the issue names).
// --export writes the events as CSV for bench/analytics_compare.sh.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <unordered_map>

#include "cli/bench_devices.h"
#include "host/analytics/aggregate.h"
#include "host/analytics/windowed_query.h"

namespace strata::cli {
namespace {

struct AnalyticsBenchOptions {
  std::vector<std::string> devices;
  std::vector<uint64_t> keys{10000, 1000000};
  size_t events = size_t(1) << 24;
  size_t query_events = size_t(1) << 22;
  uint64_t query_keys = 1000;
  uint64_t query_span_s = 20;
  double seconds = 1.0;
  std::string export_file;
};

constexpr uint32_t kWindowMs = 10000;  // tumbling:10s, one window per batch

// 16-byte events over one 10 s window, keys uniform over [0, keys).
analytics::EventBatch bench_batch(size_t n, uint64_t keys, uint64_t seed) {
  std::mt19937_64 rng(seed);
  analytics::EventBatch b;
  b.pane_ms = kWindowMs;
  b.base_ms = int64_t(kWindowMs) * 170000000;
  b.key_count = static_cast<uint32_t>(keys);
  b.offsets.resize(n), b.keys.resize(n), b.values.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t r = rng();
    b.offsets[i] = static_cast<uint32_t>((r >> 40) % kWindowMs);
    b.keys[i] = static_cast<uint32_t>((r & 0xffffffffu) % keys);
    b.values[i] = static_cast<int64_t>(rng() % 2000001) - 1000000;
  }
  return b;
}

// The anchor: one thread, std::unordered_map keyed by (window, key), count/sum/min/max.
double hash_map_rate(const analytics::EventBatch& b) {
  struct Agg {
    uint64_t count = 0;
    int64_t sum = 0, min = INT64_MAX, max = INT64_MIN;
  };
  const auto t0 = std::chrono::steady_clock::now();
  std::unordered_map<uint64_t, Agg> groups;
  for (size_t i = 0; i < b.size(); ++i) {
    const uint64_t window = uint64_t(b.base_ms + b.offsets[i]) / kWindowMs;
    Agg& a = groups[(window << 32) | b.keys[i]];
    ++a.count, a.sum += b.values[i], a.min = std::min(a.min, b.values[i]), a.max = std::max(a.max, b.values[i]);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (groups.empty()) std::abort();
  return b.size() / s;
}

double batch_rate(Device& device, const analytics::EventBatch& b, double seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t runs = 0;
  double elapsed = 0;
  do {
    auto cells = analytics::aggregate_batch(device, b, {false, 0});
    if (!cells.is_ok()) {
      std::fprintf(stderr, "%s\n", cells.status().to_string().c_str());
      return 0;
    }
    ++runs;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (elapsed < seconds);
  return runs * double(b.size()) / elapsed;
}

// Parsed events over `span_s` seconds, `keys` keys, in order with a little jitter.
std::vector<analytics::Event> query_events(size_t n, uint64_t keys, uint64_t span_s) {
  std::mt19937_64 rng(7);
  std::vector<analytics::Event> events(n);
  for (size_t i = 0; i < n; ++i) {
    analytics::Event& e = events[i];
    e.has_time = true;
    e.time_ms = 1700000000000 + int64_t(i * span_s * 1000 / n) + int64_t(rng() % 50);
    e.key = "k" + std::to_string(rng() % keys);
    e.value = int64_t(rng() % 2000001) - 1000000;
  }
  return events;
}

double query_rate(Device& device, const std::string& window, const std::vector<analytics::Event>& events,
                  const std::string& aggregates = "count,sum,min,max,top10") {
  analytics::Query q;
  q.window = *analytics::parse_window(window);
  q.key_field = "key", q.value_field = "value";
  q.aggregates = *analytics::parse_aggregates(aggregates);
  const auto t0 = std::chrono::steady_clock::now();
  analytics::WindowedQuery run(q, device);
  for (const analytics::Event& e : events) {
    if (!run.add(e).is_ok()) return 0;
  }
  if (!run.finish().is_ok()) return 0;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return events.size() / s;
}

int export_events(const AnalyticsBenchOptions& o) {
  const analytics::EventBatch b = bench_batch(o.events, o.keys.front(), o.keys.front());  // the bench's own data
  std::ofstream out(o.export_file);
  out << "ts,key,value\n";
  for (size_t i = 0; i < b.size(); ++i) out << b.base_ms + b.offsets[i] << ',' << b.keys[i] << ',' << b.values[i] << '\n';
  if (!out.flush()) {
    std::fprintf(stderr, "strata bench analytics: cannot write %s\n", o.export_file.c_str());
    return 1;
  }
  std::printf("# %zu events with %llu keys written to %s\n", b.size(), (unsigned long long)o.keys.front(),
              o.export_file.c_str());
  return 0;
}

int run_bench_analytics(const AnalyticsBenchOptions& o) {
  if (!o.export_file.empty()) return export_events(o);
  if (o.query_keys == 0 || o.query_span_s == 0 || o.events == 0) {
    std::fprintf(stderr, "strata bench analytics: --events, --query-keys and --query-span must be positive\n");
    return 1;
  }
  std::vector<std::unique_ptr<Device>> devices = open_bench_devices(o.devices);
  if (devices.empty()) return 1;
  for (uint64_t keys : o.keys) {
    if (keys == 0 || keys > analytics::kMaxBatchEvents) {
      std::fprintf(stderr, "strata bench analytics: --keys from 1 to %u\n", analytics::kMaxBatchEvents);
      return 1;
    }
    const analytics::EventBatch b = bench_batch(o.events, keys, keys);
    std::printf("tumbling:10s count/sum/min/max, %zu events of 16 bytes, %llu keys\n", b.size(),
                (unsigned long long)keys);
    std::printf("  hash-map loop (1 thread)          %8.1f M events/s\n", hash_map_rate(b) / 1e6);
    for (auto& device : devices) {
      auto resident = analytics::kernel_events_per_second(*device, b, o.seconds, {false, 0});
      if (resident.is_ok()) {
        std::printf("  %-10s resident                %8.1f M events/s\n", device->info().id().c_str(), *resident / 1e6);
      } else {
        std::printf("  %-10s resident                %s\n", device->info().id().c_str(),
                    resident.status().message().c_str());
      }
      std::printf("  %-10s with transfers          %8.1f M events/s\n", device->info().id().c_str(),
                  batch_rate(*device, b, o.seconds) / 1e6);
    }
  }
  const std::vector<analytics::Event> events = query_events(o.query_events, o.query_keys, o.query_span_s);
  std::printf("whole queries over %zu parsed events in %llu s, %llu keys, count/sum/min/max/top10\n", events.size(),
              (unsigned long long)o.query_span_s, (unsigned long long)o.query_keys);
  for (auto& device : devices) {
    const double tumbling = query_rate(*device, "tumbling:1s", events);
    const double sliding = query_rate(*device, "sliding:60s/1s", events);
    std::printf("  %-10s tumbling:1s             %8.1f M events/s\n", device->info().id().c_str(), tumbling / 1e6);
    std::printf("  %-10s sliding:60s/1s          %8.1f M events/s (cost %.2fx tumbling)\n",
                device->info().id().c_str(), sliding / 1e6, tumbling / sliding);
    const double quantiles = query_rate(*device, "tumbling:1s", events, "count,p99,top10");
    std::printf("  %-10s tumbling:1s p99+top10   %8.1f M events/s\n", device->info().id().c_str(), quantiles / 1e6);
  }
  return 0;
}

}  // namespace

Runner add_bench_analytics_command(CLI::App& bench) {
  auto* cmd = bench.add_subcommand("analytics", "Events/s per device for windowed aggregation");
  auto o = std::make_shared<AnalyticsBenchOptions>();
  cmd->add_option("--devices", o->devices, "Devices to measure (default: every device present)")->delimiter(',');
  cmd->add_option("--keys", o->keys, "Distinct keys of the tumbling batches")->delimiter(',');
  cmd->add_option("--events", o->events, "Events of each tumbling batch");
  cmd->add_option("--query-events", o->query_events, "Events of the whole-query runs");
  cmd->add_option("--query-keys", o->query_keys, "Distinct keys of the whole-query runs");
  cmd->add_option("--query-span", o->query_span_s, "Seconds of event time the whole-query runs cover");
  cmd->add_option("--seconds", o->seconds, "Time each rate is measured over");
  cmd->add_option("--export", o->export_file, "Write the first key count's batch as CSV (ts,key,value) and exit");
  return [o, cmd] {
    if (!cmd->parsed()) return 1;
    return run_bench_analytics(*o);
  };
}

}  // namespace strata::cli
