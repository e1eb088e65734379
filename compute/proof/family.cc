#include "compute/proof/family.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "compute/spec_fields.h"
#include "host/proof/batch_hash.h"
#include "host/proof/signatures.h"
#include "host/text_codec.h"
#include "network/blob_store.h"
#include "network/transport/identity.h"
#include "verifier/merkle.h"
#include "verifier/proof/proof_check.h"

namespace strata::compute {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string proof_kernel(ProofOp op, const std::string& algo) {
  return op == ProofOp::kVerify ? "proof/ed25519-v1" : "proof/" + algo + "-v1";
}

json proof_spec(ProofOp op, const std::string& algo, const std::string& items, const std::vector<uint64_t>& prove) {
  json spec{{"op", proof_op_name(op)}, {"items", items}};
  if (op != ProofOp::kVerify) spec["algo"] = algo;
  if (!prove.empty()) spec["prove"] = prove;
  return spec;
}

Result<double> measure_ed25519_speed(Device& device, double seconds) {
  std::vector<network::Identity> keys;
  std::vector<std::array<uint8_t, 32>> messages(256);
  std::vector<proof::SignatureClaim> claims(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    std::array<uint8_t, 32> seed{};
    seed[0] = uint8_t(i);
    seed[1] = uint8_t(i >> 8);
    network::Identity id = network::Identity::from_seed(seed);
    messages[i] = seed;
    claims[i].public_key = id.public_key();
    claims[i].signature = id.sign(messages[i]);
    claims[i].message = messages[i];
  }
  auto warm = proof::verify_ed25519(device, claims);  // kernel builds, first touches
  if (!warm.is_ok()) return warm.status();
  uint64_t done = 0;
  auto start = Clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    auto verdicts = proof::verify_ed25519(device, claims);
    if (!verdicts.is_ok()) return verdicts.status();
    done += claims.size();
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return double(done) / elapsed;
}

namespace {

constexpr size_t kMaxProve = 4096;


// The job's items as the device functions take them.
std::vector<proof::Item> items_of(const ProofBatch& batch, size_t first, size_t count) {
  std::vector<proof::Item> out;
  out.reserve(count);
  for (size_t r = first; r < first + count; ++r) out.emplace_back(batch.values[r]);
  return out;
}

// Whether every record of `batch` from `first` is a claim: a 32-byte key and a 64-byte signature.
Status check_claims(const ProofBatch& batch, size_t first, size_t count) {
  for (size_t r = first; r < first + count; ++r) {
    if (Status st = proof::check_claim_record(batch.values, r); !st.is_ok()) {
      return invalid_argument("record " + std::to_string(r) + ": " + st.message());
    }
  }
  return Status::ok();
}

// Record `r` of a checked batch (check_claims) as a claim.
proof::SignatureClaim claim_at(const ProofBatch& batch, size_t r) { return proof::claim_of_record(batch.values, r); }

Result<std::vector<proof::SignatureClaim>> claims_of(const ProofBatch& batch, size_t first, size_t count) {
  STRATA_RETURN_IF_ERROR(check_claims(batch, first, count));
  std::vector<proof::SignatureClaim> out;
  out.reserve(count);
  for (size_t r = first; r < first + count; ++r) out.push_back(claim_at(batch, r));
  return out;
}

// What a result commits to: the RFC 6962 tree (BLAKE2b) over its outputs, one leaf each.
Commitment commitment_of(const ProofResult& r) {
  std::vector<verifier::Digest> leaves;
  leaves.reserve(r.items());
  for (size_t i = 0; i < r.items(); ++i) leaves.push_back(verifier::merkle_leaf_hash(r.output(i)));
  return {verifier::merkle_root(leaves), static_cast<uint32_t>(r.items())};
}

// The operation's outputs for `count` records from `first` of `batch`, on `device`.
Result<std::vector<uint8_t>> compute_outputs(Device& device, ProofOp op, proof::HashAlgo algo, const ProofBatch& batch,
                                            size_t first, size_t count) {
  std::vector<uint8_t> out;
  if (op == ProofOp::kVerify) {
    auto claims = claims_of(batch, first, count);
    if (!claims.is_ok()) return claims.status();
    auto verdicts = proof::verify_ed25519(device, *claims);
    if (!verdicts.is_ok()) return verdicts.status();
    for (bool v : *verdicts) out.push_back(v ? 1 : 0);
    return out;
  }
  std::vector<proof::Item> items = items_of(batch, first, count);
  auto digests = proof::hash_items(device, algo, items, op == ProofOp::kMerkle);
  if (!digests.is_ok()) return digests.status();
  out.reserve(32 * digests->size());
  for (const proof::Digest& d : *digests) out.insert(out.end(), d.begin(), d.end());
  return out;
}

class ProofJob final : public FamilyJob {
 public:
  ProofJob(const ProofFamilyOptions& options, JobContext& context, ProofOp op, std::string algo_name, proof::HashAlgo algo,
           std::string items_id, ProofBatch batch, std::vector<uint64_t> prove)
      : options_(options),
        context_(context),
        op_(op),
        algo_name_(std::move(algo_name)),
        algo_(algo),
        items_id_(std::move(items_id)),
        batch_(std::move(batch)),
        prove_(std::move(prove)),
        outputs_(batch_.records() * proof_output_width(op)) {
    for (const auto& v : batch_.values) input_bytes_ += v.size();
  }

