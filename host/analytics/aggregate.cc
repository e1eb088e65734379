#include "host/analytics/aggregate.h"

#include <algorithm>
#include <chrono>
#include <array>
#include <span>
#include <string>

namespace strata::analytics {
namespace {

using u128 = unsigned __int128;
// A 256-bit unsigned integer, low limb first.
using Wide = std::array<uint64_t, 4>;

// a * b for a of up to 192 bits (three limbs).
Wide multiply(const uint64_t* a, int limbs, uint64_t b) {
  Wide out{};
  u128 carry = 0;
  for (int i = 0; i < limbs; ++i) {
    u128 p = u128(a[i]) * b + carry;
    out[i] = uint64_t(p);
    carry = p >> 64;
  }
  out[limbs] = uint64_t(carry);
  return out;
}

// a * a for a of 128 bits.
Wide square(u128 a) {
  const uint64_t lo = uint64_t(a), hi = uint64_t(a >> 64);
  const uint64_t limbs[2] = {lo, hi};
  Wide low = multiply(limbs, 2, lo), high = multiply(limbs, 2, hi);
  Wide out{low[0], 0, 0, 0};
  u128 carry = 0;
  for (int i = 1; i < 4; ++i) {
    u128 s = u128(low[i]) + high[i - 1] + carry;
    out[i] = uint64_t(s);
    carry = s >> 64;
  }
  return out;
}

Wide subtract(const Wide& a, const Wide& b) {
  Wide out{};
  uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    u128 d = u128(a[i]) - b[i] - borrow;
    out[i] = uint64_t(d);
    borrow = uint64_t(d >> 64) & 1;
  }
  return out;
}

long double to_long_double(const Wide& w) {
  long double v = 0;
  for (int i = 3; i >= 0; --i) v = v * 18446744073709551616.0L + static_cast<long double>(w[i]);
  return v;
}

uint64_t pane_magic(uint32_t pane_ms) { return uint64_t((u128(1) << 64) / pane_ms) + 1; }

// What one launch may take of a device: an eighth of its memory, at most 256 MiB (OpenCL's
// allocation limit on most devices is a quarter).
size_t table_budget(const Device& device, const AggregateOptions& options) {
  if (options.table_bytes) return std::max<size_t>(options.table_bytes, sizeof(Cell));
  uint64_t share = device.info().memory_bytes / 8;
  return static_cast<size_t>(std::clamp<uint64_t>(share, uint64_t(1) << 20, uint64_t(256) << 20));
}

// The events of one pass: a key range's, or all of them.
struct PassEvents {
  std::span<const uint32_t> offsets, keys;
  std::span<const int64_t> values;
};

// One pass's buffers on a device, and how its launches are shaped.
struct PassLaunch {
  std::unique_ptr<DeviceBuffer> offsets, keys, values, params, tables;
  uint32_t parts = 1;
  size_t cells = 0;  // of one part's table
};

// Uploads one pass's events (key ids [key_begin, key_begin + key_count)) and makes room for its tables.
Result<PassLaunch> upload_pass(Device& device, const PassEvents& events, uint32_t pane_ms, uint32_t panes,
                               uint32_t key_begin, uint32_t key_count, size_t budget, bool squares) {
  const size_t n = events.offsets.size();
  PassLaunch launch;
  launch.cells = size_t(panes) * key_count;
  // Parts run side by side on a CPU's cores; each needs its own table.
  const size_t by_memory = std::max<size_t>(1, budget / (launch.cells * sizeof(Cell)));
  const size_t by_events = std::max<size_t>(1, n / 65536);
  const size_t by_device = std::max<size_t>(1, size_t(std::max(1, device.info().compute_units)));
  launch.parts = static_cast<uint32_t>(std::min({by_memory, by_events, by_device}));

  akt::AnalyticsParams params{};
  params.pane_magic = pane_ms >= 2 ? pane_magic(pane_ms) : 0;
  params.events = static_cast<uint32_t>(n);
  params.parts = launch.parts;
  params.events_per_part = static_cast<uint32_t>((n + launch.parts - 1) / launch.parts);
  params.panes = panes;
  params.key_begin = key_begin;
  params.keys = key_count;
  params.flags = (squares ? ANALYTICS_SQUARES : 0u) | (pane_ms == 1 ? ANALYTICS_UNIT_PANE : 0u);

  auto offsets = device.upload_new(events.offsets);
  if (!offsets.is_ok()) return offsets.status();
  auto keys = device.upload_new(events.keys);
  if (!keys.is_ok()) return keys.status();
  auto values = device.upload_new(events.values);
  if (!values.is_ok()) return values.status();
  auto params_buffer = device.upload_new(std::span<const akt::AnalyticsParams>(&params, 1));
  if (!params_buffer.is_ok()) return params_buffer.status();
  auto tables = device.allocate(launch.cells * launch.parts * sizeof(Cell));
  if (!tables.is_ok()) return tables.status();
  launch.offsets = std::move(*offsets), launch.keys = std::move(*keys), launch.values = std::move(*values);
  launch.params = std::move(*params_buffer), launch.tables = std::move(*tables);
  return launch;
}

// Clears the tables, aggregates the events into them and merges the parts into the first.
Status run_pass(Device& device, const PassLaunch& launch) {
  const uint32_t all_cells = static_cast<uint32_t>(launch.cells * launch.parts);
  KernelArg clear[] = {KernelArg::of(*launch.tables), KernelArg::u32(all_cells)};
  STRATA_RETURN_IF_ERROR(device.launch("analytics_clear", {all_cells, 1}, clear));
  KernelArg aggregate[] = {KernelArg::of(*launch.offsets), KernelArg::of(*launch.keys), KernelArg::of(*launch.values),
                           KernelArg::of(*launch.params), KernelArg::of(*launch.tables)};
  STRATA_RETURN_IF_ERROR(device.launch("analytics_aggregate", {launch.parts, 1, true}, aggregate));
  if (launch.parts > 1) {
    const uint32_t cells = static_cast<uint32_t>(launch.cells);
    KernelArg merge[] = {KernelArg::of(*launch.tables), KernelArg::u32(launch.parts), KernelArg::u32(cells)};
    STRATA_RETURN_IF_ERROR(device.launch("analytics_merge_parts", {cells, 1}, merge));
  }
  return Status::ok();
}

// Aggregates one pass and appends its cells to `out`.
Status aggregate_pass(Device& device, const PassEvents& events, uint32_t pane_ms, uint32_t panes, uint32_t key_begin,
                      uint32_t key_count, size_t budget, bool squares, std::vector<PaneCell>& out) {
  if (events.offsets.empty()) return Status::ok();
  auto launch = upload_pass(device, events, pane_ms, panes, key_begin, key_count, budget, squares);
  if (!launch.is_ok()) return launch.status();
  STRATA_RETURN_IF_ERROR(run_pass(device, *launch));
  std::vector<Cell> table(launch->cells);
  STRATA_RETURN_IF_ERROR(device.download(*launch->tables, table.data(), table.size() * sizeof(Cell)));
  STRATA_RETURN_IF_ERROR(device.synchronize());
  for (uint32_t p = 0; p < panes; ++p) {
    for (uint32_t k = 0; k < key_count; ++k) {
      const Cell& c = table[size_t(p) * key_count + k];
      if (c.count) out.push_back({p, key_begin + k, c});
    }
  }
  return Status::ok();
}

}  // namespace

