// Compatibility layer: the shared kernel source compiled as OpenCL C 1.2.
// Built with -cl-fp32-correctly-rounded-divide-sqrt and without -cl-mad-enable / fast-math.
#pragma OPENCL FP_CONTRACT OFF

#define KERNEL __kernel
#define DEVICE_FN static inline
// A small function on a hot path, inlined wherever it is called (so that its callers' loops stay
// whole for the compiler's vectorizer).
#define INLINE_FN static inline __attribute__((always_inline))
// A large function called from several places: the compiler decides.
#define SHARED_FN static inline
// Alignment of a shared struct whose size is a multiple of 16 (lets GPUs load it 16 bytes at a time).
#define ALIGN16 __attribute__((aligned(16)))
#define GLOBAL __global
// Before a loop of a fixed, small count: unrolled in full.
#define UNROLL _Pragma("unroll")
// A table at file scope, read-only.
#define CONSTANT __constant
#define GLOBAL_ID_X() ((u32)get_global_id(0))
#define GLOBAL_ID_Y() ((u32)get_global_id(1))

typedef unsigned int u32;
typedef int i32;
typedef unsigned long u64;
typedef long i64;

#define SQRTF(x) sqrt((float)(x))
#define FLOORF(x) floor((float)(x))
#define FABSF(x) fabs((float)(x))
#define ATOMIC_ADD_U32(p, v) atomic_add((p), (v))
// The high 64 bits of a 64 x 64-bit product.
#define MULHI_U64(a, b) mul_hi((ulong)(a), (ulong)(b))
#define FLOAT_FROM_BITS(b) as_float((u32)(b))
#define BITS_FROM_FLOAT(f) as_uint((float)(f))

// SIMD lanes (kernels/proof/modes.h): OpenCL's vector types on a CPU device, where the host
// builds with -DSTRATA_OPENCL_CPU=<its vector width in 32-bit words>, one lane elsewhere.
#include "proof/modes.h"
#ifdef STRATA_OPENCL_CPU
#if STRATA_OPENCL_CPU == PROOF_OPENCL_CPU_NARROW_LANES32
#define LANES32 PROOF_OPENCL_CPU_NARROW_LANES32
#define LANES64 PROOF_OPENCL_CPU_NARROW_LANES64
#else
#define LANES32 PROOF_OPENCL_CPU_LANES32
#define LANES64 PROOF_OPENCL_CPU_LANES64
#endif
// The vector types and built-ins of that width: uint16, vload16, as_ulong8 and so on.
#define STRATA_PASTE_(a, b) a##b
#define STRATA_PASTE(a, b) STRATA_PASTE_(a, b)
typedef STRATA_PASTE(uint, LANES32) u32x;
typedef STRATA_PASTE(ulong, LANES64) u64x;
typedef STRATA_PASTE(long, LANES64) i64x;
#define LANE(v, i) ((v)[i])
#define LANE_MASK32(c) STRATA_PASTE(as_uint, LANES32)(c)
#define LANE_MASK64(c) STRATA_PASTE(as_ulong, LANES64)(c)
#define SPLAT32(x) ((u32x)(x))
#define SPLAT64(x) ((u64x)(x))
#define SPLATI64(x) ((i64x)(x))
#define LANE_MASKI64(c) (c)
#define NARROW64(x) (((x) << 32) >> 32)
#define LOAD32X(p) STRATA_PASTE(vload, LANES32)(0, (p))
#define LOAD64X(p) STRATA_PASTE(vload, LANES64)(0, (p))
#define STORE32X(p, v) STRATA_PASTE(vstore, LANES32)((v), 0, (p))
#define STORE64X(p, v) STRATA_PASTE(vstore, LANES64)((v), 0, (p))
#else
#include "common/scalar_lanes.h"
#endif
