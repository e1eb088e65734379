// Compatibility layer: the shared kernel source compiled as OpenCL C 1.2.
// Built with -cl-fp32-correctly-rounded-divide-sqrt and without -cl-mad-enable / fast-math.
#pragma OPENCL FP_CONTRACT OFF

#define KERNEL __kernel
#define DEVICE_FN static inline
// Alignment of a shared struct whose size is a multiple of 16 (lets GPUs load it 16 bytes at a time).
#define ALIGN16 __attribute__((aligned(16)))
#define GLOBAL __global
// A table at file scope, read-only.
#define CONSTANT __constant
#define GLOBAL_ID_X() ((u32)get_global_id(0))
#define GLOBAL_ID_Y() ((u32)get_global_id(1))

typedef unsigned int u32;
typedef int i32;
typedef unsigned long u64;

#define SQRTF(x) sqrt((float)(x))
#define FLOORF(x) floor((float)(x))
#define FABSF(x) fabs((float)(x))
#define ATOMIC_ADD_U32(p, v) atomic_add((p), (v))
#define FLOAT_FROM_BITS(b) as_float((u32)(b))
#define BITS_FROM_FLOAT(f) as_uint((float)(f))
