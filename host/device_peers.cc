#include "host/device_peers.h"

#include <algorithm>

#include "host/backends.h"

namespace strata {
namespace {

// Stages each buffer through host memory: a download from its device, an upload to the first.
class HostPeers final : public DevicePeers {
 public:
  HostPeers(std::vector<Device*> devices, std::string method) : DevicePeers(std::move(devices), std::move(method)) {}

  Status copy_to_first(std::span<const Copy> copies) override {
    STRATA_RETURN_IF_ERROR(check(copies));
    std::vector<char> staging;
    for (const Copy& c : copies) {
      staging.resize(c.from->size());
      STRATA_RETURN_IF_ERROR(devices()[c.from_device]->download(*c.from, staging.data(), staging.size()));
      STRATA_RETURN_IF_ERROR(devices()[0]->upload(*c.to, staging.data(), staging.size()));
    }
    return Status::ok();
  }
};

}  // namespace

Status DevicePeers::check(std::span<const Copy> copies) const {
  for (const Copy& c : copies) {
    if (c.from_device == 0 || c.from_device >= devices_.size()) {
      return invalid_argument("device peers: a copy must come from another of the " + std::to_string(devices_.size()) +
                              " devices than the first, not device " + std::to_string(c.from_device));
    }
    if (!c.from || !c.to || c.from->size() != c.to->size()) {
      return invalid_argument("device peers: a copy needs two buffers of the same size");
    }
  }
  return Status::ok();
}

Result<std::unique_ptr<DevicePeers>> DevicePeers::create(std::vector<Device*> devices) {
  if (devices.empty()) return invalid_argument("device peers: no devices");
  bool all_cuda = std::all_of(devices.begin(), devices.end(),
                              [](Device* d) { return d->info().backend == Backend::kCuda; });
  if (devices.size() < 2 || !all_cuda) return std::unique_ptr<DevicePeers>(new HostPeers(std::move(devices), "host"));
  auto nccl = backends::nccl_peers(devices);
  if (nccl.is_ok()) return nccl;
  return std::unique_ptr<DevicePeers>(new HostPeers(std::move(devices), "host (" + nccl.status().message() + ")"));
}

}  // namespace strata
