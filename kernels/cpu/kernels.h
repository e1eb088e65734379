// The cpu backend's kernel table: the shared kernel source compiled as C++, one entry per
// kernel, called once per work item by the launcher in host/cpu_device.cc.
#pragma once
#include <string_view>

namespace strata::cpu_kernels {

// One pointer per kernel argument: a buffer's host address, or the address of a scalar value.
using Entry = void (*)(const void* const* args);

struct KernelEntry {
  const char* name;
  Entry entry;
  int arg_count;
};

// Null when no kernel has that name.
const KernelEntry* find_kernel(std::string_view name);

// Sets the work-item index that GLOBAL_ID_X/Y return on the calling thread.
void set_work_item(unsigned gx, unsigned gy);

}  // namespace strata::cpu_kernels
