#include "tests/test_support.h"

#include "compute/frame_checks.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace strata::tests {
namespace {
// Transports in tests check compute's frames as a node's do.
const bool frame_checks_registered = (compute::register_frame_checks(), true);
}  // namespace



bool opencl_required() {
  const char* v = std::getenv("STRATA_REQUIRE_OPENCL");
  return !(v && std::string(v) == "0");
}

bool backend_available(Backend backend) {
  for (const BackendReport& r : enumerate_devices())
    if (r.backend == backend) return r.available();
  return false;
}

bool cuda_present() { return backend_available(Backend::kCuda); }

std::vector<std::string> test_device_ids() {
  std::vector<std::string> ids = {"cpu:0"};
  if (opencl_required() || backend_available(Backend::kOpenCL)) ids.push_back("opencl:0");
  if (cuda_present()) ids.push_back("cuda:0");
  return ids;
}

std::unique_ptr<Device> open_or_die(const std::string& id) {
  auto d = open_device(id);
  if (!d.is_ok()) {
    ADD_FAILURE() << "cannot open " << id << ": " << d.status().to_string();
    return nullptr;
  }
  return std::move(d.value());
}

namespace {
std::string from_env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
}  // namespace

std::string source_dir() { return from_env("STRATA_SOURCE_DIR", STRATA_SOURCE_DIR); }
std::string strata_binary() { return from_env("STRATA_BINARY", STRATA_BINARY); }
std::string assimp_models() { return from_env("STRATA_ASSIMP_MODELS", STRATA_ASSIMP_MODELS); }

namespace {
struct Scratch {
  std::string path;
  Scratch() {
    path = (std::filesystem::temp_directory_path() / ("strata-test-" + std::to_string(getpid()))).string();
    std::filesystem::create_directories(path);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};
}  // namespace

std::string scratch_dir() {
  static Scratch scratch;
  return scratch.path;
}

std::string write_file(const std::string& name, const std::string& contents) {
  std::string path = scratch_dir() + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

}  // namespace strata::tests
