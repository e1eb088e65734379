// The proof kernels' numbers that the host passes in or lays its buffers out by
// (host/proof/batch_hash.cc uses them too).
#ifndef STRATA_KERNELS_PROOF_MODES_H
#define STRATA_KERNELS_PROOF_MODES_H

#define PROOF_SHA256 1u
#define PROOF_KECCAK256 2u
#define PROOF_BLAKE2B256 3u
#define PROOF_SHA512 4u  // 64-byte digests, for Ed25519's h

// Messages a work item hashes at once, in SIMD lanes (32-bit and 64-bit words): the cpu backend
// as host C++ vectors the baseline x86-64 build runs well, OpenCL on a CPU in its vectors
// (PoCL: AVX-512-wide, or AVX2-wide where the CPU's are; wider ones there spill registers), a GPU
// one message per thread, its threads being the lanes.
#define PROOF_CPU_LANES32 8
#define PROOF_CPU_LANES64 4
#define PROOF_OPENCL_CPU_LANES32 16
#define PROOF_OPENCL_CPU_LANES64 8
#define PROOF_OPENCL_CPU_NARROW_LANES32 8
#define PROOF_OPENCL_CPU_NARROW_LANES64 4
#define PROOF_GPU_LANES 1
// On a GPU, this many threads share a group of messages, so that their loads coalesce.
#define PROOF_GPU_GROUP 32

#endif
