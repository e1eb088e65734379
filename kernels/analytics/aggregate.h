// Windowed group-by aggregation of a batch of events (the analytics family). A batch is columnar:
// per event its time as an offset in milliseconds from the batch's base (a multiple of the pane),
// its key as a dense id, and its value as a fixed-point integer. Each event is added to the cell
// of its (pane, key): a pane is a slide-long slice of event time, and a sliding window is the
// merge of its panes, so every event is added once whatever the window.
//
// Every aggregate is an exact integer (count, a 128-bit sum, min, max, a 192-bit sum of squares),
// so cells merge in any order to the same bits: parts of a batch, batches, devices and providers
// all add up to what one pass over everything gives, on every backend.
//
// The host shares this header (host/analytics/kernel_types.h) for the layout and the merge.
#ifndef STRATA_KERNELS_ANALYTICS_AGGREGATE_H
#define STRATA_KERNELS_ANALYTICS_AGGREGATE_H

// AnalyticsParams.flags
#define ANALYTICS_SQUARES 1u   // keep the sum of squares (for the variance)
#define ANALYTICS_UNIT_PANE 2u // panes of 1 ms: the pane is the offset itself

typedef struct ALIGN16 {
  u64 count;
  u64 sum_lo, sum_hi;  // the sum of the values, a 128-bit two's-complement integer
  i64 min, max;
  u64 squares[3];      // the sum of their squares, a 192-bit integer, low word first
} AnalyticsCell;       // 64 bytes: one cache line per update

typedef struct ALIGN16 {
  // floor(2^64 / pane_ms) + 1: the high word of offset * pane_magic is offset / pane_ms, exactly,
  // for every offset below 2^32 (pane_ms >= 2; 1 ms panes set ANALYTICS_UNIT_PANE).
  u64 pane_magic;
  u32 events;
  u32 parts;            // partial tables: part p takes events [p * events_per_part, ...)
  u32 events_per_part;
  u32 panes;            // rows of a table: pane p holds offsets [p * pane_ms, (p + 1) * pane_ms)
  u32 key_begin;        // this pass takes the key ids [key_begin, key_begin + keys)
  u32 keys;             // columns of a table
  u32 flags;
  u32 pad[3];
} AnalyticsParams;      // 48 bytes

// The identity of the merge: an empty cell.
INLINE_FN void analytics_clear_cell(GLOBAL AnalyticsCell* c) {
  c->count = 0;
  c->sum_lo = 0;
  c->sum_hi = 0;
  c->min = (i64)0x7fffffffffffffffull;
  c->max = -(i64)0x7fffffffffffffffull - 1;
  c->squares[0] = 0;
  c->squares[1] = 0;
  c->squares[2] = 0;
}

// s += hi:lo, with s a 192-bit integer.
INLINE_FN void analytics_add_128_to_192(GLOBAL u64* s, u64 lo, u64 hi) {
  const u64 a = s[0] + lo;
  const u64 carry = a < lo ? (u64)1 : (u64)0;
  const u64 b = s[1] + hi;
  u64 carry2 = b < hi ? (u64)1 : (u64)0;
  const u64 b2 = b + carry;
  carry2 += b2 < carry ? (u64)1 : (u64)0;
  s[0] = a;
  s[1] = b2;
  s[2] += carry2;
}

INLINE_FN void analytics_add_event(GLOBAL AnalyticsCell* c, i64 value, u32 flags) {
  const u64 u = (u64)value;
  const u64 lo = c->sum_lo + u;
  // The carry out of the low word, and the sign's extension into the high one (all ones).
  c->sum_hi += (lo < u ? (u64)1 : (u64)0) - (value < 0 ? (u64)1 : (u64)0);
  c->sum_lo = lo;
  c->count += 1;
  c->min = value < c->min ? value : c->min;
  c->max = value > c->max ? value : c->max;
  if (flags & ANALYTICS_SQUARES) {
    const u64 m = value < 0 ? (u64)0 - u : u;  // |value|, 2^63 for the most negative
    analytics_add_128_to_192(c->squares, m * m, MULHI_U64(m, m));
  }
}

INLINE_FN void analytics_merge_cell(GLOBAL AnalyticsCell* into, const GLOBAL AnalyticsCell* from) {
  into->count += from->count;
  const u64 lo = into->sum_lo + from->sum_lo;
  into->sum_hi += from->sum_hi + (lo < from->sum_lo ? (u64)1 : (u64)0);
  into->sum_lo = lo;
  into->min = from->min < into->min ? from->min : into->min;
  into->max = from->max > into->max ? from->max : into->max;
  analytics_add_128_to_192(into->squares, from->squares[0], from->squares[1]);
  into->squares[2] += from->squares[2];
}

// One work item per cell of `cells`.
KERNEL void analytics_clear(GLOBAL AnalyticsCell* table, u32 cells) {
  const u32 i = GLOBAL_ID_X();
  if (i < cells) analytics_clear_cell(table + i);
}

// One work item per part: its events into its own table of panes x keys cells (tables[part]).
// Events outside the table (another pass's keys; offsets past its panes) are left for others.
KERNEL void analytics_aggregate(const GLOBAL u32* offsets, const GLOBAL u32* keys, const GLOBAL i64* values,
                                const GLOBAL AnalyticsParams* params, GLOBAL AnalyticsCell* tables) {
  const u32 part = GLOBAL_ID_X();
  const u64 magic = params->pane_magic;
  const u32 events = params->events, per_part = params->events_per_part, panes = params->panes;
  const u32 key_begin = params->key_begin, key_count = params->keys, flags = params->flags;
  if (part >= params->parts || (u64)part * per_part >= events) return;
  GLOBAL AnalyticsCell* table = tables + (u64)part * panes * key_count;
  const u32 begin = part * per_part;
  const u32 end = events - begin < per_part ? events : begin + per_part;
  for (u32 i = begin; i < end; ++i) {
    const u32 key = keys[i] - key_begin;  // ids below the pass wrap to large numbers
    const u32 offset = offsets[i];
    const u32 pane = (flags & ANALYTICS_UNIT_PANE) ? offset : (u32)MULHI_U64((u64)offset, magic);
    if (key >= key_count || pane >= panes) continue;
    analytics_add_event(table + (u64)pane * key_count + key, values[i], flags);
  }
}

// One work item per cell: the parts' tables merged into the first.
KERNEL void analytics_merge_parts(GLOBAL AnalyticsCell* tables, u32 parts, u32 cells) {
  const u32 i = GLOBAL_ID_X();
  if (i >= cells) return;
  for (u32 p = 1; p < parts; ++p) analytics_merge_cell(tables + i, tables + (u64)p * cells + i);
}

#endif
