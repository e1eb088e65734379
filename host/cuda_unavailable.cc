// The cuda backend when the build found no nvcc: it reports why it is unavailable.
#include "host/backends.h"

namespace strata::backends {

BackendReport cuda_enumerate() {
  BackendReport report;
  report.backend = Backend::kCuda;
  report.unavailable_reason = "this build has no CUDA support (nvcc was not found at build time)";
  return report;
}

Result<std::unique_ptr<Device>> cuda_open(int) { return unavailable("cuda: " + cuda_enumerate().unavailable_reason); }

Result<std::unique_ptr<DevicePeers>> nccl_peers(const std::vector<Device*>&) {
  return unavailable("nccl: " + cuda_enumerate().unavailable_reason);
}

}  // namespace strata::backends
