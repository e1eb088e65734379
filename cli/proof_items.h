// What `strata proof` and `strata submit proof` share: the items read from a file as the
// operation wants them, the bad lines reported, and each result line written with where its item
// came from, so a job's output reads exactly as the same command run here.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/proof/items_file.h"

namespace strata::cli {

struct ProofInput {
  std::string file;
  size_t raw = 0;  // 0: JSON lines; otherwise items of this many bytes
  bool signatures = false;  // records of {"public_key", "message", "signature"}
};

// The records of `in`. For signatures, a record whose key is not 32 bytes or whose signature is
// not 64 is moved among the errors (in line order) and left out of `records`.
struct ProofItems {
  proof::ItemsRead read;
  std::vector<size_t> records;  // the records to compute, in order
};
Result<ProofItems> read_proof_items(const ProofInput& in);

// A JSON line per bad input line, to `out`, and their count to stderr.
void write_line_errors(std::FILE* out, const proof::ItemsRead& read);

// Where record `record` came from: {"line": N} or, for raw input, {"item": N}.
nlohmann::json where(const ProofInput& in, const proof::ItemsRead& read, size_t record);

// The result lines, each with where its record came from.
nlohmann::json hash_line(const ProofInput& in, const proof::ItemsRead& read, size_t record, const std::string& digest);
nlohmann::json merkle_head(std::string_view algo, size_t leaves, const std::string& root);
nlohmann::json leaf_proof_line(const ProofInput& in, const proof::ItemsRead& read, size_t record,
                               const std::string& leaf_hash, const nlohmann::json& path);
nlohmann::json verdict_line(const proof::ItemsRead& read, size_t record, bool valid);

}  // namespace strata::cli
