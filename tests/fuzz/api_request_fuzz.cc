// The node API's request parsing (network/api_request.h), as the server runs it: the first line
// of the input is a request target (path and query), the rest a request body, parsed as JSON
// (parse_body) and read as a publish request. A parsed target's resend query and numbers are
// read too.
#include <string_view>

#include "host/json_depth.h"
#include "network/api_request.h"
#include "network/json_text.h"
#include "network/stream/stream_registry.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;
using namespace strata::network;

STRATA_FUZZ_TARGET(api_request) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t line = input.find('\n');
  std::string_view target = input.substr(0, line);
  auto t = parse_target(target);
  if (t.is_ok()) {
    for (const std::string& s : t->segments) fuzz::expect(!s.empty(), "api request: an empty path segment");
    for (bool required : {false, true}) {
      auto r = parse_resend(*t, required);
      if (!r.is_ok()) continue;
      fuzz::expect(r->partition < kMaxPartitions, "api request: a resend's partition is out of range");
      fuzz::expect(r->kind != ResendQuery::kFrom || !(r->to < r->from), "api request: a resend range ends before it starts");
      fuzz::expect(r->kind != ResendQuery::kLast || r->last <= kMaxResend, "api request: a resend asks for too many");
      fuzz::expect(!required || r->kind != ResendQuery::kNone, "api request: a required resend asks for nothing");
    }
    for (const auto& [key, value] : t->query) {
      auto n = query_number(*t, key, 7, UINT64_MAX);
      fuzz::expect(!n.is_ok() || !value.empty(), "api request: an empty query parameter read as a number");
    }
  }
  if (line == std::string_view::npos) return 0;
  std::string_view body = input.substr(line + 1);
  auto parsed = parse_body(body);
  if (!parsed.is_ok()) return 0;
  fuzz::expect(json_depth(body) <= kMaxApiJsonDepth, "api request: a body nested past the bound was parsed");
  auto m = parse_publish(*parsed);
  if (m.is_ok()) {
    fuzz::expect(m->partition < kMaxPartitions, "api request: a publish's partition is out of range");
    (void)dump_json(*parsed);
  }
  return 0;
}
