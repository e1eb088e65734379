// What the job commands share: their options, submitting a job (waiting for providers), following
// its progress until it ends (waiting out a node that goes away) and fetching what it wrote.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/api_call.h"
#include "cli/progress.h"
#include "host/analytics/query.h"

namespace strata::cli {

struct SubmitOptions {
  ApiOptions api;
  std::string kind;
  std::vector<std::string> args;  // render: [scene]; proof: operation, file; analytics: file
  std::string size = "640x480";
  uint32_t spp = 64;
  uint32_t seed = 0;
  uint32_t depth = 8;
  std::string algo = "sha256";
  size_t raw = 0;
  std::vector<uint64_t> prove;
  analytics::QueryFlags query;  // analytics: as strata analytics run takes them
  uint64_t max_price = 1000;
  double redundancy = 0;
  std::string output;  // empty: the kind's default
  double wait = 60;  // seconds to wait for providers, and for a node that went away
  bool detach = false;
};

// "strata COMMAND: WHAT" on stderr; returns 1.
int fail(const char* command, const std::string& what);
// Posts the job; while no provider can serve it, tries again for up to o.wait seconds.
Result<nlohmann::json> submit_job(const SubmitOptions& o, const nlohmann::json& body);
// The job's last progress event ("done", "failed", "cancelled").
Result<nlohmann::json> follow(const SubmitOptions& o, const std::string& job, ProgressBar& bar);
// Follows the job with a progress bar; ok once it is done, else why it is not (failed, cancelled,
// or the node gone for longer than o.wait).
Status follow_to_the_end(const SubmitOptions& o, const std::string& job);
// GET /api/v1/jobs/JOB/WHAT ("output", "image?format=png").
Result<std::string> fetch_result(const ApiOptions& api, const std::string& job, const std::string& what);

int run_submit_proof(const SubmitOptions& o);
int run_submit_analytics(const SubmitOptions& o);

}  // namespace strata::cli
