// strata submit proof hash|merkle|verify FILE: the proof family through a node's API. The items are
// read here as `strata proof` reads them (bad lines reported by number and left out), uploaded as
// one batch blob, and computed by providers through the market; the job's output is written as
// the same command run here would print it, line for line.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/job_client.h"
#include "cli/proof_items.h"
#include "compute/proof/messages.h"
#include "host/proof/batch_hash.h"
#include "network/blob_store.h"

namespace strata::cli {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// Uploads the records to compute as one batch; returns its blob id.
Result<std::string> upload_items(const ApiOptions& api, const ProofItems& items) {
  compute::ProofBatch batch;
  batch.fields = static_cast<uint32_t>(items.read.fields);
  for (size_t r : items.records) {
    for (size_t f = 0; f < batch.fields; ++f) batch.values.push_back(items.read.values[r * batch.fields + f]);
  }
  std::vector<uint8_t> bytes = compute::encode(batch);
  auto stored = api_call(api, "POST", "/api/v1/blobs", std::string(bytes.begin(), bytes.end()));
  if (!stored.is_ok()) return Status(stored.status().code(), "uploading the items: " + stored.status().message());
  auto id = network::parse_blob_id(stored->value("id", ""));
  if (!id.is_ok() || *id != network::blob_id_of(bytes)) return internal_error("the node stored the items under another id");
  std::fprintf(stderr, "uploaded %zu items, %zu bytes\n", items.records.size(), bytes.size());
  return stored->value("id", "");
}

// The job's output lines (by job item) as `strata proof` prints them (by input line or item).
Result<std::string> local_form_of(compute::ProofOp op, const ProofInput& in, const ProofItems& items, const std::string& output) {
  std::string out;
  size_t at = 0, n = 0;
  while (at < output.size()) {
    size_t end = output.find('\n', at);
    if (end == std::string::npos) end = output.size();
    json line = json::parse(output.substr(at, end - at), nullptr, false);
    at = end + 1;
    if (!line.is_object()) return internal_error("the job's output has a line that is not JSON");
    json mine;
    if (op == compute::ProofOp::kMerkle && line.contains("root")) {
      mine = merkle_head(line.value("algo", ""), line.value("leaves", size_t(0)), line.value("root", ""));
    } else if (op == compute::ProofOp::kMerkle) {
      size_t leaf = line.value("leaf", size_t(0));
      if (leaf >= items.records.size()) return internal_error("the job's output proves a leaf it does not have");
      mine = leaf_proof_line(in, items.read, items.records[leaf], line.value("leaf_hash", ""), line["path"]);
    } else {
      size_t item = line.value("item", size_t(0));
      if (item >= items.records.size() || item != n) return internal_error("the job's output is not one line per item in order");
      mine = op == compute::ProofOp::kHash ? hash_line(in, items.read, items.records[item], line.value("digest", ""))
                                           : verdict_line(items.read, items.records[item], line.value("valid", false));
    }
    ++n;
    out += mine.dump() + "\n";
  }
  return out;
}

// The same, with a node's output of the wrong shape named rather than thrown.
Result<std::string> local_form(compute::ProofOp op, const ProofInput& in, const ProofItems& items, const std::string& output) {
  try {
    return local_form_of(op, in, items, output);
  } catch (const json::exception& e) {
    return internal_error(std::string("the job's output is not as a proof job writes it: ") + e.what());
  }
}

}  // namespace

int run_submit_proof(const SubmitOptions& o) {
  const char* cmd = "submit";
  if (o.args.size() != 2) return fail(cmd, "proof takes an operation (hash, merkle, verify) and a file of items");
  auto op = compute::parse_proof_op(o.args[0]);
  if (!op.is_ok()) return fail(cmd, op.status().message());
  if (*op != compute::ProofOp::kVerify) {
    auto algo = proof::parse_hash_algo(o.algo);
    if (!algo.is_ok() || *algo == proof::HashAlgo::kSha512) return fail(cmd, "--algo must be sha256, keccak256 or blake2b");
  }
  if (!o.prove.empty() && *op != compute::ProofOp::kMerkle) return fail(cmd, "--prove is for merkle jobs only");
  std::string output = o.output.empty() ? "strata-job.jsonl" : o.output;
  ProofInput in{o.args[1], o.raw, *op == compute::ProofOp::kVerify};
  auto items = read_proof_items(in);
  if (!items.is_ok()) return fail(cmd, items.status().message());
  if (items->records.empty()) return fail(cmd, in.file + ": no item to compute");
  std::vector<uint64_t> prove;
  for (uint64_t i : o.prove) {
    if (i >= items->records.size()) {
      return fail(cmd, "--prove " + std::to_string(i) + ": the tree has " + std::to_string(items->records.size()) +
                           " leaves (numbered from 0)");
    }
    prove.push_back(i);
  }
  auto start = Clock::now();
  auto blob = upload_items(o.api, *items);
  if (!blob.is_ok()) return fail(cmd, blob.status().message());
  json body{{"family", "proof"}, {"op", o.args[0]}, {"items", *blob}, {"max_price", o.max_price}, {"redundancy", o.redundancy}};
  if (*op != compute::ProofOp::kVerify) body["algo"] = o.algo;
  if (!prove.empty()) body["prove"] = prove;
  auto job = submit_job(o, body);
  if (!job.is_ok()) return fail(cmd, job.status().message());
  std::string id = job->value("id", "");
  std::printf("job %s: %s of %zu items in %llu subtasks over %llu provider(s)\n", id.c_str(), o.args[0].c_str(),
              items->records.size(), static_cast<unsigned long long>((*job)["subtasks"].value("total", 0)),
              static_cast<unsigned long long>(job->value("providers", 0)));
  std::fflush(stdout);
  if (o.detach) return 0;
  if (Status done = follow_to_the_end(o, id); !done.is_ok()) return fail(cmd, done.message());
  auto lines = fetch_result(o.api, id, "output");
  if (!lines.is_ok()) return fail(cmd, lines.status().message());
  auto results = local_form(*op, in, *items, *lines);
  if (!results.is_ok()) return fail(cmd, results.status().message());
  std::FILE* out = std::fopen(output.c_str(), "wb");
  if (!out) return fail(cmd, "cannot write " + output);
  write_line_errors(out, items->read);
  std::fwrite(results->data(), 1, results->size(), out);
  if (std::fclose(out) != 0) return fail(cmd, "cannot write " + output);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("output: %s (job %s, %.2f s)\n", std::filesystem::absolute(output).lexically_normal().c_str(), id.c_str(), seconds);
  return items->read.errors.empty() ? 0 : 1;
}

}  // namespace strata::cli
