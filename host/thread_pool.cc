#include "host/thread_pool.h"

#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

namespace strata {

unsigned hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

void parallel_for(size_t count, const std::function<void(size_t)>& fn, unsigned threads) {
  if (threads == 0) threads = hardware_threads();
  if (threads > count) threads = static_cast<unsigned>(count);
  if (threads <= 1) {
    for (size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  try {
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  } catch (const std::system_error&) {
    // No more threads to be had (a process at its limit): the ones started and this one do it all.
  }
  work();
  for (auto& t : pool) t.join();
}

}  // namespace strata
