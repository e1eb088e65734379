// Transfers between the CUDA GPUs of one rig with NCCL point-to-point calls. NCCL is loaded at
// run time (libnccl.so.2), so a node without it still starts and stages through host memory.
// The partial sums are moved, not reduced, by NCCL: its reductions add in an order that depends on
// the topology, and the verifier needs the sum in piece order, bit for bit.
#include "host/backends.h"

#if __has_include(<nccl.h>)
#include <dlfcn.h>
#include <nccl.h>

#include <string>
#include <type_traits>

#include "host/cuda_check.h"

namespace strata::backends {
namespace {

struct NcclApi {
  void* library = nullptr;
  decltype(&::ncclCommInitAll) comm_init_all = nullptr;
  decltype(&::ncclCommDestroy) comm_destroy = nullptr;
  decltype(&::ncclGroupStart) group_start = nullptr;
  decltype(&::ncclGroupEnd) group_end = nullptr;
  decltype(&::ncclSend) send = nullptr;
  decltype(&::ncclRecv) recv = nullptr;
  decltype(&::ncclGetErrorString) error_string = nullptr;
  std::string unavailable;  // why it cannot be used, or empty
};

// Loaded once; never unloaded (communicators may live until exit).
const NcclApi& nccl_api() {
  static const NcclApi api = [] {
    NcclApi a;
    a.library = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!a.library) {
      a.unavailable = "nccl: libnccl.so.2 not found";
      return a;
    }
    auto load = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(a.library, name));
      if (!fn && a.unavailable.empty()) a.unavailable = std::string("nccl: libnccl.so.2 has no ") + name;
    };
    load(a.comm_init_all, "ncclCommInitAll");
    load(a.comm_destroy, "ncclCommDestroy");
    load(a.group_start, "ncclGroupStart");
    load(a.group_end, "ncclGroupEnd");
    load(a.send, "ncclSend");
    load(a.recv, "ncclRecv");
    load(a.error_string, "ncclGetErrorString");
    return a;
  }();
  return api;
}

Status nccl_check(ncclResult_t r, const char* call) {
  if (r == ncclSuccess) return Status::ok();
  return device_error(std::string("nccl: ") + call + " failed: " + nccl_api().error_string(r));
}

class NcclPeers final : public DevicePeers {
 public:
  explicit NcclPeers(std::vector<Device*> devices) : DevicePeers(std::move(devices), "nccl") {}

  ~NcclPeers() override {
    for (ncclComm_t c : comms_) nccl_api().comm_destroy(c);
    for (size_t i = 0; i < streams_.size(); ++i) {
      cudaSetDevice(devices()[i]->info().index);
      cudaStreamDestroy(streams_[i]);
    }
  }

  // One communicator per device, rank i on devices()[i], and a stream for each.
  Status init() {
    std::vector<int> ids;
    for (Device* d : devices()) ids.push_back(d->info().index);
    comms_.resize(ids.size());
    Status s = nccl_check(nccl_api().comm_init_all(comms_.data(), static_cast<int>(ids.size()), ids.data()), "ncclCommInitAll");
    if (!s.is_ok()) {
      comms_.clear();
      return s;
    }
    for (int id : ids) {
      STRATA_RETURN_IF_ERROR(cuda_check(cudaSetDevice(id), "cudaSetDevice"));
      cudaStream_t stream = nullptr;
      STRATA_RETURN_IF_ERROR(cuda_check(cudaStreamCreate(&stream), "cudaStreamCreate"));
      streams_.push_back(stream);
    }
    return Status::ok();
  }

  Status copy_to_first(std::span<const Copy> copies) override {
    STRATA_RETURN_IF_ERROR(check(copies));
    const NcclApi& nccl = nccl_api();
    // One group, so that the sends and receives of every device progress together.
    STRATA_RETURN_IF_ERROR(nccl_check(nccl.group_start(), "ncclGroupStart"));
    Status issued;
    for (const Copy& c : copies) {
      int peer = static_cast<int>(c.from_device);
      issued = nccl_check(nccl.send(cuda_pointer(*c.from), c.from->size(), ncclUint8, 0, comms_[peer], streams_[peer]),
                          "ncclSend");
      if (!issued.is_ok()) break;
      issued = nccl_check(nccl.recv(cuda_pointer(*c.to), c.to->size(), ncclUint8, peer, comms_[0], streams_[0]), "ncclRecv");
      if (!issued.is_ok()) break;
    }
    Status ended = nccl_check(nccl.group_end(), "ncclGroupEnd");
    STRATA_RETURN_IF_ERROR(issued);
    STRATA_RETURN_IF_ERROR(ended);
    for (size_t i = 0; i < streams_.size(); ++i) {
      STRATA_RETURN_IF_ERROR(cuda_check(cudaSetDevice(devices()[i]->info().index), "cudaSetDevice"));
      STRATA_RETURN_IF_ERROR(cuda_check(cudaStreamSynchronize(streams_[i]), "cudaStreamSynchronize"));
    }
    return Status::ok();
  }

 private:
  std::vector<ncclComm_t> comms_;
  std::vector<cudaStream_t> streams_;
};

}  // namespace

Result<std::unique_ptr<DevicePeers>> nccl_peers(const std::vector<Device*>& devices) {
  if (!nccl_api().unavailable.empty()) return unavailable(nccl_api().unavailable);
  for (Device* d : devices) {
    if (d->info().backend != Backend::kCuda) return invalid_argument("nccl: " + d->info().id() + " is not a cuda device");
  }
  auto peers = std::make_unique<NcclPeers>(devices);
  STRATA_RETURN_IF_ERROR(peers->init());
  return std::unique_ptr<DevicePeers>(std::move(peers));
}

}  // namespace strata::backends

#else  // built without NCCL's header

namespace strata::backends {
Result<std::unique_ptr<DevicePeers>> nccl_peers(const std::vector<Device*>&) {
  return unavailable("nccl: this build found no nccl.h");
}
}  // namespace strata::backends

#endif
