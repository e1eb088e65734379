// Private to the cuda backend's files (host/cuda_device.cc, host/nccl_peers.cc): CUDA errors as a
// Status, and the device address behind a cuda DeviceBuffer.
#pragma once

#include <cuda_runtime_api.h>

#include "host/device.h"

namespace strata::backends {

// A failed CUDA call as a Status naming the call and the error (kOutOfMemory for allocations).
Status cuda_check(cudaError_t err, const char* call);

// The device address of a buffer of a cuda device.
void* cuda_pointer(const DeviceBuffer& buffer);

}  // namespace strata::backends
