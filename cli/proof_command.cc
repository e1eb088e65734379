// strata proof hash|merkle|verify: the proof family's kernels on this machine's device, over
// items from a JSON-lines file or a file of fixed-size items; JSON lines out.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/proof_items.h"
#include "host/device.h"
#include "host/proof/batch_hash.h"
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
  ProofItems items;
  std::unique_ptr<Device> device;
};

ProofInput input_of(const ProofOptions& o, bool signatures) { return {o.file, o.raw, signatures}; }

Result<Prepared> prepare(const ProofOptions& o, bool signatures = false) {
  Prepared p;
  auto algo = proof::parse_hash_algo(o.algo);
  if (!algo.is_ok()) return algo.status();
  p.algo = *algo;
  auto items = read_proof_items(input_of(o, signatures));
  if (!items.is_ok()) return items.status();
  p.items = std::move(*items);
  auto device = open_device(o.device);
  if (!device.is_ok()) return device.status();
  STRATA_RETURN_IF_ERROR(self_test(**device));
  STRATA_RETURN_IF_ERROR(proof::proof_self_test(**device));
  p.device = std::move(*device);
  return p;
}

std::vector<proof::Item> items_of(const proof::ItemsRead& read) {
  return {read.values.begin(), read.values.end()};
}

int run_hash(const ProofOptions& o) {
  auto p = prepare(o);
  if (!p.is_ok()) return fail("hash", p.status().to_string());
  const proof::ItemsRead& read = p->items.read;
  std::vector<proof::Item> items = items_of(read);
  auto digests = proof::hash_items(*p->device, p->algo, items);
  if (!digests.is_ok()) return fail("hash", digests.status().to_string());
  write_line_errors(stdout, read);
  for (size_t i = 0; i < digests->size(); ++i) print(hash_line(input_of(o, false), read, i, to_hex((*digests)[i])));
  return read.errors.empty() ? 0 : 1;
}

int run_merkle(const ProofOptions& o) {
  auto p = prepare(o);
  if (!p.is_ok()) return fail("merkle", p.status().to_string());
  const proof::ItemsRead& read = p->items.read;
  for (uint64_t i : o.prove) {
    if (i >= read.records()) {
      return fail("merkle", "--prove " + std::to_string(i) + ": the tree has " + std::to_string(read.records()) +
                                " leaves (numbered from 0)");
    }
  }
  std::vector<proof::Item> items = items_of(read);
  auto tree = proof::merkle_tree(*p->device, p->algo, items);
  if (!tree.is_ok()) return fail("merkle", tree.status().to_string());
  write_line_errors(stdout, read);
  print(merkle_head(proof::algo_name(p->algo), tree->size(), to_hex(tree->root)));
  for (uint64_t i : o.prove) {
    json path = json::array();
    for (const proof::Digest& d : tree->inclusion_proof(i)) path.push_back(to_hex(d));
    print(leaf_proof_line(input_of(o, false), read, i, to_hex(tree->levels[0][i]), path));
  }
  return read.errors.empty() ? 0 : 1;
}

// Records of {"public_key", "message", "signature"} in hex; a key must be 32 bytes and a
// signature 64, or the line is reported.
int run_verify(const ProofOptions& o) {
  auto p = prepare(o, true);
  if (!p.is_ok()) return fail("verify", p.status().to_string());
  const proof::ItemsRead& read = p->items.read;
  std::vector<proof::SignatureClaim> claims;
  for (size_t r : p->items.records) claims.push_back(proof::claim_of_record(read.values, r));
  auto verdicts = proof::verify_ed25519(*p->device, claims);
  if (!verdicts.is_ok()) return fail("verify", verdicts.status().to_string());
  write_line_errors(stdout, read);
  for (size_t i = 0; i < claims.size(); ++i) print(verdict_line(read, p->items.records[i], bool((*verdicts)[i])));
  return read.errors.empty() ? 0 : 1;
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
