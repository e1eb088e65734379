// The analytics kernels' structs (kernels/analytics/aggregate.h) in namespace strata::akt, with
// their layout pinned down, and the kernels' own cell functions for the host's merges: one piece
// of code adds an event or merges two cells, on every device and on the host.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::akt {
typedef uint32_t u32;
typedef int32_t i32;
typedef uint64_t u64;
typedef int64_t i64;
#define KERNEL [[maybe_unused]] static inline
#define INLINE_FN static inline
#define GLOBAL
#define ALIGN16 alignas(16)
#define GLOBAL_ID_X() 0u
#define MULHI_U64(a, b) ((u64)(((unsigned __int128)(u64)(a) * (u64)(b)) >> 64))
#include "kernels/analytics/aggregate.h"
#undef KERNEL
#undef INLINE_FN
#undef GLOBAL
#undef GLOBAL_ID_X
#undef ALIGN16
#undef MULHI_U64

static_assert(sizeof(AnalyticsCell) == 64);
static_assert(sizeof(AnalyticsParams) == 48);
static_assert(offsetof(AnalyticsCell, min) == 24 && offsetof(AnalyticsCell, squares) == 40);
static_assert(offsetof(AnalyticsParams, events) == 8 && offsetof(AnalyticsParams, flags) == 32);
}  // namespace strata::akt
