// CUDA entry points: the shared kernel source compiled as CUDA C++.
#include "cuda/compat.h"
#include "common/math.h"
#include "common/rng.h"
#include "common/selftest.h"
#include "render/types.h"
#include "render/intersect.h"
#include "render/shading.h"
#include "render/pathtrace.h"

// The host launches kernels by name through this table (host/cuda_device.cc).
extern "C" const void* strata_cuda_kernel(const char* name) {
  struct Entry {
    const char* name;
    const void* fn;
  };
  static const Entry kEntries[] = {
      {"selftest_math", (const void*)selftest_math},
      {"layout_probe", (const void*)layout_probe},
      {"render_tile", (const void*)render_tile},
  };
  for (const Entry& e : kEntries) {
    const char* a = e.name;
    const char* b = name;
    while (*a && *a == *b) ++a, ++b;
    if (*a == *b) return e.fn;
  }
  return nullptr;
}
