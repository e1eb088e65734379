// Shared helpers for the test suites: the devices to run on, scratch files.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/device.h"

namespace strata::tests {

// Device ids the backend-comparison tests run on: cpu and opencl always (a missing OpenCL
// platform fails the suite, since CI installs PoCL, unless STRATA_REQUIRE_OPENCL=0, as on a GPU
// machine without an OpenCL driver), cuda where a CUDA device exists.
std::vector<std::string> test_device_ids();
bool opencl_required();
bool cuda_present();

std::unique_ptr<Device> open_or_die(const std::string& id);

// A device that passes every call on to another (the cpu device unless given one): tests override
// the calls they change, and may change `info_`.
class WrappedDevice : public Device {
 public:
  explicit WrappedDevice(std::unique_ptr<Device> inner = open_or_die("cpu"))
      : inner_(std::move(inner)), info_(inner_->info()) {}
  const DeviceInfo& info() const override { return info_; }
  Result<std::unique_ptr<DeviceBuffer>> allocate(size_t bytes) override { return inner_->allocate(bytes); }
  Status upload(DeviceBuffer& dst, const void* src, size_t bytes, size_t offset) override {
    return inner_->upload(dst, src, bytes, offset);
  }
  Status download(const DeviceBuffer& src, void* dst, size_t bytes, size_t offset) override {
    return inner_->download(src, dst, bytes, offset);
  }
  Status launch(std::string_view kernel, LaunchRange range, std::span<const KernelArg> args) override {
    return inner_->launch(kernel, range, args);
  }
  Status synchronize() override { return inner_->synchronize(); }

 protected:
  std::unique_ptr<Device> inner_;
  DeviceInfo info_;
};

// The cpu device, `before_launch` called before each kernel it runs: a test holds it back (a
// provider in its self-tests) or slows one kernel down.
class HookedCpuDevice final : public WrappedDevice {
 public:
  explicit HookedCpuDevice(std::function<void(std::string_view kernel)> before_launch)
      : before_launch_(std::move(before_launch)) {}
  Status launch(std::string_view kernel, LaunchRange range, std::span<const KernelArg> args) override {
    before_launch_(kernel);
    return WrappedDevice::launch(kernel, range, args);
  }

 private:
  std::function<void(std::string_view)> before_launch_;
};

// Where the sources, the strata binary and Debian's assimp test models are; each can be moved by
// the environment variable of the same name (for running the suite on another machine).
std::string source_dir();
std::string strata_binary();
std::string assimp_models();

// A fresh directory under the system temp dir, removed at exit.
std::string scratch_dir();
std::string write_file(const std::string& name, const std::string& contents);

}  // namespace strata::tests
