// A minimal parallel-for over the machine's hardware threads, for the cpu backend and host work.
#pragma once

#include <cstddef>
#include <functional>

namespace strata {

unsigned hardware_threads();

// Calls fn(i) for every i in [0, count), spread over `threads` threads (0: all hardware threads);
// returns when all calls are done. Items are handed out one at a time from a shared counter.
void parallel_for(size_t count, const std::function<void(size_t)>& fn, unsigned threads = 0);

}  // namespace strata