  json spec() const override { return proof_spec(op_, algo_name_, items_id_, prove_); }
  std::string kernel() const override { return proof_kernel(op_, algo_name_); }
  uint64_t min_memory() const override {
    // A task's batch on the device, laid out at most twice over, and its outputs.
    return 2 * std::min(input_bytes_, options_.plan.max_task_bytes) + 64 * uint64_t(batch_.records()) + (1u << 20);
  }

  Result<std::vector<PlannedTask>> plan(const std::string& job_id, const std::vector<ProviderSpeed>& providers) override {
    if (providers.empty()) return invalid_argument("a plan needs at least one provider");
    const ProofPlanOptions& o = options_.plan;
    double slowest = providers[0].speed;
    for (const ProviderSpeed& p : providers) slowest = std::min(slowest, p.speed);
    size_t n = batch_.records();
    std::vector<uint64_t> work(n);
    uint64_t total = 0;
    for (size_t r = 0; r < n; ++r) total += work[r] = proof_record_work(op_, algo_name_, batch_, r);
    // About the target time on the slowest, yet enough tasks for every provider, within bounds.
    double per_task = std::max(1.0, slowest * o.target_seconds);
    per_task = std::min(per_task, double(total) / double(providers.size() * std::max<uint32_t>(o.min_tasks_per_provider, 1)));
    per_task = std::max({per_task, double(o.min_task_work), double(total) / double(std::max<uint32_t>(o.max_tasks, 1))});
    std::vector<PlannedTask> tasks;
    for (size_t first = 0; first < n;) {
      size_t end = first;
      uint64_t w = 0, bytes = 0;
      while (end < n && (end == first || (double(w + work[end]) <= per_task && bytes + record_bytes(end) <= o.max_task_bytes &&
                                          end - first < kMaxProofBatchItems))) {
        w += work[end];
        bytes += record_bytes(end);
        ++end;
      }
      auto task = cut(job_id, static_cast<uint32_t>(tasks.size()), first, end - first, w);
      if (!task.is_ok()) return task.status();
      tasks.push_back(std::move(*task));
      first = end;
    }
    return tasks;
  }

  Result<PlannedTask> twin(const PlannedTask& task, uint32_t index) override {
    auto t = decode_proof_task(task.bytes);
    if (!t.is_ok()) return t.status();
    t->subtask = index;
    return planned_task(index, encode(*t), task.work);
  }

  uint64_t max_result_bytes(const PlannedTask& task) const override {
    auto t = decode_proof_task(task.bytes);
    return t.is_ok() ? uint64_t(t->items) * proof_output_width(t->op) + 8192 : 0;
  }

  Status check(const PlannedTask& task, std::span<const uint8_t> result, const Commitment& announced) override {
    auto t = decode_proof_task(task.bytes);
    if (!t.is_ok()) return internal_error("a stored task does not decode: " + t.status().message());
    auto r = decode_proof_result(result);
    if (!r.is_ok()) return r.status();
    if (!answers(*t, *r)) return invalid_argument("the result does not match the task it was announced for");
    Commitment own = commitment_of(*r);
    if (own.merkle_root != announced.merkle_root || own.chunks != announced.chunks) {
      return invalid_argument("the result does not match the Merkle root its provider announced");
    }
    return Status::ok();
  }

