#include "host/device.h"

#include <cmath>
#include <cstdio>

#include "host/backends.h"

namespace strata {

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::kCpu: return "cpu";
    case Backend::kOpenCL: return "opencl";
    case Backend::kCuda: return "cuda";
  }
  return "unknown";
}

std::vector<BackendReport> enumerate_devices() {
  return {backends::cuda_enumerate(), backends::opencl_enumerate(), backends::cpu_enumerate()};
}

Result<std::unique_ptr<Device>> open_device(std::string_view spec) {
  if (spec == "auto" || spec.empty()) {
    for (const BackendReport& report : enumerate_devices()) {
      for (const DeviceInfo& info : report.devices) {
        if (info.is_gpu) {
          auto device = open_device(info.id());
          if (device.is_ok()) return device;
        }
      }
    }
    return backends::cpu_open(0);
  }
  std::string_view name = spec;
  int index = 0;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    name = spec.substr(0, colon);
    std::string_view digits = spec.substr(colon + 1);
    if (digits.empty() || digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return invalid_argument("device '" + std::string(spec) + "': the index after ':' must be a number");
    }
    index = std::stoi(std::string(digits));
  }
  if (name == "cpu") return backends::cpu_open(index);
  if (name == "opencl") return backends::opencl_open(index);
  if (name == "cuda") return backends::cuda_open(index);
  return invalid_argument("device '" + std::string(spec) +
                          "': expected auto, cpu, opencl or cuda, optionally with :INDEX");
}

namespace {

constexpr int kSelfTestOutputs = 9;  // SELFTEST_OUTPUTS in kernels/common/selftest.h

std::vector<float> self_test_inputs() {
  std::vector<float> in;
  for (int i = -40; i <= 40; ++i) in.push_back(static_cast<float>(i) * 0.2513f);
  for (float x : {1e-3f, 0.5f, 1.0f, 2.0f, 3.14159265f, 6.2831853f, 20.0f, 80.0f, -80.0f, 1e-20f, 12345.678f}) in.push_back(x);
  return in;
}

struct SelfTestOutput {
  std::vector<float> values;
  std::vector<uint32_t> rng_bits;
};

Result<SelfTestOutput> run_self_test(Device& device, const std::vector<float>& in) {
  auto in_buf = device.upload_new<float>(in);
  if (!in_buf.is_ok()) return in_buf.status();
  auto out_buf = device.allocate(in.size() * kSelfTestOutputs * sizeof(float));
  if (!out_buf.is_ok()) return out_buf.status();
  auto bits_buf = device.allocate(in.size() * sizeof(uint32_t));
  if (!bits_buf.is_ok()) return bits_buf.status();
  KernelArg args[] = {KernelArg::of(**in_buf), KernelArg::of(**out_buf), KernelArg::of(**bits_buf),
                      KernelArg::u32(static_cast<uint32_t>(in.size()))};
  STRATA_RETURN_IF_ERROR(device.launch("selftest_math", {static_cast<uint32_t>(in.size()), 1}, args));
  STRATA_RETURN_IF_ERROR(device.synchronize());
  SelfTestOutput out;
  out.values.resize(in.size() * kSelfTestOutputs);
  out.rng_bits.resize(in.size());
  STRATA_RETURN_IF_ERROR(device.download(**out_buf, out.values.data(), out.values.size() * sizeof(float)));
  STRATA_RETURN_IF_ERROR(device.download(**bits_buf, out.rng_bits.data(), out.rng_bits.size() * sizeof(uint32_t)));
  return out;
}

bool close_to(float got, double want, double abs_tol, double rel_tol) {
  if (!std::isfinite(want)) return std::isinf(want) ? got == static_cast<float>(want) : std::isnan(got);
  return std::fabs(got - want) <= abs_tol + rel_tol * std::fabs(want);
}

}  // namespace

Status self_test(Device& device) {
  const std::string who = "self-test on " + device.info().id() + " (" + device.info().name + ")";
  const std::vector<float> in = self_test_inputs();
  auto out = run_self_test(device, in);
  if (!out.is_ok()) return Status(out.status().code(), who + ": " + out.status().message());
  const char* names[] = {"sin", "cos", "exp", "log", "pow", "sqrt", "reciprocal", "rng", "x*1.1-0.3"};
  for (size_t i = 0; i < in.size(); ++i) {
    const double x = in[i], ax = std::fabs(x);
    const float* o = &out->values[i * kSelfTestOutputs];
    const double exp_want = x < -87.3 ? 0.0 : (x > 88.7 ? 3.402823466e+38 : std::exp(x));
    struct Check {
      int k;
      bool ok;
    } checks[] = {
        {0, std::fabs(x) > 1000 || close_to(o[0], std::sin(x), 2e-6, 0)},
        {1, std::fabs(x) > 1000 || close_to(o[1], std::cos(x), 2e-6, 0)},
        {2, close_to(o[2], exp_want, 0, 1e-6)},
        {3, close_to(o[3], std::log(ax), 1e-6, 1e-6)},
        {4, close_to(o[4], std::pow(ax, 1.0 / 2.4), 1e-30, 2e-6)},
        {5, o[5] == std::sqrt(static_cast<float>(ax))},
        {6, o[6] == 1.0f / in[i]},
        {7, o[7] == static_cast<float>(out->rng_bits[i] >> 8) * (1.0f / 16777216.0f)},
        {8, o[8] == in[i] * 1.1f - 0.3f},
    };
    for (const Check& c : checks) {
      if (!c.ok) {
        char buf[160];
        std::snprintf(buf, sizeof buf, ": %s(%.9g) = %.9g is wrong", names[c.k], x, o[c.k]);
        return device_error(who + buf);
      }
    }
  }
  if (device.info().backend != Backend::kCpu) {
    auto cpu = backends::cpu_open(0);
    if (!cpu.is_ok()) return cpu.status();
    auto ref = run_self_test(**cpu, in);
    if (!ref.is_ok()) return ref.status();
    for (size_t i = 0; i < ref->values.size(); ++i) {
      if (std::memcmp(&ref->values[i], &out->values[i], sizeof(float)) != 0) {
        char buf[200];
        std::snprintf(buf, sizeof buf, ": %s(%.9g) = %.9g differs from the cpu backend's %.9g",
                      names[i % kSelfTestOutputs], static_cast<double>(in[i / kSelfTestOutputs]),
                      out->values[i], ref->values[i]);
        return device_error(who + buf);
      }
    }
    if (ref->rng_bits != out->rng_bits) return device_error(who + ": rng differs from the cpu backend");
  }
  return Status::ok();
}

}  // namespace strata
