#include "cli/proof_items.h"

#include <algorithm>
#include <fstream>

#include "host/proof/signatures.h"

namespace strata::cli {

Result<ProofItems> read_proof_items(const ProofInput& in) {
  ProofItems items;
  Result<proof::ItemsRead> read = invalid_argument("no input");
  if (in.raw) {
    if (in.signatures) return invalid_argument("--raw takes items to hash, not signatures");
    read = proof::read_raw_items(in.file, in.raw);
  } else {
    std::ifstream file(in.file, std::ios::binary);
    if (!file) return not_found("cannot open '" + in.file + "'");
    read = in.signatures ? proof::read_json_lines(file, {"public_key", "message", "signature"})
                         : proof::read_json_lines(file);
  }
  if (!read.is_ok()) return read.status();
  items.read = std::move(*read);
  proof::ItemsRead& r = items.read;
  for (size_t i = 0; i < r.records(); ++i) {
    if (in.signatures) {
      if (Status claim = proof::check_claim_record(r.values, i); !claim.is_ok()) {
        r.errors.push_back({r.lines[i], claim.message()});
        continue;
      }
    }
    items.records.push_back(i);
  }
  // Lines of the wrong lengths go among the reader's own, in line order.
  std::stable_sort(r.errors.begin(), r.errors.end(),
                   [](const proof::LineError& a, const proof::LineError& b) { return a.line < b.line; });
  return items;
}

void write_line_errors(std::FILE* out, const proof::ItemsRead& read) {
  for (const proof::LineError& e : read.errors) {
    std::fprintf(out, "%s\n", nlohmann::json{{"line", e.line}, {"error", e.why}}.dump().c_str());
  }
  if (!read.errors.empty()) std::fprintf(stderr, "strata proof: %zu bad lines left out\n", read.errors.size());
}

nlohmann::json where(const ProofInput& in, const proof::ItemsRead& read, size_t record) {
  return in.raw ? nlohmann::json{{"item", read.lines[record]}} : nlohmann::json{{"line", read.lines[record]}};
}

nlohmann::json hash_line(const ProofInput& in, const proof::ItemsRead& read, size_t record, const std::string& digest) {
  nlohmann::json line = where(in, read, record);
  line["digest"] = digest;
  return line;
}

nlohmann::json merkle_head(std::string_view algo, size_t leaves, const std::string& root) {
  return {{"algo", algo}, {"leaves", leaves}, {"root", root}};
}

nlohmann::json leaf_proof_line(const ProofInput& in, const proof::ItemsRead& read, size_t record,
                               const std::string& leaf_hash, const nlohmann::json& path) {
  nlohmann::json line = {{"leaf", record}};
  line.update(where(in, read, record));
  line["leaf_hash"] = leaf_hash;
  line["path"] = path;
  return line;
}

nlohmann::json verdict_line(const proof::ItemsRead& read, size_t record, bool valid) {
  return {{"line", read.lines[record]}, {"valid", valid}};
}

}  // namespace strata::cli