  Result<verifier::Verdict> verify(Device& device, const PlannedTask& task, std::span<const uint8_t> result,
                                   uint64_t seed) override {
    auto t = decode_proof_task(task.bytes);
    if (!t.is_ok()) return t.status();
    auto r = decode_proof_result(result);
    if (!r.is_ok()) return verifier::Verdict{false, r.status().message(), 0};
    if (!answers(*t, *r) || t->first + t->items > batch_.records()) {
      return verifier::Verdict{false, "the result is for another task than the one it answers", 0};
    }
    uint64_t count = verifier::samples_to_check(options_.catch_target, t->items);
    if (op_ == ProofOp::kVerify) {
      STRATA_RETURN_IF_ERROR(check_claims(batch_, t->first, t->items));
      size_t first = t->first;
      return verifier::spot_check_signatures(device, [&](size_t i) { return claim_at(batch_, first + i); }, r->outputs,
                                             count, seed);
    }
    std::vector<proof::Item> items = items_of(batch_, t->first, t->items);
    return verifier::spot_check_digests(device, algo_, op_ == ProofOp::kMerkle, items, r->outputs, count, seed);
  }

  bool same(std::span<const uint8_t> a, std::span<const uint8_t> b) const override {
    auto ra = decode_proof_result(a);
    auto rb = decode_proof_result(b);
    return ra.is_ok() && rb.is_ok() && ra->op == rb->op && ra->outputs == rb->outputs;
  }

  Status accumulate(const PlannedTask& task, std::span<const uint8_t> result) override {
    auto t = decode_proof_task(task.bytes);
    if (!t.is_ok()) return t.status();
    auto r = decode_proof_result(result);
    if (!r.is_ok()) return r.status();
    size_t w = proof_output_width(op_);
    // A twin's result stands in for its original's: the same work, another subtask index.
    if (!answers_work(*t, *r) || (t->first + t->items) * w > outputs_.size()) {
      return internal_error("an accepted result does not fit its task");
    }
    std::copy(r->outputs.begin(), r->outputs.end(), outputs_.begin() + static_cast<std::ptrdiff_t>(t->first * w));
    return Status::ok();
  }

  Result<json> finish(const std::string& job_id, Device& device) override {
    std::error_code ec;
    std::filesystem::create_directories(context_.output_dir, ec);
    std::string path = context_.output_dir + "/" + job_id + ".jsonl";
    std::string tmp = path + ".part";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return unavailable("cannot write " + tmp);
    json summary{{"output", path}, {"results", batch_.records()}};
    size_t n = batch_.records();
    if (op_ == ProofOp::kMerkle) {
      std::vector<proof::Digest> leaves(n);
      for (size_t i = 0; i < n; ++i) std::copy_n(outputs_.begin() + static_cast<std::ptrdiff_t>(32 * i), 32, leaves[i].begin());
      auto tree = proof::merkle_tree_of_leaves(device, algo_, std::move(leaves));
      if (!tree.is_ok()) return tree.status();
      summary["root"] = to_hex(tree->root);
      out << json{{"algo", proof::algo_name(algo_)}, {"leaves", tree->size()}, {"root", to_hex(tree->root)}}.dump() << "\n";
      for (uint64_t i : prove_) {
        json path_json = json::array();
        for (const proof::Digest& d : tree->inclusion_proof(i)) path_json.push_back(to_hex(d));
        out << json{{"leaf", i}, {"leaf_hash", to_hex(tree->levels[0][i])}, {"path", path_json}}.dump() << "\n";
      }
    } else if (op_ == ProofOp::kHash) {
      for (size_t i = 0; i < n; ++i) {
        out << json{{"item", i}, {"digest", to_hex(std::span(outputs_).subspan(32 * i, 32))}}.dump() << "\n";
      }
    } else {
      for (size_t i = 0; i < n; ++i) out << json{{"item", i}, {"valid", outputs_[i] == 1}}.dump() << "\n";
    }
    out.close();
    if (!out) return unavailable("cannot write " + tmp);
    std::filesystem::rename(tmp, path, ec);
    if (ec) return unavailable("cannot write " + path + ": " + ec.message());
    return summary;
  }

  json describe(const PlannedTask& task) const override {
    auto t = decode_proof_task(task.bytes);
    if (!t.is_ok()) return {{"event", "batch"}};
    return {{"event", "batch"}, {"items", json::array({t->first, t->items})}};
  }

