// Compatibility layer: the shared kernel source compiled as CUDA C++.
// Built with --fmad=false, -prec-div=true, -prec-sqrt=true and without --use_fast_math.
#pragma once

#define KERNEL extern "C" __global__
#define DEVICE_FN static __device__ __forceinline__
// A small function on a hot path, inlined wherever it is called.
#define INLINE_FN static __device__ __forceinline__
// A large function called from several places, compiled once (inlining all of Ed25519's point
// arithmetic makes nvcc's optimizer run out of stack).
#define SHARED_FN static __device__ __noinline__
// Alignment of a shared struct whose size is a multiple of 16 (lets GPUs load it 16 bytes at a time).
#define ALIGN16 __align__(16)
#define GLOBAL
// Before a loop of a fixed, small count: unrolled in full.
#define UNROLL _Pragma("unroll")
// A table at file scope, read-only.
#define CONSTANT static __constant__ const
#define GLOBAL_ID_X() ((u32)(blockIdx.x * blockDim.x + threadIdx.x))
#define GLOBAL_ID_Y() ((u32)(blockIdx.y * blockDim.y + threadIdx.y))

typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef long long i64;

#define SQRTF(x) __fsqrt_rn((float)(x))
#define FLOORF(x) floorf((float)(x))
#define FABSF(x) fabsf((float)(x))
#define ATOMIC_ADD_U32(p, v) atomicAdd((p), (v))
// The high 64 bits of a 64 x 64-bit product.
#define MULHI_U64(a, b) __umul64hi((u64)(a), (u64)(b))
#define FLOAT_FROM_BITS(b) __uint_as_float((u32)(b))
#define BITS_FROM_FLOAT(f) __float_as_uint((float)(f))

// SIMD lanes (kernels/proof/modes.h): one per thread; a warp's threads are the lanes.
#include "proof/modes.h"
#include "common/scalar_lanes.h"
