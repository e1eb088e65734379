// How many items a proof kernel's work item takes at once on a device (kernels/proof/modes.h):
// SIMD lanes of 32-bit or 64-bit words on CPUs, one per thread on GPUs, whose threads share a
// group of PROOF_GPU_GROUP items.
#pragma once

#include <cstdint>

#include "host/device.h"
#include "kernels/proof/modes.h"

namespace strata::proof {

struct Lanes {
  uint32_t width;     // items side by side in a group
  uint32_t per_item;  // items one work item takes
};

inline Lanes lanes_of(const DeviceInfo& info, bool wide_words) {
  if (info.is_gpu || info.backend == Backend::kCuda) return {PROOF_GPU_GROUP, PROOF_GPU_LANES};
  if (info.backend == Backend::kCpu) {
    uint32_t lanes = wide_words ? PROOF_CPU_LANES64 : PROOF_CPU_LANES32;
    return {lanes, lanes};
  }
  // OpenCL on a CPU: the kernels were built for its vectors (host/opencl_device.cc).
  const bool narrow = info.vector_words == PROOF_OPENCL_CPU_NARROW_LANES32;
  uint32_t lanes = narrow ? (wide_words ? PROOF_OPENCL_CPU_NARROW_LANES64 : PROOF_OPENCL_CPU_NARROW_LANES32)
                          : (wide_words ? PROOF_OPENCL_CPU_LANES64 : PROOF_OPENCL_CPU_LANES32);
  return {lanes, lanes};
}

}  // namespace strata::proof