 private:
  size_t record_bytes(size_t r) const {
    size_t f = batch_.fields, bytes = 0;
    for (size_t k = 0; k < f; ++k) bytes += batch_.values[r * f + k].size();
    return bytes;
  }

  // Records [first, first + count) as a batch blob of their own, and the task that names it.
  Result<PlannedTask> cut(const std::string& job_id, uint32_t index, size_t first, size_t count, uint64_t work) {
    ProofBatch part;
    part.fields = batch_.fields;
    part.values.assign(batch_.values.begin() + static_cast<std::ptrdiff_t>(first * part.fields),
                       batch_.values.begin() + static_cast<std::ptrdiff_t>((first + count) * part.fields));
    std::vector<uint8_t> bytes = encode(part);
    auto id = context_.store.put(bytes);
    if (!id.is_ok()) return id.status();
    ProofTask t;
    t.job_id = job_id;
    t.subtask = index;
    t.op = op_;
    t.algo = op_ == ProofOp::kVerify ? "" : algo_name_;
    t.batch = *id;
    t.batch_bytes = bytes.size();
    t.items = static_cast<uint32_t>(count);
    t.first = first;
    t.work = work;
    if (options_.alter_task) options_.alter_task(t);
    return planned_task(index, encode(t), work);
  }

  const ProofFamilyOptions& options_;
  JobContext& context_;
  ProofOp op_;
  std::string algo_name_;
  proof::HashAlgo algo_;
  std::string items_id_;
  ProofBatch batch_;
  std::vector<uint64_t> prove_;
  std::vector<uint8_t> outputs_;  // every item's, filled as results are accumulated
  uint64_t input_bytes_ = 0;
};

class ProofFamily;

class ProofRunner final : public TaskRunner {
 public:
  ProofRunner(ProofFamily& family, ProviderContext& context) : family_(family), context_(context) {}
  Result<TaskOutput> run(std::span<Device* const> devices, const compute::TaskProposal& proposal,
                         const network::NodeId& requestor) override;

 private:
  ProofFamily& family_;
  ProviderContext& context_;
};

class ProofFamily final : public Family {
 public:
  explicit ProofFamily(ProofFamilyOptions options) : options_(std::move(options)) {}

  std::string name() const override { return "proof"; }

  Result<std::unique_ptr<FamilyJob>> open(const json& spec, JobContext& context) override {
    auto op_name = spec_string(spec, "op", "hash, merkle or verify");
    if (!op_name.is_ok()) return op_name.status();
    auto op = parse_proof_op(*op_name);
    if (!op.is_ok()) return op.status();
    std::string algo_name;
    proof::HashAlgo algo = proof::HashAlgo::kSha512;
    if (*op != ProofOp::kVerify) {
      auto a = spec_string(spec, "algo", "sha256, keccak256 or blake2b");
      if (!a.is_ok()) return a.status();
      auto parsed = proof::parse_hash_algo(*a);
      if (!parsed.is_ok() || *parsed == proof::HashAlgo::kSha512) {
        return invalid_argument("\"algo\" must be sha256, keccak256 or blake2b, not '" + *a + "'");
      }
      algo_name = *a;
      algo = *parsed;
    }
    auto items = spec_string(spec, "items", "the items' blob id");
    if (!items.is_ok()) return items.status();
    auto id = network::parse_blob_id(*items);
    if (!id.is_ok()) return invalid_argument("items: " + id.status().message());
    if (!context.store.has(*id)) return not_found("items " + *items + " are not in this node's blob store (upload them first)");
    auto bytes = context.store.get(*id);
    if (!bytes.is_ok()) return bytes.status();
    auto batch = decode_proof_batch(*bytes, proof_fields(*op));
    if (!batch.is_ok()) return invalid_argument("items: " + batch.status().message());
    if (batch->records() == 0) return invalid_argument("items: there are none");
    if (*op == ProofOp::kVerify) {
      if (Status claims = check_claims(*batch, 0, batch->records()); !claims.is_ok()) {
        return invalid_argument("items: " + claims.message());
      }
    }
    std::vector<uint64_t> prove;
    if (spec.contains("prove")) {
      if (*op != ProofOp::kMerkle) return invalid_argument("\"prove\" is for merkle jobs only");
      if (!spec["prove"].is_array() || spec["prove"].size() > kMaxProve) {
        return invalid_argument("\"prove\" must be a list of at most 4096 leaf indices");
      }
      for (const json& i : spec["prove"]) {
        if (!i.is_number_unsigned() || i.get<uint64_t>() >= batch->records()) {
          return invalid_argument("\"prove\": leaf " + i.dump() + " is not in a tree of " +
                                  std::to_string(batch->records()) + " leaves (numbered from 0)");
        }
        prove.push_back(i.get<uint64_t>());
      }
    }
    return std::unique_ptr<FamilyJob>(
        new ProofJob(options_, context, *op, algo_name, algo, *items, std::move(*batch), std::move(prove)));
  }