Cell empty_cell() {
  Cell c;
  akt::analytics_clear_cell(&c);
  return c;
}

void merge_cell(Cell& into, const Cell& from) { akt::analytics_merge_cell(&into, &from); }

void add_value(Cell& cell, int64_t value) { akt::analytics_add_event(&cell, value, ANALYTICS_SQUARES); }

__int128 cell_sum(const Cell& cell) { return static_cast<__int128>((u128(cell.sum_hi) << 64) | cell.sum_lo); }

long double cell_variance(const Cell& cell) {
  if (cell.count < 2) return 0;
  const __int128 sum = cell_sum(cell);
  // |sum| fits 128 bits unsigned, even for the most negative.
  const u128 magnitude = sum < 0 ? u128(0) - u128(sum) : u128(sum);
  const Wide numerator = subtract(multiply(cell.squares, 3, cell.count), square(magnitude));
  const long double n = static_cast<long double>(cell.count);
  return to_long_double(numerator) / (n * (n - 1));
}

uint32_t batch_panes(const EventBatch& batch) {
  if (batch.offsets.empty() || batch.pane_ms == 0) return 0;
  const uint32_t latest = *std::max_element(batch.offsets.begin(), batch.offsets.end());
  return latest / batch.pane_ms + 1;
}

Status check_batch(const EventBatch& batch) {
  const size_t n = batch.offsets.size();
  if (batch.keys.size() != n || batch.values.size() != n) {
    return invalid_argument("analytics batch: " + std::to_string(n) + " offsets, " + std::to_string(batch.keys.size()) +
                            " keys and " + std::to_string(batch.values.size()) + " values (they must be equal)");
  }
  if (n > kMaxBatchEvents) {
    return invalid_argument("analytics batch: " + std::to_string(n) + " events (at most " +
                            std::to_string(kMaxBatchEvents) + ")");
  }
  if (batch.key_count > kMaxBatchEvents) {
    return invalid_argument("analytics batch: " + std::to_string(batch.key_count) + " keys (at most " +
                            std::to_string(kMaxBatchEvents) + ")");
  }
  if (batch.pane_ms == 0) return invalid_argument("analytics batch: a pane of 0 ms");
  if (batch.base_ms % batch.pane_ms != 0) {
    return invalid_argument("analytics batch: base " + std::to_string(batch.base_ms) + " ms is not a multiple of the " +
                            std::to_string(batch.pane_ms) + " ms pane");
  }
  if (n && uint64_t(batch_panes(batch)) > kMaxBatchPanes) {
    return invalid_argument("analytics batch: spans " + std::to_string(batch_panes(batch)) + " panes (at most " +
                            std::to_string(kMaxBatchPanes) + ")");
  }
  for (size_t i = 0; i < n; ++i) {
    if (batch.keys[i] >= batch.key_count) {
      return invalid_argument("analytics batch: event " + std::to_string(i) + " has key id " +
                              std::to_string(batch.keys[i]) + " of " + std::to_string(batch.key_count));
    }
  }
  return Status::ok();
}

