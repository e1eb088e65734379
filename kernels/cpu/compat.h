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
// Alignment of a shared struct whose size is a multiple of 16 (lets GPUs load it 16 bytes at a time).
#define ALIGN16 alignas(16)
#define GLOBAL
// A table at file scope, read-only.
#define CONSTANT static const
#define GLOBAL_ID_X() (strata::cpu_kernels::g_work_item.gx)
#define GLOBAL_ID_Y() (strata::cpu_kernels::g_work_item.gy)

typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;

#define SQRTF(x) std::sqrt((float)(x))
#define FLOORF(x) std::floor((float)(x))
#define FABSF(x) std::fabs((float)(x))
#define ATOMIC_ADD_U32(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)

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
