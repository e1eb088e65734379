// The proof family's JSON-lines reader (host/proof/items_file.h) over arbitrary bytes: it never
// throws or overruns, every record has its fields within the bound, every line is either a
// record or an error (in order), and hex written out reads back to the same bytes.
#include <sstream>

#include "host/proof/items_file.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;

STRATA_FUZZ_TARGET(proof_items) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::istringstream in(text);
  auto read = proof::read_json_lines(in, {"data", "key"}, 64, 256);
  if (!read.is_ok()) return 0;
  fuzz::expect(read->values.size() == read->records() * 2, "proof items: a record without its two fields");
  uint64_t last_error = 0;
  for (const proof::LineError& e : read->errors) {
    fuzz::expect(e.line > last_error && !e.why.empty(), "proof items: errors out of line order or without a reason");
    last_error = e.line;
  }
  for (const auto& v : read->values) fuzz::expect(v.size() <= 256, "proof items: a field over the bound");
  uint64_t last = 0;
  for (uint64_t line : read->lines) {
    fuzz::expect(line > last, "proof items: records out of line order");
    last = line;
  }
  for (const auto& v : read->values) {
    auto back = from_hex(to_hex(v));
    fuzz::expect(back.is_ok() && *back == v, "proof items: hex does not round-trip");
  }
  return 0;
}