Result<std::vector<PaneCell>> aggregate_batch(Device& device, const EventBatch& batch, const AggregateOptions& options) {
  STRATA_RETURN_IF_ERROR(check_batch(batch));
  std::vector<PaneCell> out;
  const size_t n = batch.size();
  if (n == 0) return out;
  const uint32_t panes = batch_panes(batch);
  const size_t budget = table_budget(device, options);
  const size_t keys_per_pass =
      std::clamp<size_t>(budget / (size_t(panes) * sizeof(Cell)), 1, std::max<uint32_t>(batch.key_count, 1));
  const size_t passes = (batch.key_count + keys_per_pass - 1) / keys_per_pass;
  if (passes <= 1) {
    STRATA_RETURN_IF_ERROR(aggregate_pass(device, {batch.offsets, batch.keys, batch.values}, batch.pane_ms, panes, 0,
                                          batch.key_count, budget, options.squares, out));
    return out;
  }
  // Spilling: the events partitioned by key range (a stable counting sort), one pass per range.
  std::vector<size_t> starts(passes + 1, 0);
  for (uint32_t key : batch.keys) ++starts[key / keys_per_pass + 1];
  for (size_t p = 0; p < passes; ++p) starts[p + 1] += starts[p];
  std::vector<uint32_t> offsets(n), keys(n);
  std::vector<int64_t> values(n);
  std::vector<size_t> next(starts.begin(), starts.end() - 1);
  for (size_t i = 0; i < n; ++i) {
    size_t& at = next[batch.keys[i] / keys_per_pass];
    offsets[at] = batch.offsets[i], keys[at] = batch.keys[i], values[at] = batch.values[i];
    ++at;
  }
  for (size_t p = 0; p < passes; ++p) {
    const size_t b = starts[p], e = starts[p + 1];
    const uint32_t key_begin = static_cast<uint32_t>(p * keys_per_pass);
    const uint32_t key_count = static_cast<uint32_t>(std::min<size_t>(keys_per_pass, batch.key_count - key_begin));
    PassEvents events{std::span<const uint32_t>(offsets).subspan(b, e - b),
                      std::span<const uint32_t>(keys).subspan(b, e - b),
                      std::span<const int64_t>(values).subspan(b, e - b)};
    STRATA_RETURN_IF_ERROR(
        aggregate_pass(device, events, batch.pane_ms, panes, key_begin, key_count, budget, options.squares, out));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const PaneCell& a, const PaneCell& b) { return a.pane != b.pane ? a.pane < b.pane : a.key < b.key; });
  return out;
}

Result<double> kernel_events_per_second(Device& device, const EventBatch& batch, double seconds,
                                        const AggregateOptions& options) {
  STRATA_RETURN_IF_ERROR(check_batch(batch));
  if (batch.size() == 0) return invalid_argument("analytics: timing an empty batch");
  const uint32_t panes = batch_panes(batch);
  const size_t budget = table_budget(device, options);
  if (size_t(panes) * batch.key_count * sizeof(Cell) > budget) {
    return invalid_argument("analytics: timing a batch whose table does not fit one pass");
  }
  auto launch = upload_pass(device, {batch.offsets, batch.keys, batch.values}, batch.pane_ms, panes, 0,
                            batch.key_count, budget, options.squares);
  if (!launch.is_ok()) return launch.status();
  STRATA_RETURN_IF_ERROR(run_pass(device, *launch));  // warm: pages touched, kernels built
  STRATA_RETURN_IF_ERROR(device.synchronize());
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  uint64_t runs = 0;
  double elapsed = 0;
  do {
    STRATA_RETURN_IF_ERROR(run_pass(device, *launch));
    STRATA_RETURN_IF_ERROR(device.synchronize());
    ++runs;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < seconds);
  return double(runs) * double(batch.size()) / elapsed;
}

}  // namespace strata::analytics
