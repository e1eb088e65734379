// The cuda backend: the shared kernel source compiled by nvcc (kernels/cuda/kernels.cu) for
// sm_80 and sm_90 plus PTX, launched through the CUDA runtime.
// Each host thread gets its own default stream, so the provider's workers on one GPU (slots) run
// their copies and kernels side by side instead of one after another on the legacy stream.
#define CUDA_API_PER_THREAD_DEFAULT_STREAM 1
#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <string>

#include "host/backends.h"
#include "host/cuda_check.h"

extern "C" const void* strata_cuda_kernel(const char* name, int* arg_count);

namespace strata::backends {

Status cuda_check(cudaError_t err, const char* call) {
  if (err == cudaSuccess) return Status::ok();
  StatusCode code = err == cudaErrorMemoryAllocation ? StatusCode::kOutOfMemory : StatusCode::kDeviceError;
  return Status(code, std::string("cuda: ") + call + " failed: " + cudaGetErrorName(err) + " (" +
                          cudaGetErrorString(err) + ")");
}

namespace {

class CudaBuffer final : public DeviceBuffer {
 public:
  CudaBuffer(size_t size, void* ptr) : DeviceBuffer(size), ptr_(ptr) {}
  ~CudaBuffer() override { cudaFree(ptr_); }
  void* const* address() const { return &ptr_; }
  void* ptr() const { return ptr_; }

 private:
  void* ptr_;
};

class CudaDevice final : public Device {
 public:
  explicit CudaDevice(DeviceInfo info) : info_(std::move(info)) {}
  const DeviceInfo& info() const override { return info_; }

  Result<std::unique_ptr<DeviceBuffer>> allocate(size_t bytes) override {
    STRATA_RETURN_IF_ERROR(select());
    void* ptr = nullptr;
    STRATA_RETURN_IF_ERROR(cuda_check(cudaMalloc(&ptr, bytes == 0 ? 4 : bytes), "cudaMalloc"));
    return std::unique_ptr<DeviceBuffer>(std::make_unique<CudaBuffer>(bytes, ptr));
  }

  Status upload(DeviceBuffer& dst, const void* src, size_t bytes, size_t offset) override {
    if (offset + bytes > dst.size()) return invalid_argument("cuda: upload past the end of the buffer");
    if (bytes == 0) return Status::ok();
    STRATA_RETURN_IF_ERROR(select());
    auto* base = static_cast<char*>(static_cast<CudaBuffer&>(dst).ptr());
    return cuda_check(cudaMemcpy(base + offset, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy (upload)");
  }

  Status download(const DeviceBuffer& src, void* dst, size_t bytes, size_t offset) override {
    if (offset + bytes > src.size()) return invalid_argument("cuda: download past the end of the buffer");
    if (bytes == 0) return Status::ok();
    STRATA_RETURN_IF_ERROR(select());
    auto* base = static_cast<const char*>(static_cast<const CudaBuffer&>(src).ptr());
    return cuda_check(cudaMemcpy(dst, base + offset, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy (download)");
  }

  Status launch(std::string_view name, LaunchRange range, std::span<const KernelArg> args) override {
    int arg_count = 0;
    const void* fn = strata_cuda_kernel(std::string(name).c_str(), &arg_count);
    if (!fn) return not_found("cuda: no kernel named '" + std::string(name) + "'");
    if (arg_count != static_cast<int>(args.size())) {
      return invalid_argument("cuda: kernel '" + std::string(name) + "' takes " + std::to_string(arg_count) +
                              " arguments, got " + std::to_string(args.size()));
    }
    STRATA_RETURN_IF_ERROR(select());
    std::vector<void*> values(args.size());
    for (size_t i = 0; i < args.size(); ++i) {
      values[i] = args[i].buffer ? static_cast<void*>(const_cast<void**>(static_cast<CudaBuffer*>(args[i].buffer)->address()))
                                 : static_cast<void*>(const_cast<uint32_t*>(&args[i].scalar));
    }
    dim3 block = range.height > 1 ? dim3(8, 8) : dim3(128);
    dim3 grid((range.width + block.x - 1) / block.x, (range.height + block.y - 1) / block.y);
    return cuda_check(cudaLaunchKernel(fn, grid, block, values.data(), 0, nullptr), "cudaLaunchKernel");
  }

  Status synchronize() override {
    STRATA_RETURN_IF_ERROR(select());
    // This thread's stream only: another thread's kernels on the same device are not waited for.
    return cuda_check(cudaStreamSynchronize(cudaStreamPerThread), "cudaStreamSynchronize");
  }

 private:
  Status select() { return cuda_check(cudaSetDevice(info_.index), "cudaSetDevice"); }
  DeviceInfo info_;
};

bool driver_library_present() {
  void* handle = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (handle) dlclose(handle);
  return handle != nullptr;
}

Result<std::vector<DeviceInfo>> list_devices() {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    // Without a driver the runtime says the driver is "insufficient"; name the real cause.
    if ((err == cudaErrorInsufficientDriver || err == cudaErrorNoDevice) && !driver_library_present()) {
      return unavailable("no NVIDIA driver installed (libcuda.so.1 not found)");
    }
    return unavailable(std::string(cudaGetErrorString(err)) + " (" + cudaGetErrorName(err) + ")");
  }
  if (count == 0) return unavailable("no CUDA device found");
  std::vector<DeviceInfo> out;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    STRATA_RETURN_IF_ERROR(cuda_check(cudaGetDeviceProperties(&prop, i), "cudaGetDeviceProperties"));
    DeviceInfo info;
    info.backend = Backend::kCuda;
    info.index = i;
    info.name = std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ")";
    info.memory_bytes = prop.totalGlobalMem;
    info.compute_units = prop.multiProcessorCount;
    info.is_gpu = true;
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

void* cuda_pointer(const DeviceBuffer& buffer) { return static_cast<const CudaBuffer&>(buffer).ptr(); }

BackendReport cuda_enumerate() {
  BackendReport report;
  report.backend = Backend::kCuda;
  auto devices = list_devices();
  if (!devices.is_ok()) {
    report.unavailable_reason = devices.status().message();
  } else {
    report.devices = std::move(devices.value());
  }
  return report;
}

Result<std::unique_ptr<Device>> cuda_open(int index) {
  auto devices = list_devices();
  if (!devices.is_ok()) return Status(devices.status().code(), "cuda: " + devices.status().message());
  if (index < 0 || index >= static_cast<int>(devices->size())) {
    return not_found("cuda: no device cuda:" + std::to_string(index));
  }
  return std::unique_ptr<Device>(std::make_unique<CudaDevice>((*devices)[index]));
}

}  // namespace strata::backends
