// Shared helpers for the test suites: the devices to run on, scratch files.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/device.h"

namespace strata::tests {

// Device ids the backend-comparison tests run on: cpu and opencl always (a missing OpenCL
// platform fails the suite: CI installs PoCL), cuda where a CUDA device exists.
std::vector<std::string> test_device_ids();
bool cuda_present();

std::unique_ptr<Device> open_or_die(const std::string& id);

// A fresh directory under the system temp dir, removed at exit.
std::string scratch_dir();
std::string write_file(const std::string& name, const std::string& contents);

}  // namespace strata::tests
