// Shared helpers for the test suites: the devices to run on, scratch files.
#pragma once

#include <memory>
#include <string>
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

// Where the sources, the strata binary and Debian's assimp test models are; each can be moved by
// the environment variable of the same name (for running the suite on another machine).
std::string source_dir();
std::string strata_binary();
std::string assimp_models();

// A fresh directory under the system temp dir, removed at exit.
std::string scratch_dir();
std::string write_file(const std::string& name, const std::string& contents);

}  // namespace strata::tests
