#include "network/api_request.h"

#include "host/json_depth.h"
#include "host/text_codec.h"
#include "network/json_text.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>

#include "network/stream/stream_registry.h"

namespace strata::network {
namespace {

using json = nlohmann::json;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s, bool& ok) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      int hi = i + 1 < s.size() ? hex_digit(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        ok = false;
        return out;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Result<std::vector<uint8_t>> base64_decode(const std::string& text) {
  auto bytes = from_base64(text);
  if (!bytes.is_ok()) return invalid_argument("\"payload_base64\" is not valid base64");
  return bytes;
}

}  // namespace

Result<json> parse_body(std::string_view body) {
  if (json_depth(body) > kMaxApiJsonDepth) {
    return invalid_argument("the request body nests deeper than " + std::to_string(kMaxApiJsonDepth) + " levels");
  }
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return invalid_argument("the request body is not valid JSON");
  return parsed;
}

Result<Target> parse_target(std::string_view target) {
  Target t;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  bool ok = true;
  size_t start = 1;
  if (path.empty() || path[0] != '/') return invalid_argument("the request target must start with '/'");
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) t.segments.push_back(percent_decode(path.substr(start, end - start), ok));
    if (!ok) return invalid_argument("bad percent-encoding in the path");
    start = end + 1;
  }
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      size_t eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), ok);
      std::string value = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), ok);
      if (!ok) return invalid_argument("bad percent-encoding in the query");
      if (!key.empty()) t.query[key] = value;
      if (amp == std::string_view::npos) break;
      query = query.substr(amp + 1);
    }
  }
  return t;
}

Result<uint64_t> query_number(const Target& t, const std::string& key, uint64_t fallback, uint64_t max) {
  auto it = t.query.find(key);
  if (it == t.query.end()) return fallback;
  const std::string& v = it->second;
  if (v.empty() || v.size() > 20 || v.find_first_not_of("0123456789") != std::string::npos) {
    return invalid_argument("query parameter '" + key + "' must be a non-negative integer, got '" + v + "'");
  }
  uint64_t n = 0;
  auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (error != std::errc() || end != v.data() + v.size() || n > max) return invalid_argument("query parameter '" + key + "' must be at most " + std::to_string(max));
  return n;
}

Result<ResendQuery> parse_resend(const Target& t, bool required) {
  ResendQuery r;
  auto partition = query_number(t, "partition", 0, kMaxPartitions - 1);
  if (!partition.is_ok()) return partition.status();
  r.partition = static_cast<uint32_t>(*partition);
  bool has_last = t.query.count("last"), has_from = t.query.count("from");
  if (has_last && has_from) return invalid_argument("give either 'last' or 'from', not both");
  if (t.query.count("to") && !has_from) return invalid_argument("'to' needs 'from'");
  if (has_last) {
    auto n = query_number(t, "last", 0, kMaxResend);
    if (!n.is_ok()) return n.status();
    r.kind = ResendQuery::kLast;
    r.last = *n;
  } else if (has_from) {
    auto from = query_number(t, "from", 0, UINT64_MAX);
    auto from_seq = query_number(t, "from_sequence", 0, UINT32_MAX);
    auto to = query_number(t, "to", UINT64_MAX, UINT64_MAX);
    auto to_seq = query_number(t, "to_sequence", UINT32_MAX, UINT32_MAX);
    for (const auto* n : {&from, &from_seq, &to, &to_seq})
      if (!n->is_ok()) return n->status();
    r.kind = ResendQuery::kFrom;
    r.from = {*from, static_cast<uint32_t>(*from_seq)};
    r.to = {*to, static_cast<uint32_t>(*to_seq)};
    if (r.to < r.from) return invalid_argument("the range ends ('to') before it starts ('from')");
  } else if (required) {
    return invalid_argument("a resend needs 'last=N' or 'from=TIMESTAMP' (optionally with 'to=TIMESTAMP')");
  }
  return r;
}

Result<StreamMessage> parse_publish(const json& body) {
  if (!body.is_object()) return invalid_argument("the body must be a JSON object");
  StreamMessage m;
  if (body.contains("partition")) {
    if (!body["partition"].is_number_unsigned() || body["partition"].get<uint64_t>() >= kMaxPartitions) {
      return invalid_argument("\"partition\" must be an integer from 0 to " + std::to_string(kMaxPartitions - 1));
    }
    m.partition = body["partition"].get<uint32_t>();
  }
  int given = int(body.contains("content")) + int(body.contains("text")) + int(body.contains("payload_base64"));
  if (given != 1) return invalid_argument("give exactly one of \"content\" (JSON), \"text\" or \"payload_base64\"");
  if (body.contains("content")) {
    std::string text = dump_json(body["content"]);
    m.payload.assign(text.begin(), text.end());
    m.content_type = "application/json";
  } else if (body.contains("text")) {
    if (!body["text"].is_string()) return invalid_argument("\"text\" must be a string");
    const std::string& text = body["text"].get_ref<const std::string&>();
    m.payload.assign(text.begin(), text.end());
    m.content_type = "text/plain";
  } else {
    if (!body["payload_base64"].is_string()) return invalid_argument("\"payload_base64\" must be a string");
    auto bytes = base64_decode(body["payload_base64"].get<std::string>());
    if (!bytes.is_ok()) return bytes.status();
    m.payload = std::move(*bytes);
    m.content_type = "application/octet-stream";
  }
  if (body.contains("content_type")) {
    if (!body["content_type"].is_string()) return invalid_argument("\"content_type\" must be a string");
    m.content_type = body["content_type"].get<std::string>();
  }
  return m;  // the node checks the bounds of every message it publishes
}

}  // namespace strata::network
