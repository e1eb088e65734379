// Compatibility layer: the shared kernel source compiled as host C++ (the cpu backend).
// Work-item indices come from thread-local state set by the launcher in host/cpu_device.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace strata::cpu_kernels {
struct WorkItem {
  unsigned int gx, gy;
};
inline thread_local WorkItem g_work_item;
}  // namespace strata::cpu_kernels

#define KERNEL static inline
#define DEVICE_FN static inline
// A small function on a hot path, inlined wherever it is called.
#define INLINE_FN static inline __attribute__((always_inline))
// A large function called from several places: the compiler decides.
#define SHARED_FN static inline
// Alignment of a shared struct whose size is a multiple of 16 (lets GPUs load it 16 bytes at a time).
#define ALIGN16 alignas(16)
#define GLOBAL
// Before a loop of a fixed, small count: unrolled in full.
#define UNROLL _Pragma("GCC unroll 16")
// A table at file scope, read-only.
#define CONSTANT static const
#define GLOBAL_ID_X() (strata::cpu_kernels::g_work_item.gx)
#define GLOBAL_ID_Y() (strata::cpu_kernels::g_work_item.gy)

typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef long long i64;

#define SQRTF(x) std::sqrt((float)(x))
#define FLOORF(x) std::floor((float)(x))
#define FABSF(x) std::fabs((float)(x))
#define ATOMIC_ADD_U32(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
// The high 64 bits of a 64 x 64-bit product.
#define MULHI_U64(a, b) ((u64)(((unsigned __int128)(u64)(a) * (u64)(b)) >> 64))

// SIMD lanes (kernels/proof/modes.h): GCC's vector extensions, which take the operators of
// their element type and a scalar on either side. They pass between inlined functions only, so
// GCC's note on the vector ABI does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
#include "proof/modes.h"
#define LANES32 PROOF_CPU_LANES32
#define LANES64 PROOF_CPU_LANES64
typedef u32 u32x __attribute__((vector_size(4 * LANES32)));
typedef u64 u64x __attribute__((vector_size(8 * LANES64)));
typedef i64 i64x __attribute__((vector_size(8 * LANES64)));
#define LANE(v, i) ((v)[i])
#define LANE_MASK32(c) ((u32x)(c))
#define LANE_MASK64(c) ((u64x)(c))
#define SPLAT32(x) (u32x{} + (u32)(x))
#define SPLAT64(x) (u64x{} + (u64)(x))
#define SPLATI64(x) (i64x{} + (i64)(x))
// A limb that fits in 32 bits, made visibly so: GCC multiplies such vectors with vpmuldq.
typedef int i32x __attribute__((vector_size(4 * LANES64)));
#define NARROW64(x) __builtin_convertvector(__builtin_convertvector((x), i32x), i64x)
#define LANE_MASKI64(c) ((i64x)(c))
static inline u32x LOAD32X(const u32* p) {
  u32x v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline u64x LOAD64X(const u64* p) {
  u64x v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline void STORE32X(u32* p, u32x v) { std::memcpy(p, &v, sizeof v); }
static inline void STORE64X(u64* p, u64x v) { std::memcpy(p, &v, sizeof v); }

static inline float FLOAT_FROM_BITS(u32 b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
static inline u32 BITS_FROM_FLOAT(float f) {
  u32 b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
