// The devices of one rig working together on one subtask, and how buffers move between them:
// NCCL point-to-point transfers between CUDA GPUs (found at run time: libnccl.so.2), through host
// memory otherwise.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "host/device.h"

namespace strata {

class DevicePeers {
 public:
  // `devices` must outlive the peers. With two or more CUDA devices and nothing else, the
  // transfers use NCCL when the library loads, and host memory (saying why) when it does not.
  static Result<std::unique_ptr<DevicePeers>> create(std::vector<Device*> devices);
  virtual ~DevicePeers() = default;

  std::span<Device* const> devices() const { return devices_; }

  struct Copy {
    size_t from_device = 0;  // index in devices(); not 0
    const DeviceBuffer* from = nullptr;
    DeviceBuffer* to = nullptr;  // on devices()[0], the same size
  };
  // Copies every `from` buffer to its `to` buffer on the first device and waits for all of them.
  // Work launched on the devices before must have finished (Device::synchronize).
  virtual Status copy_to_first(std::span<const Copy> copies) = 0;

  // "nccl", or "host" with the reason NCCL is not used where it could have been.
  const std::string& method() const { return method_; }

 protected:
  DevicePeers(std::vector<Device*> devices, std::string method)
      : devices_(std::move(devices)), method_(std::move(method)) {}
  Status check(std::span<const Copy> copies) const;

 private:
  std::vector<Device*> devices_;
  std::string method_;
};

}  // namespace strata
