// Private: the per-backend entry points behind enumerate_devices() and open_device().
#pragma once

#include <memory>

#include "host/device.h"

namespace strata::backends {

BackendReport cpu_enumerate();
Result<std::unique_ptr<Device>> cpu_open(int index);

BackendReport opencl_enumerate();
Result<std::unique_ptr<Device>> opencl_open(int index);

BackendReport cuda_enumerate();
Result<std::unique_ptr<Device>> cuda_open(int index);

}  // namespace strata::backends
