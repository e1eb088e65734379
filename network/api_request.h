// Private to network/: how the node's API reads a request before it acts on it: the target split
// into decoded path segments and query parameters, numbers from the query, a resend query, and a
// publish request's body. Apart from the server (network/api_server.cc) so that the fuzz targets
// (tests/fuzz/api_request_fuzz.cc) reach exactly the code that reads what a client sends.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "host/status.h"
#include "network/stream/stream_message.h"

namespace strata::network {

// JSON the API reads (request bodies, and stream payloads it shows as JSON) nests arrays and
// objects at most this deep: nlohmann::json writes a document out recursively, so a deeper one
// would overflow the stack of the thread that answers with it (or names a bad value in it).
inline constexpr int kMaxApiJsonDepth = 512;
// A request body as JSON: one that is not valid JSON, or nests deeper than kMaxApiJsonDepth, is
// an error.
Result<nlohmann::json> parse_body(std::string_view body);

// A request target split into path segments (decoded) and query parameters.
struct Target {
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
};

Result<Target> parse_target(std::string_view target);

// The query parameter `key` as a number from 0 to `max`, or `fallback` when it is absent.
Result<uint64_t> query_number(const Target& t, const std::string& key, uint64_t fallback, uint64_t max);

// What one resend through the API may return: messages, and their payloads together.
inline constexpr size_t kMaxResend = 100000;
inline constexpr size_t kMaxResendPayloadBytes = size_t(64) << 20;

// What a resend query asks for, from the query parameters.
struct ResendQuery {
  uint32_t partition = 0;
  enum { kNone, kLast, kFrom } kind = kNone;
  uint64_t last = 0;
  MessageRef from, to{UINT64_MAX, UINT32_MAX};
};

// `required`: a query that asks for nothing stored (neither 'last' nor 'from') is an error.
Result<ResendQuery> parse_resend(const Target& t, bool required);

// A publish request's body: {"partition", and "content" | "text" | "payload_base64" + "content_type"}.
// The message's stream, publisher and signature are the node's to fill.
Result<StreamMessage> parse_publish(const nlohmann::json& body);

}  // namespace strata::network
