// strata proof hash|merkle|verify: the proof family's kernels on this machine's device, over
// items from a JSON-lines file or a file of fixed-size items; JSON lines out.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "host/device.h"
#include "host/proof/batch_hash.h"
#include "host/proof/items_file.h"
#include "host/proof/signatures.h"

namespace strata::cli {
namespace {

using json = nlohmann::json;

struct ProofOptions {
  std::string algo = "sha256";
  std::string file;
  size_t raw = 0;  // 0: JSON lines
  std::string device = "auto";
  std::vector<uint64_t> prove;
};

int fail(const std::string& command, const std::string& what) {
  std::fprintf(stderr, "strata proof %s: %s\n", command.c_str(), what.c_str());
  return 1;
}

void print(const json& line) { std::printf("%s\n", line.dump().c_str()); }

// What every proof command does first: the items, and a device that has passed its self-tests.
struct Prepared {
  proof::HashAlgo algo{};
  proof::ItemsRead read;
  std::unique_ptr<Device> device;
};

Result<Prepared> prepare(const ProofOptions& o, const std::vector<std::string>& fields = {"data"}) {
  Prepared p;
  auto algo = proof::parse_hash_algo(o.algo);
  if (!algo.is_ok()) return algo.status();
  p.algo = *algo;
  Result<proof::ItemsRead> read = invalid_argument("no input");
  if (o.raw) {
    read = proof::read_raw_items(o.file, o.raw);
  } else {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) return not_found("cannot open '" + o.file + "'");
    read = proof::read_json_lines(in, fields);
  }
  if (!read.is_ok()) return read.status();
  p.read = std::move(*read);
  auto device = open_device(o.device);
  if (!device.is_ok()) return device.status();
  STRATA_RETURN_IF_ERROR(self_test(**device));
  STRATA_RETURN_IF_ERROR(proof::proof_self_test(**device));
  p.device = std::move(*device);
  return p;
}

// A JSON line per bad input line, to stdout beside the results and to stderr as a count.
void report_errors(const proof::ItemsRead& read) {
  for (const proof::LineError& e : read.errors) print({{"line", e.line}, {"error", e.why}});
  if (!read.errors.empty()) std::fprintf(stderr, "strata proof: %zu bad lines left out\n", read.errors.size());
}

json where(const ProofOptions& o, const proof::ItemsRead& read, size_t record) {
  return o.raw ? json{{"item", read.lines[record]}} : json{{"line", read.lines[record]}};
}

std::vector<proof::Item> items_of(const proof::ItemsRead& read) {
  return {read.values.begin(), read.values.end()};
}

int run_hash(const ProofOptions& o) {
  auto p = prepare(o);
  if (!p.is_ok()) return fail("hash", p.status().to_string());
  std::vector<proof::Item> items = items_of(p->read);
  auto digests = proof::hash_items(*p->device, p->algo, items);
  if (!digests.is_ok()) return fail("hash", digests.status().to_string());
  report_errors(p->read);
  for (size_t i = 0; i < digests->size(); ++i) {
    json line = where(o, p->read, i);
    line["digest"] = to_hex((*digests)[i]);
    print(line);
  }
  return p->read.errors.empty() ? 0 : 1;
}

int run_merkle(const ProofOptions& o) {
  auto p = prepare(o);
  if (!p.is_ok()) return fail("merkle", p.status().to_string());
  for (uint64_t i : o.prove) {
    if (i >= p->read.records()) {
      return fail("merkle", "--prove " + std::to_string(i) + ": the tree has " + std::to_string(p->read.records()) +
                                " leaves (numbered from 0)");
    }
  }
  std::vector<proof::Item> items = items_of(p->read);
  auto tree = proof::merkle_tree(*p->device, p->algo, items);
  if (!tree.is_ok()) return fail("merkle", tree.status().to_string());
  report_errors(p->read);
  print({{"algo", proof::algo_name(p->algo)}, {"leaves", tree->size()}, {"root", to_hex(tree->root)}});
  for (uint64_t i : o.prove) {
    json line = {{"leaf", i}};
    line.update(where(o, p->read, i));
    line["leaf_hash"] = to_hex(tree->levels[0][i]);
    json path = json::array();
    for (const proof::Digest& d : tree->inclusion_proof(i)) path.push_back(to_hex(d));
    line["path"] = path;
    print(line);
  }
  return p->read.errors.empty() ? 0 : 1;
}

// Records of {"public_key", "message", "signature"} in hex; a key must be 32 bytes and a
// signature 64, or the line is reported.
int run_verify(const ProofOptions& o) {
  auto p = prepare(o, {"public_key", "message", "signature"});
  if (!p.is_ok()) return fail("verify", p.status().to_string());
  std::vector<proof::SignatureClaim> claims;
  std::vector<size_t> records;
  for (size_t r = 0; r < p->read.records(); ++r) {
    const auto& key = p->read.values[3 * r];
    const auto& sig = p->read.values[3 * r + 2];
    if (key.size() != 32 || sig.size() != 64) {
      std::string why = key.size() != 32 ? "\"public_key\" is " + std::to_string(key.size()) + " bytes, not 32"
                                         : "\"signature\" is " + std::to_string(sig.size()) + " bytes, not 64";
      p->read.errors.push_back({p->read.lines[r], why});
      continue;
    }
    proof::SignatureClaim c;
    std::copy(key.begin(), key.end(), c.public_key.begin());
    std::copy(sig.begin(), sig.end(), c.signature.begin());
    c.message = p->read.values[3 * r + 1];
    claims.push_back(c);
    records.push_back(r);
  }
  // Lines of the wrong lengths go among the reader's own, in line order.
  std::stable_sort(p->read.errors.begin(), p->read.errors.end(),
                   [](const proof::LineError& a, const proof::LineError& b) { return a.line < b.line; });
  auto verdicts = proof::verify_ed25519(*p->device, claims);
  if (!verdicts.is_ok()) return fail("verify", verdicts.status().to_string());
  report_errors(p->read);
  for (size_t i = 0; i < claims.size(); ++i) print({{"line", p->read.lines[records[i]]}, {"valid", bool((*verdicts)[i])}});
  return p->read.errors.empty() ? 0 : 1;
}

void add_common(CLI::App* cmd, ProofOptions& o) {
  cmd->add_option("--algo", o.algo, "sha256, keccak256 (Ethereum's) or blake2b (BLAKE2b-256)");
  cmd->add_option("FILE", o.file, "JSON lines ({\"data_hex\": ...} or {\"data_base64\": ...}), or with --raw a binary file")
      ->required();
  cmd->add_option("--raw", o.raw, "Read FILE as items of SIZE bytes each");
  cmd->add_option("--device", o.device, "auto, cpu, opencl[:N] or cuda[:N]");
}

}  // namespace

Runner add_proof_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("proof", "Hash items, build Merkle trees and check Ed25519 signatures on this machine's devices");
  cmd->require_subcommand(1);
  auto o = std::make_shared<ProofOptions>();
  auto* hash = cmd->add_subcommand("hash", "The digest of every item, a JSON line each");
  add_common(hash, *o);
  auto* merkle = cmd->add_subcommand("merkle", "The RFC 6962 tree over the items: its root, and inclusion proofs");
  add_common(merkle, *o);
  merkle->add_option("--prove", o->prove, "Leaves (from 0) to prove, as I,J,...")->delimiter(',');
  auto* verify = cmd->add_subcommand("verify", "Ed25519 signatures checked, a JSON line each ({\"line\", \"valid\"})");
  verify->add_option("FILE", o->file, "JSON lines of {\"public_key\", \"message\", \"signature\"} in hex")->required();
  verify->add_option("--device", o->device, "auto, cpu, opencl[:N] or cuda[:N]");
  return [o, hash, merkle, verify] {
    if (hash->parsed()) return run_hash(*o);
    if (merkle->parsed()) return run_merkle(*o);
    if (verify->parsed()) return run_verify(*o);
    return 1;
  };
}

}  // namespace strata::cli
