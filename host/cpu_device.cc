// The cpu backend: the shared kernel source compiled as C++ (kernels/cpu), run over all hardware
// threads. Buffers are host memory.
#include <fstream>
#include <new>
#include <string>

#include "host/backends.h"
#include "host/thread_pool.h"
#include "kernels/cpu/kernels.h"

namespace strata::backends {
namespace {

class CpuBuffer final : public DeviceBuffer {
 public:
  explicit CpuBuffer(size_t size) : DeviceBuffer(size), data_(new (std::nothrow) uint32_t[(size + 3) / 4 + 1]()) {}
  bool ok() const { return data_ != nullptr; }
  uint8_t* data() const { return reinterpret_cast<uint8_t*>(data_.get()); }

 private:
  std::unique_ptr<uint32_t[]> data_;
};

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "host CPU";
}

uint64_t physical_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  while (in >> key >> kib) {
    if (key == "MemTotal:") return kib * 1024;
    in.ignore(256, '\n');
  }
  return 0;
}

class CpuDevice final : public Device {
 public:
  explicit CpuDevice(DeviceInfo info) : info_(std::move(info)) {}
  const DeviceInfo& info() const override { return info_; }

  Result<std::unique_ptr<DeviceBuffer>> allocate(size_t bytes) override {
    auto buffer = std::make_unique<CpuBuffer>(bytes);
    if (!buffer->ok()) {
      return Status(StatusCode::kOutOfMemory, "cpu: cannot allocate " + std::to_string(bytes) + " bytes");
    }
    return std::unique_ptr<DeviceBuffer>(std::move(buffer));
  }

  Status upload(DeviceBuffer& dst, const void* src, size_t bytes, size_t offset) override {
    if (offset + bytes > dst.size()) return invalid_argument("cpu: upload past the end of the buffer");
    if (bytes) std::memcpy(static_cast<CpuBuffer&>(dst).data() + offset, src, bytes);
    return Status::ok();
  }

  Status download(const DeviceBuffer& src, void* dst, size_t bytes, size_t offset) override {
    if (offset + bytes > src.size()) return invalid_argument("cpu: download past the end of the buffer");
    if (bytes) std::memcpy(dst, static_cast<const CpuBuffer&>(src).data() + offset, bytes);
    return Status::ok();
  }

  Status launch(std::string_view kernel, LaunchRange range, std::span<const KernelArg> args) override {
    const cpu_kernels::KernelEntry* entry = cpu_kernels::find_kernel(kernel);
    if (!entry) return not_found("cpu: no kernel named '" + std::string(kernel) + "'");
    if (static_cast<int>(args.size()) != entry->arg_count) {
      return invalid_argument("cpu: kernel '" + std::string(kernel) + "' takes " +
                              std::to_string(entry->arg_count) + " arguments, got " +
                              std::to_string(args.size()));
    }
    std::vector<const void*> values(args.size());
    for (size_t i = 0; i < args.size(); ++i) {
      values[i] = args[i].buffer ? static_cast<const void*>(static_cast<CpuBuffer*>(args[i].buffer)->data())
                                 : static_cast<const void*>(&args[i].scalar);
    }
    const void* const* argv = values.data();
    // One task per row of a 2-D range, or per 64 items of a 1-D range (per item when they are heavy).
    const uint32_t chunk = range.height > 1 ? range.width : range.heavy_items ? 1 : 64;
    const size_t tasks = range.height > 1 ? range.height : (range.width + chunk - 1) / chunk;
    parallel_for(tasks, [&](size_t task) {
      if (range.height > 1) {
        for (uint32_t x = 0; x < range.width; ++x) {
          cpu_kernels::set_work_item(x, static_cast<unsigned>(task));
          entry->entry(argv);
        }
      } else {
        uint32_t begin = static_cast<uint32_t>(task) * chunk;
        uint32_t end = std::min(range.width, begin + chunk);
        for (uint32_t x = begin; x < end; ++x) {
          cpu_kernels::set_work_item(x, 0);
          entry->entry(argv);
        }
      }
    });
    return Status::ok();
  }

  Status synchronize() override { return Status::ok(); }

 private:
  DeviceInfo info_;
};

DeviceInfo cpu_info() {
  DeviceInfo info;
  info.backend = Backend::kCpu;
  info.index = 0;
  info.name = cpu_model_name();
  info.memory_bytes = physical_memory();
  info.compute_units = static_cast<int>(hardware_threads());
  return info;
}

}  // namespace

BackendReport cpu_enumerate() {
  BackendReport report;
  report.backend = Backend::kCpu;
  report.devices.push_back(cpu_info());
  return report;
}

Result<std::unique_ptr<Device>> cpu_open(int index) {
  if (index != 0) return not_found("cpu: there is one cpu device, cpu:0");
  return std::unique_ptr<Device>(std::make_unique<CpuDevice>(cpu_info()));
}

}  // namespace strata::backends
