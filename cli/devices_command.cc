#include <cstdio>

#include "cli/commands.h"
#include "host/device.h"
#include "host/proof/batch_hash.h"
#include "host/render/renderer.h"

namespace strata::cli {

Runner add_devices_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("devices", "List every compute device and why any backend is unavailable");
  auto test = std::make_shared<bool>(false);
  cmd->add_flag("--self-test", *test, "Also run each device's known-answer self-tests (math, RNG, rendering, hashing)");
  return [test] {
    for (const BackendReport& report : enumerate_devices()) {
      if (!report.available()) {
        std::printf("%-7s unavailable: %s\n", backend_name(report.backend), report.unavailable_reason.c_str());
        continue;
      }
      for (const DeviceInfo& d : report.devices) {
        std::printf("%-9s %s%s\n          memory %.1f GiB, %d compute units\n", d.id().c_str(), d.name.c_str(),
                    d.is_gpu ? " [gpu]" : "", d.memory_bytes / 1073741824.0, d.compute_units);
        if (*test) {
          auto dev = open_device(d.id());
          Status s = dev.is_ok() ? self_test(**dev) : dev.status();
          if (s.is_ok()) s = render::render_self_test(**dev);
          if (s.is_ok()) s = proof::proof_self_test(**dev);
          std::printf("          self-test: %s\n", s.is_ok() ? "passed" : s.to_string().c_str());
        }
      }
    }
    return 0;
  };
}

}  // namespace strata::cli
