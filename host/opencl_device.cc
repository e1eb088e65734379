// The opencl backend: the shared kernel source, embedded at build time, built by whatever OpenCL
// runtime the ICD loader finds (NVIDIA, AMD, Intel, or PoCL on CPUs).
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

#include "host/backends.h"
#include "kernels/proof/modes.h"

extern const char strata_opencl_source[];

namespace strata::backends {
namespace {

std::string cl_error_name(cl_int err) {
  switch (err) {
    case CL_DEVICE_NOT_FOUND: return "CL_DEVICE_NOT_FOUND";
    case CL_DEVICE_NOT_AVAILABLE: return "CL_DEVICE_NOT_AVAILABLE";
    case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
    case CL_OUT_OF_RESOURCES: return "CL_OUT_OF_RESOURCES";
    case CL_OUT_OF_HOST_MEMORY: return "CL_OUT_OF_HOST_MEMORY";
    case CL_BUILD_PROGRAM_FAILURE: return "CL_BUILD_PROGRAM_FAILURE";
    case CL_INVALID_VALUE: return "CL_INVALID_VALUE";
    case CL_INVALID_KERNEL_NAME: return "CL_INVALID_KERNEL_NAME";
    case CL_INVALID_ARG_SIZE: return "CL_INVALID_ARG_SIZE";
    case CL_INVALID_KERNEL_ARGS: return "CL_INVALID_KERNEL_ARGS";
    case CL_INVALID_WORK_GROUP_SIZE: return "CL_INVALID_WORK_GROUP_SIZE";
    case CL_INVALID_BUFFER_SIZE: return "CL_INVALID_BUFFER_SIZE";
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR (no OpenCL platform installed)";
    default: return "OpenCL error " + std::to_string(err);
  }
}

// Turns a failed OpenCL call into a Status naming the call and the error.
Status cl_check(cl_int err, const char* call) {
  if (err == CL_SUCCESS) return Status::ok();
  StatusCode code = (err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_RESOURCES ||
                     err == CL_OUT_OF_HOST_MEMORY)
                        ? StatusCode::kOutOfMemory
                        : StatusCode::kDeviceError;
  return Status(code, std::string("opencl: ") + call + " failed: " + cl_error_name(err));
}

struct ClDeviceRef {
  cl_platform_id platform;
  cl_device_id device;
};

// Every device of every platform, in a stable order: their position is the opencl:N index.
Result<std::vector<ClDeviceRef>> list_devices() {
  cl_uint nplatforms = 0;
  cl_int err = clGetPlatformIDs(0, nullptr, &nplatforms);
  if (err == -1001 || (err == CL_SUCCESS && nplatforms == 0)) {
    return unavailable("no OpenCL platform found (install an ICD such as pocl-opencl-icd or a GPU driver)");
  }
  STRATA_RETURN_IF_ERROR(cl_check(err, "clGetPlatformIDs"));
  std::vector<cl_platform_id> platforms(nplatforms);
  STRATA_RETURN_IF_ERROR(cl_check(clGetPlatformIDs(nplatforms, platforms.data(), nullptr), "clGetPlatformIDs"));
  std::vector<ClDeviceRef> out;
  for (cl_platform_id p : platforms) {
    cl_uint ndev = 0;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &ndev) != CL_SUCCESS || ndev == 0) continue;
    std::vector<cl_device_id> devs(ndev);
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, ndev, devs.data(), nullptr) != CL_SUCCESS) continue;
    for (cl_device_id d : devs) out.push_back({p, d});
  }
  if (out.empty()) return unavailable("OpenCL platforms found, but none has a device");
  return out;
}

