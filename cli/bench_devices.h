// What the bench subcommands share: the devices to measure (every device present by default),
// each named on stdout as a comment line.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "host/device.h"

namespace strata::cli {

std::vector<std::unique_ptr<Device>> open_bench_devices(const std::vector<std::string>& ids);

// strata bench proof (cli/bench_proof.cc); its runner does nothing unless it was parsed.
Runner add_bench_proof_command(CLI::App& bench);
// strata bench analytics (cli/bench_analytics.cc), likewise.
Runner add_bench_analytics_command(CLI::App& bench);

}  // namespace strata::cli
