// The device interface over the three backends (cpu, opencl, cuda): enumerate devices, allocate,
// upload and download buffers, launch a kernel of the shared source over a 1-D or 2-D range,
// synchronize. Every failure comes back as a Status that names the call and the reason.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/status.h"

namespace strata {

enum class Backend { kCpu, kOpenCL, kCuda };
const char* backend_name(Backend backend);

struct DeviceInfo {
  Backend backend = Backend::kCpu;
  int index = 0;  // within its backend
  std::string name;
  uint64_t memory_bytes = 0;
  int compute_units = 0;
  bool is_gpu = false;
  // A CPU's SIMD width in 32-bit words (16 with AVX-512, 8 with AVX2), where the backend builds
  // its kernels for it (OpenCL on a CPU); 0 elsewhere.
  uint32_t vector_words = 0;
  // "cpu:0", "opencl:1", "cuda:0": what --device accepts.
  std::string id() const { return std::string(backend_name(backend)) + ":" + std::to_string(index); }
};

// Memory on a device. Freed when destroyed; must not outlive its Device.
class DeviceBuffer {
 public:
  virtual ~DeviceBuffer() = default;
  size_t size() const { return size_; }

 protected:
  explicit DeviceBuffer(size_t size) : size_(size) {}

 private:
  size_t size_;
};

// One kernel argument: a buffer or a 4-byte scalar.
struct KernelArg {
  DeviceBuffer* buffer = nullptr;
  uint32_t scalar = 0;

  static KernelArg of(DeviceBuffer& b) { return KernelArg{&b, 0}; }
  static KernelArg u32(uint32_t v) { return KernelArg{nullptr, v}; }
  static KernelArg f32(float v) {
    KernelArg a;
    std::memcpy(&a.scalar, &v, sizeof v);
    return a;
  }
};

// The work items of a launch: width x height (height 1 for a 1-D range).
struct LaunchRange {
  uint32_t width = 1;
  uint32_t height = 1;
  // Each item is much work (a long message, several signatures): CPU devices take the items of a
  // 1-D range one at a time, so that a few items still spread over every core; GPUs keep their
  // usual groups.
  bool heavy_items = false;
};

class Device {
 public:
  virtual ~Device() = default;
  virtual const DeviceInfo& info() const = 0;
  // A buffer of `bytes` bytes (at least one word is allocated for 0, so empty arrays can be bound).
  virtual Result<std::unique_ptr<DeviceBuffer>> allocate(size_t bytes) = 0;
  virtual Status upload(DeviceBuffer& dst, const void* src, size_t bytes, size_t offset = 0) = 0;
  virtual Status download(const DeviceBuffer& src, void* dst, size_t bytes, size_t offset = 0) = 0;
  // Runs `kernel` once per work item of `range`; may return before the work is done.
  virtual Status launch(std::string_view kernel, LaunchRange range,
                        std::span<const KernelArg> args) = 0;
  // Waits until every launched kernel has finished, and reports a failure among them.
  virtual Status synchronize() = 0;

  // Allocates a buffer holding a copy of `data`.
  template <typename T>
  Result<std::unique_ptr<DeviceBuffer>> upload_new(std::span<const T> data) {
    auto buffer = allocate(data.size_bytes());
    if (!buffer.is_ok()) return buffer.status();
    Status s = upload(**buffer, data.data(), data.size_bytes());
    if (!s.is_ok()) return s;
    return buffer;
  }
};

// What one backend offers on this machine: its devices, or why it is unavailable.
struct BackendReport {
  Backend backend = Backend::kCpu;
  std::string unavailable_reason;  // empty when the backend is usable
  std::vector<DeviceInfo> devices;
  bool available() const { return unavailable_reason.empty(); }
};

std::vector<BackendReport> enumerate_devices();

// Opens a device by id: "cpu", "cpu:0", "opencl", "opencl:1", "cuda", "cuda:0", or "auto" for the
// best present (a CUDA GPU, then an OpenCL GPU, then the cpu backend).
Result<std::unique_ptr<Device>> open_device(std::string_view spec);

// Checks a device with the known-answer math and RNG kernel: results must match the C library
// within the documented error and the cpu backend bit for bit. Run before a device takes work.
Status self_test(Device& device);

}  // namespace strata
