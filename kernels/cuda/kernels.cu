// CUDA entry points: the shared kernel source compiled as CUDA C++.
#include "cuda/compat.h"
#include "common/math.h"
#include "common/rng.h"
#include "common/selftest.h"
#include "common/hashes.h"
#include "proof/hash.h"
#include "proof/ed25519.h"
#include "analytics/aggregate.h"
#include "render/types.h"
#include "render/texture.h"
#include "render/intersect.h"
#include "render/shading.h"
#include "render/pathtrace.h"

// The host launches kernels by name through this table (host/cuda_device.cc): the kernel's
// address and its argument count, or null for an unknown name.
extern "C" const void* strata_cuda_kernel(const char* name, int* arg_count) {
  struct Entry {
    const char* name;
    const void* fn;
    int args;
  };
  static const Entry kEntries[] = {
      {"selftest_math", (const void*)selftest_math, 4},
      {"layout_probe", (const void*)layout_probe, 1},
      {"render_tile", (const void*)render_tile, 11},
      {"render_pixels", (const void*)render_pixels, 13},
      {"accum_add", (const void*)accum_add, 5},
      {"proof_hash_groups", (const void*)proof_hash_groups, 7},
      {"proof_ed25519_verify", (const void*)proof_ed25519_verify, 5},
      {"analytics_clear", (const void*)analytics_clear, 2},
      {"analytics_aggregate", (const void*)analytics_aggregate, 5},
      {"analytics_merge_parts", (const void*)analytics_merge_parts, 3},
  };
  for (const Entry& e : kEntries) {
    const char* a = e.name;
    const char* b = name;
    while (*a && *a == *b) ++a, ++b;
    if (*a == *b) {
      *arg_count = e.args;
      return e.fn;
    }
  }
  return nullptr;
}
