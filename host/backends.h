// Private: the per-backend entry points behind enumerate_devices() and open_device().
#pragma once

#include <memory>

#include "host/device.h"
#include "host/device_peers.h"

namespace strata::backends {

BackendReport cpu_enumerate();
Result<std::unique_ptr<Device>> cpu_open(int index);

BackendReport opencl_enumerate();
Result<std::unique_ptr<Device>> opencl_open(int index);

BackendReport cuda_enumerate();
Result<std::unique_ptr<Device>> cuda_open(int index);
// Transfers between CUDA devices with NCCL, or why that is not possible here.
Result<std::unique_ptr<DevicePeers>> nccl_peers(const std::vector<Device*>& devices);

}  // namespace strata::backends
