// The analytics kernels' structs (kernels/analytics/aggregate.h) in namespace strata::akt, with
// their layout pinned down, and the kernels' own cell functions for the host's merges: one piece
// of code adds an event or merges two cells, on every device and on the host.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::akt {
#include "host/kernel_shared_begin.h"
#include "kernels/analytics/aggregate.h"
#include "host/kernel_shared_end.h"

static_assert(sizeof(AnalyticsCell) == 64);
static_assert(sizeof(AnalyticsParams) == 48);
static_assert(offsetof(AnalyticsCell, min) == 24 && offsetof(AnalyticsCell, squares) == 40);
static_assert(offsetof(AnalyticsParams, events) == 8 && offsetof(AnalyticsParams, flags) == 32);
}  // namespace strata::akt
