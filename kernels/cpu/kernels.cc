// cpu backend entry points: the shared kernel source compiled as host C++ (-ffp-contract=off).
#include "cpu/kernels.h"

#include <type_traits>

#include "cpu/compat.h"
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

namespace strata::cpu_kernels {
namespace {

template <typename T>
T arg(const void* const* args, int i) {
  if constexpr (std::is_pointer_v<T>) {
    return static_cast<T>(const_cast<void*>(args[i]));
  } else {
    return *static_cast<const T*>(args[i]);
  }
}

void selftest_math_entry(const void* const* a) {
  selftest_math(arg<const float*>(a, 0), arg<float*>(a, 1), arg<u32*>(a, 2), arg<u32>(a, 3));
}

void render_tile_entry(const void* const* a) {
  render_tile(arg<const BvhNode*>(a, 0), arg<const Tri*>(a, 1), arg<const TriShading*>(a, 2),
              arg<const Material*>(a, 3), arg<const TexInfo*>(a, 4), arg<const u32*>(a, 5),
              arg<const float*>(a, 6), arg<const Light*>(a, 7), arg<const RenderParams*>(a, 8),
              arg<float*>(a, 9), arg<u32*>(a, 10));
}

void render_pixels_entry(const void* const* a) {
  render_pixels(arg<const BvhNode*>(a, 0), arg<const Tri*>(a, 1), arg<const TriShading*>(a, 2),
                arg<const Material*>(a, 3), arg<const TexInfo*>(a, 4), arg<const u32*>(a, 5),
                arg<const float*>(a, 6), arg<const Light*>(a, 7), arg<const RenderParams*>(a, 8),
                arg<const u32*>(a, 9), arg<u32>(a, 10), arg<float*>(a, 11), arg<u32*>(a, 12));
}

void accum_add_entry(const void* const* a) {
  accum_add(arg<float*>(a, 0), arg<const float*>(a, 1), arg<u32*>(a, 2), arg<const u32*>(a, 3), arg<u32>(a, 4));
}

void layout_probe_entry(const void* const* a) { layout_probe(arg<u32*>(a, 0)); }

// The proof kernels are built for AVX2 and AVX-512 too, chosen at load time by what the CPU has:
// their lanes' vectors are the hot loops of the proof family on the cpu backend, and every call
// in them is inlined into each build. (GCC's multiversioning; clang, for the fuzz build, makes
// the baseline only.)
#if defined(__GNUC__) && !defined(__clang__)
#define STRATA_PROOF_ENTRY __attribute__((target_clones("arch=x86-64-v4", "avx2", "default"), flatten))
#else
#define STRATA_PROOF_ENTRY
#endif
STRATA_PROOF_ENTRY void proof_hash_groups_entry(const void* const* a) {
  proof_hash_groups(arg<const u32*>(a, 0), arg<const u32*>(a, 1), arg<const u32*>(a, 2), arg<u32*>(a, 3),
                    arg<u32>(a, 4), arg<u32>(a, 5), arg<u32>(a, 6));
}

STRATA_PROOF_ENTRY void proof_ed25519_verify_entry(const void* const* a) {
  proof_ed25519_verify(arg<const u32*>(a, 0), arg<const u32*>(a, 1), arg<const u32*>(a, 2), arg<u32*>(a, 3),
                       arg<u32>(a, 4));
}

void analytics_clear_entry(const void* const* a) { analytics_clear(arg<AnalyticsCell*>(a, 0), arg<u32>(a, 1)); }

void analytics_aggregate_entry(const void* const* a) {
  analytics_aggregate(arg<const u32*>(a, 0), arg<const u32*>(a, 1), arg<const i64*>(a, 2),
                      arg<const AnalyticsParams*>(a, 3), arg<AnalyticsCell*>(a, 4));
}

void analytics_merge_parts_entry(const void* const* a) {
  analytics_merge_parts(arg<AnalyticsCell*>(a, 0), arg<u32>(a, 1), arg<u32>(a, 2));
}

constexpr KernelEntry kKernels[] = {
    {"layout_probe", layout_probe_entry, 1},
    {"selftest_math", selftest_math_entry, 4},
    {"render_tile", render_tile_entry, 11},
    {"render_pixels", render_pixels_entry, 13},
    {"accum_add", accum_add_entry, 5},
    {"proof_hash_groups", proof_hash_groups_entry, 7},
    {"proof_ed25519_verify", proof_ed25519_verify_entry, 5},
    {"analytics_clear", analytics_clear_entry, 2},
    {"analytics_aggregate", analytics_aggregate_entry, 5},
    {"analytics_merge_parts", analytics_merge_parts_entry, 3},
};

}  // namespace

const KernelEntry* find_kernel(std::string_view name) {
  for (const KernelEntry& k : kKernels) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

void set_work_item(unsigned gx, unsigned gy) { g_work_item = {gx, gy}; }

}  // namespace strata::cpu_kernels
