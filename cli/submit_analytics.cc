// strata submit analytics FILE: a windowed query over a file of JSON events through a node's API.
// The file is uploaded as one blob; the node's requestor classifies its events and places their
// batches on providers through the market; the job's output (the same windows strata analytics
// run gives here) is written as JSON lines.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/job_client.h"
#include "network/blob_store.h"

namespace strata::cli {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kMaxEventsFileBytes = uint64_t(1) << 30;

Result<std::string> upload_events(const ApiOptions& api, const std::string& file) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) return not_found("cannot read " + file + ": " + ec.message());
  if (size > kMaxEventsFileBytes) return invalid_argument(file + ": over 1 GiB of events (split it)");
  std::ifstream in(file, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return io_error("cannot read " + file);
  auto stored = api_call(api, "POST", "/api/v1/blobs", bytes);
  if (!stored.is_ok()) return Status(stored.status().code(), "uploading the events: " + stored.status().message());
  std::fprintf(stderr, "uploaded %s, %llu bytes\n", file.c_str(), static_cast<unsigned long long>(size));
  return stored->value("id", "");
}

}  // namespace

int run_submit_analytics(const SubmitOptions& o) {
  const char* cmd = "submit";
  if (o.args.size() != 1) return fail(cmd, "analytics takes one file of JSON events");
  auto query = analytics::query_from_flags(o.query);
  if (!query.is_ok()) return fail(cmd, query.status().message());
  const std::string output = o.output.empty() ? "strata-job.jsonl" : o.output;
  const auto start = Clock::now();
  auto blob = upload_events(o.api, o.args[0]);
  if (!blob.is_ok()) return fail(cmd, blob.status().message());
  json body{{"family", "analytics"}, {"query", analytics::query_to_json(*query)}, {"events", *blob},
            {"max_price", o.max_price}, {"redundancy", o.redundancy}};
  auto job = submit_job(o, body);
  if (!job.is_ok()) return fail(cmd, job.status().message());
  const std::string id = job->value("id", "");
  std::printf("job %s: %s over %s in %llu subtasks over %llu provider(s)\n", id.c_str(),
              query->window.to_string().c_str(), o.args[0].c_str(),
              static_cast<unsigned long long>((*job)["subtasks"].value("total", 0)),
              static_cast<unsigned long long>(job->value("providers", 0)));
  std::fflush(stdout);
  if (o.detach) return 0;
  if (Status done = follow_to_the_end(o, id); !done.is_ok()) return fail(cmd, done.message());
  auto lines = fetch_result(o.api, id, "output");
  if (!lines.is_ok()) return fail(cmd, lines.status().message());
  std::FILE* out = std::fopen(output.c_str(), "wb");
  if (!out) return fail(cmd, "cannot write " + output);
  std::fwrite(lines->data(), 1, lines->size(), out);
  if (std::fclose(out) != 0) return fail(cmd, "cannot write " + output);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("output: %s (job %s, %.2f s)\n", std::filesystem::absolute(output).lexically_normal().c_str(), id.c_str(),
              seconds);
  return 0;
}

}  // namespace strata::cli