std::string device_string(cl_device_id d, cl_device_info what) {
  size_t n = 0;
  if (clGetDeviceInfo(d, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return {};
  std::string s(n, '\0');
  clGetDeviceInfo(d, what, n, s.data(), nullptr);
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

DeviceInfo describe(const ClDeviceRef& ref, int index) {
  DeviceInfo info;
  info.backend = Backend::kOpenCL;
  info.index = index;
  size_t n = 0;
  std::string platform(256, '\0');
  clGetPlatformInfo(ref.platform, CL_PLATFORM_NAME, platform.size(), platform.data(), &n);
  platform.resize(n > 0 ? n - 1 : 0);
  info.name = device_string(ref.device, CL_DEVICE_NAME) + " (" + platform + ")";
  cl_ulong mem = 0;
  clGetDeviceInfo(ref.device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, nullptr);
  info.memory_bytes = mem;
  cl_uint cu = 0;
  clGetDeviceInfo(ref.device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, nullptr);
  info.compute_units = static_cast<int>(cu);
  cl_device_type type = 0;
  clGetDeviceInfo(ref.device, CL_DEVICE_TYPE, sizeof type, &type, nullptr);
  info.is_gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
  if (!info.is_gpu) {
    cl_uint words = 0;
    clGetDeviceInfo(ref.device, CL_DEVICE_NATIVE_VECTOR_WIDTH_INT, sizeof words, &words, nullptr);
    // For tests and measurements: the kernels built for another width than the CPU's.
    if (const char* forced = std::getenv("STRATA_OPENCL_CPU_VECTOR_WORDS")) words = static_cast<cl_uint>(std::atoi(forced));
    info.vector_words = words >= PROOF_OPENCL_CPU_LANES32 ? PROOF_OPENCL_CPU_LANES32 : PROOF_OPENCL_CPU_NARROW_LANES32;
  }
  return info;
}

class ClBuffer final : public DeviceBuffer {
 public:
  ClBuffer(size_t size, cl_mem mem) : DeviceBuffer(size), mem_(mem) {}
  ~ClBuffer() override { clReleaseMemObject(mem_); }
  cl_mem mem() const { return mem_; }

 private:
  cl_mem mem_;
};

class ClDevice final : public Device {
 public:
  ~ClDevice() override {
    for (auto& [name, k] : kernels_) clReleaseKernel(k);
    if (program_) clReleaseProgram(program_);
    if (queue_) clReleaseCommandQueue(queue_);
    if (context_) clReleaseContext(context_);
  }

  Status init(const ClDeviceRef& ref, DeviceInfo info) {
    info_ = std::move(info);
    device_ = ref.device;
    cl_int err = CL_SUCCESS;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, reinterpret_cast<cl_context_properties>(ref.platform), 0};
    context_ = clCreateContext(props, 1, &device_, nullptr, nullptr, &err);
    STRATA_RETURN_IF_ERROR(cl_check(err, "clCreateContext"));
    queue_ = clCreateCommandQueue(context_, device_, 0, &err);
    STRATA_RETURN_IF_ERROR(cl_check(err, "clCreateCommandQueue"));
    const char* src = strata_opencl_source;
    program_ = clCreateProgramWithSource(context_, 1, &src, nullptr, &err);
    STRATA_RETURN_IF_ERROR(cl_check(err, "clCreateProgramWithSource"));
    // Correctly rounded division and sqrt, no mad or fast-math: results must match the other
    // backends bit for bit.
    // On a CPU device the proof kernels hash several messages per work item in vector lanes.
    // No warnings (-w): PoCL prints them to the process's stderr, hundreds of lines on a CLI
    // user's terminal; a failed build still returns its log below.
    std::string options = "-cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt -w";
    if (!info_.is_gpu) options += " -DSTRATA_OPENCL_CPU=" + std::to_string(info_.vector_words);
    err = clBuildProgram(program_, 1, &device_, options.c_str(), nullptr, nullptr);
    if (err != CL_SUCCESS) {
      size_t n = 0;
      clGetProgramBuildInfo(program_, device_, CL_PROGRAM_BUILD_LOG, 0, nullptr, &n);
      std::string log(n, '\0');
      clGetProgramBuildInfo(program_, device_, CL_PROGRAM_BUILD_LOG, n, log.data(), nullptr);
      return device_error("opencl: building the kernels for " + info_.name + " failed: " + log);
    }
    return Status::ok();
  }

  const DeviceInfo& info() const override { return info_; }

  Result<std::unique_ptr<DeviceBuffer>> allocate(size_t bytes) override {
    cl_int err = CL_SUCCESS;
    cl_mem mem = clCreateBuffer(context_, CL_MEM_READ_WRITE, bytes == 0 ? 4 : bytes, nullptr, &err);
    STRATA_RETURN_IF_ERROR(cl_check(err, "clCreateBuffer"));
    return std::unique_ptr<DeviceBuffer>(std::make_unique<ClBuffer>(bytes, mem));
  }

  Status upload(DeviceBuffer& dst, const void* src, size_t bytes, size_t offset) override {
    if (offset + bytes > dst.size()) return invalid_argument("opencl: upload past the end of the buffer");
    if (bytes == 0) return Status::ok();
    return cl_check(clEnqueueWriteBuffer(queue_, static_cast<ClBuffer&>(dst).mem(), CL_TRUE, offset,
                                         bytes, src, 0, nullptr, nullptr),
                    "clEnqueueWriteBuffer");
  }

  Status download(const DeviceBuffer& src, void* dst, size_t bytes, size_t offset) override {
    if (offset + bytes > src.size()) return invalid_argument("opencl: download past the end of the buffer");
    if (bytes == 0) return Status::ok();
    return cl_check(clEnqueueReadBuffer(queue_, static_cast<const ClBuffer&>(src).mem(), CL_TRUE,
                                        offset, bytes, dst, 0, nullptr, nullptr),
                    "clEnqueueReadBuffer");
  }

  Status launch(std::string_view name, LaunchRange range, std::span<const KernelArg> args) override {
    std::lock_guard lock(mutex_);
    auto it = kernels_.find(std::string(name));
    if (it == kernels_.end()) {
      cl_int err = CL_SUCCESS;
      cl_kernel k = clCreateKernel(program_, std::string(name).c_str(), &err);
      if (err == CL_INVALID_KERNEL_NAME) return not_found("opencl: no kernel named '" + std::string(name) + "'");
      STRATA_RETURN_IF_ERROR(cl_check(err, "clCreateKernel"));
      it = kernels_.emplace(std::string(name), k).first;
    }
    cl_kernel k = it->second;
    cl_uint nargs = 0;
    clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof nargs, &nargs, nullptr);
    if (nargs != args.size()) {
      return invalid_argument("opencl: kernel '" + std::string(name) + "' takes " + std::to_string(nargs) +
                              " arguments, got " + std::to_string(args.size()));
    }
    for (cl_uint i = 0; i < args.size(); ++i) {
      cl_int err;
      if (args[i].buffer) {
        cl_mem mem = static_cast<ClBuffer*>(args[i].buffer)->mem();
        err = clSetKernelArg(k, i, sizeof(cl_mem), &mem);
      } else {
        err = clSetKernelArg(k, i, sizeof(uint32_t), &args[i].scalar);
      }
      STRATA_RETURN_IF_ERROR(cl_check(err, "clSetKernelArg"));
    }
    // Ranges are rounded up to whole work groups; kernels ignore items outside their range. On a
    // CPU (PoCL) heavy items go in groups of one: its threads take whole groups, and four groups
    // of 64 would keep one of two cores waiting for the other.
    const size_t line = range.heavy_items && !info_.is_gpu ? 1u : 64u;
    size_t local[2] = {range.height > 1 ? 8u : line, range.height > 1 ? 8u : 1u};
    size_t global[2] = {(range.width + local[0] - 1) / local[0] * local[0],
                        (range.height + local[1] - 1) / local[1] * local[1]};
    return cl_check(clEnqueueNDRangeKernel(queue_, k, range.height > 1 ? 2 : 1, nullptr, global, local,
                                           0, nullptr, nullptr),
                    "clEnqueueNDRangeKernel");
  }

  Status synchronize() override { return cl_check(clFinish(queue_), "clFinish"); }

 private:
  DeviceInfo info_;
  cl_device_id device_ = nullptr;
  cl_context context_ = nullptr;
  cl_command_queue queue_ = nullptr;
  cl_program program_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, cl_kernel> kernels_;
};

// Listing, describing and opening devices one thread at a time: PoCL's queries and builds crash
// when several threads make them at once (three stream nodes opening their verify devices).
std::mutex& runtime_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

BackendReport opencl_enumerate() {
  std::lock_guard lock(runtime_mutex());
  BackendReport report;
  report.backend = Backend::kOpenCL;
  auto devices = list_devices();
  if (!devices.is_ok()) {
    report.unavailable_reason = devices.status().message();
    return report;
  }
  for (size_t i = 0; i < devices->size(); ++i) report.devices.push_back(describe((*devices)[i], static_cast<int>(i)));
  return report;
}

Result<std::unique_ptr<Device>> opencl_open(int index) {
  std::lock_guard lock(runtime_mutex());
  auto devices = list_devices();
  if (!devices.is_ok()) return Status(devices.status().code(), "opencl: " + devices.status().message());
  if (index < 0 || index >= static_cast<int>(devices->size())) {
    return not_found("opencl: no device opencl:" + std::to_string(index) + " (there are " +
                     std::to_string(devices->size()) + ")");
  }
  auto device = std::make_unique<ClDevice>();
  STRATA_RETURN_IF_ERROR(device->init((*devices)[index], describe((*devices)[index], index)));
  return std::unique_ptr<Device>(std::move(device));
}

}  // namespace strata::backends
