#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"strata: a decentralized GPU compute and verification cluster"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, strata::cli::Runner>> commands;
  auto add = [&](auto fn) {
    size_t before = app.get_subcommands({}).size();
    auto runner = fn(app);
    commands.emplace_back(app.get_subcommands({})[before], runner);
  };
  add(strata::cli::add_devices_command);
  add(strata::cli::add_render_command);
  add(strata::cli::add_bench_command);
  add(strata::cli::add_node_command);
  add(strata::cli::add_stream_command);
  add(strata::cli::add_submit_command);
  add(strata::cli::add_jobs_command);
  add(strata::cli::add_cancel_command);
  add(strata::cli::add_receipts_command);
  add(strata::cli::add_proof_command);
  add(strata::cli::add_analytics_command);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, run] : commands) {
    if (sub->parsed()) return run();
  }
  return 1;
}
