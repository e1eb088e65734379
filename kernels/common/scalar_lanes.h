// One SIMD lane per work item (on GPUs, whose threads are the lanes): the lane types are the
// scalars themselves (kernels/proof/modes.h). Included by the compat headers of the backends that
// use it, after u32, u64 and i64.
#ifndef STRATA_KERNELS_COMMON_SCALAR_LANES_H
#define STRATA_KERNELS_COMMON_SCALAR_LANES_H

#define LANES32 PROOF_GPU_LANES
#define LANES64 PROOF_GPU_LANES
typedef u32 u32x;
typedef u64 u64x;
typedef i64 i64x;
#define LANE(v, i) (v)
#define LANE_MASK32(c) ((c) ? ~(u32)0 : (u32)0)
#define LANE_MASK64(c) ((c) ? ~(u64)0 : (u64)0)
#define LANE_MASKI64(c) ((c) ? (i64)-1 : (i64)0)
#define SPLAT32(x) ((u32x)(x))
#define SPLAT64(x) ((u64x)(x))
#define SPLATI64(x) ((i64x)(x))
#define NARROW64(x) ((i64)(int)(x))
#define LOAD32X(p) (*(p))
#define LOAD64X(p) (*(p))
#define STORE32X(p, v) (*(p) = (v))
#define STORE64X(p, v) (*(p) = (v))

#endif
