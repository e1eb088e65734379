// The subcommands of the strata executable. Each registers its options on the CLI11 app and
// returns the process exit code when run.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace strata::cli {

using Runner = std::function<int()>;

Runner add_devices_command(CLI::App& app);
Runner add_render_command(CLI::App& app);
Runner add_bench_command(CLI::App& app);
Runner add_node_command(CLI::App& app);
Runner add_stream_command(CLI::App& app);
Runner add_submit_command(CLI::App& app);
Runner add_jobs_command(CLI::App& app);
Runner add_cancel_command(CLI::App& app);
Runner add_receipts_command(CLI::App& app);
Runner add_proof_command(CLI::App& app);
Runner add_analytics_command(CLI::App& app);

// "WIDTHxHEIGHT", each from 1 to 16384.
bool parse_size(const std::string& text, uint32_t& width, uint32_t& height);

}  // namespace strata::cli
