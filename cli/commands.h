// The subcommands of the strata executable. Each registers its options on the CLI11 app and
// returns the process exit code when run.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace strata::cli {

using Runner = std::function<int()>;

Runner add_devices_command(CLI::App& app);
Runner add_render_command(CLI::App& app);
Runner add_bench_command(CLI::App& app);
Runner add_node_command(CLI::App& app);
Runner add_stream_command(CLI::App& app);

}  // namespace strata::cli