  std::vector<std::string> kernels() const override {
    return {"proof/sha256-v1", "proof/keccak256-v1", "proof/blake2b-v1", "proof/ed25519-v1"};
  }

  Status check_task(const compute::TaskProposal& p) const override {
    auto task = decode_proof_task(p.task_bytes);
    if (!task.is_ok()) return task.status();
    if (task->job_id != p.job_id()) return invalid_argument("the agreement and the task name different jobs");
    if (task->subtask != p.subtask()) return invalid_argument("the agreement must name exactly the task's subtask");
    if (task->batch_bytes > options_.max_batch_bytes) {
      return invalid_argument("the batch is " + std::to_string(task->batch_bytes) + " bytes; this provider takes at most " +
                              std::to_string(options_.max_batch_bytes));
    }
    if (proof_kernel(task->op, task->algo) != p.demand.kernel) {
      return invalid_argument("the task needs the kernel " + proof_kernel(task->op, task->algo) + ", not the demand's " +
                              p.demand.kernel);
    }
    return Status::ok();
  }

  Status self_test(Device& device) override { return proof::proof_self_test(device); }

  Result<double> speed(Device& device, const std::string& kernel) override {
    if (kernel == "proof/ed25519-v1") return measure_ed25519_speed(device);
    auto algo = proof::parse_hash_algo(kernel.substr(6, kernel.size() - 6 - 3));
    if (!algo.is_ok()) return algo.status();
    return proof::kernel_compressions_per_second(device, *algo, 0.25);
  }

  std::unique_ptr<TaskRunner> runner(ProviderContext& context) override { return std::make_unique<ProofRunner>(*this, context); }

  const ProofFamilyOptions& options() const { return options_; }

 private:
  ProofFamilyOptions options_;
};

Result<TaskOutput> ProofRunner::run(std::span<Device* const> devices, const compute::TaskProposal& proposal,
                                    const network::NodeId& requestor) {
  auto task = decode_proof_task(proposal.task_bytes);
  if (!task.is_ok()) return task.status();
  auto bytes = context_.blobs.fetch(requestor, task->batch, std::chrono::seconds(30), task->batch_bytes);
  if (!bytes.is_ok()) return bytes.status();
  auto batch = decode_proof_batch(*bytes, proof_fields(task->op));
  if (!batch.is_ok()) return batch.status();
  if (batch->records() != task->items) {
    return invalid_argument("the batch holds " + std::to_string(batch->records()) + " items, not the task's " +
                            std::to_string(task->items));
  }
  // The work paid for is the task's, under the agreement: it must be the batch's.
  uint64_t work = 0;
  for (size_t r = 0; r < batch->records(); ++r) {
    work += proof_record_work(task->op, task->algo, *batch, r);
  }
  if (work != task->work) {
    return invalid_argument("the task claims " + std::to_string(task->work) + " work units; its batch holds " +
                            std::to_string(work));
  }
  proof::HashAlgo algo = proof::HashAlgo::kSha512;
  if (task->op != ProofOp::kVerify) algo = *proof::parse_hash_algo(task->algo);
  auto outputs = compute_outputs(*devices[0], task->op, algo, *batch, 0, batch->records());
  if (!outputs.is_ok()) return outputs.status();
  ProofResult result;
  result.job_id = task->job_id;
  result.subtask = task->subtask;
  result.op = task->op;
  result.outputs = std::move(*outputs);
  if (family_.options().alter_result) family_.options().alter_result(*task, result);
  TaskOutput out;
  out.commitment = commitment_of(result);
  out.bytes = encode(result);
  return out;
}

}  // namespace

std::shared_ptr<Family> make_proof_family(ProofFamilyOptions options) {
  return std::make_shared<ProofFamily>(std::move(options));
}

}  // namespace strata::compute
