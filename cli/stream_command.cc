// strata stream create|permissions|publish|subscribe|resend|list: the stream layer from the
// command line, through a node's HTTP/WebSocket API. Messages come out as JSON, one per line.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/api_call.h"
#include "cli/commands.h"
#include "network/api_client.h"

namespace strata::cli {
namespace {

using json = nlohmann::json;

struct StreamOptions {
  ApiOptions api;
  std::string stream;
  uint32_t partitions = 1;
  uint32_t partition = 0;
  bool is_public = false;
  std::vector<std::string> publishers, subscribers;
  std::string message, file, content_type;
  bool as_json = false;
  int64_t last = -1, from = -1, to = -1;
  int64_t count = -1;
  double timeout = 0;
};

int fail(const std::string& what) {
  std::fprintf(stderr, "strata stream: %s\n", what.c_str());
  return 1;
}

Result<json> call(const StreamOptions& o, const std::string& method, const std::string& target, const json& body = {}) {
  return api_call(o.api, method, target, body);
}

std::string stream_path(const StreamOptions& o) { return "/api/v1/streams/" + network::percent_encode(o.stream); }

std::string resend_query(const StreamOptions& o) {
  std::string q = "?partition=" + std::to_string(o.partition);
  if (o.last >= 0) q += "&last=" + std::to_string(o.last);
  if (o.from >= 0) q += "&from=" + std::to_string(o.from);
  if (o.to >= 0) q += "&to=" + std::to_string(o.to);
  return q;
}

int print(const Result<json>& r) {
  if (!r.is_ok()) return fail(r.status().message());
  if (r->is_array()) {
    for (const json& item : *r) std::printf("%s\n", item.dump().c_str());
  } else {
    std::printf("%s\n", r->dump().c_str());
  }
  return 0;
}

json publish_body(const StreamOptions& o, const std::string& message) {
  json body = {{"partition", o.partition}};
  if (o.as_json) {
    body["content"] = json::parse(message, nullptr, false);
  } else {
    body["text"] = message;
  }
  if (!o.content_type.empty()) body["content_type"] = o.content_type;
  return body;
}

int publish(const StreamOptions& o) {
  std::vector<std::string> messages;
  if (!o.file.empty()) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) return fail("cannot read '" + o.file + "'");
    std::ostringstream text;
    text << in.rdbuf();
    messages.push_back(text.str());
  } else if (!o.message.empty()) {
    messages.push_back(o.message);
  } else {
    for (std::string line; std::getline(std::cin, line);) messages.push_back(line);  // one message per line
  }
  for (const std::string& message : messages) {
    json body = publish_body(o, message);
    if (o.as_json && body["content"].is_discarded()) return fail("--json: the message is not valid JSON: " + message);
    if (int rc = print(call(o, "POST", stream_path(o) + "/publish", body))) return rc;
  }
  return 0;
}

int subscribe(const StreamOptions& o) {
  auto address = api_address(o.api);
  if (!address.is_ok()) return fail(address.status().message());
  std::string query = "?partition=" + std::to_string(o.partition);
  if (o.last >= 0) query += "&last=" + std::to_string(o.last);
  if (o.from >= 0) query += "&from=" + std::to_string(o.from);
  int64_t seen = 0;
  Status s = network::websocket_read(
      *address, stream_path(o) + "/subscribe" + query,
      [&](const std::string& message) {
        std::printf("%s\n", message.c_str());
        std::fflush(stdout);
        return o.count < 0 || ++seen < o.count;
      },
      std::chrono::milliseconds(static_cast<int64_t>(o.timeout * 1000)));
  if (!s.is_ok()) return fail(s.message());
  return 0;
}

}  // namespace

Runner add_stream_command(CLI::App& app) {
  auto o = std::make_shared<StreamOptions>();
  auto* cmd = app.add_subcommand("stream", "Create, publish to, subscribe to and replay streams through a node's API");
  cmd->require_subcommand(1);
  add_api_options(cmd, o->api);

  auto* create = cmd->add_subcommand("create", "Create a stream owned by the node's key");
  auto* permissions = cmd->add_subcommand("permissions", "Replace a stream's permissions (owner only)");
  for (auto* sub : {create, permissions}) {
    sub->add_option("stream", o->stream, "Stream id")->required();
    sub->add_option("--publisher", o->publishers, "Node id (64 hex digits) that may publish; repeatable");
    sub->add_option("--subscriber", o->subscribers, "Node id that may subscribe; repeatable");
    sub->add_flag("--public", o->is_public, "Anyone may subscribe");
  }
  create->add_option("--partitions", o->partitions, "Number of partitions (1 to 4096)")->capture_default_str();

  auto* publish_cmd = cmd->add_subcommand("publish", "Publish a message (or each line of stdin)");
  publish_cmd->add_option("stream", o->stream, "Stream id")->required();
  publish_cmd->add_option("message", o->message, "The message; without it, each line of stdin is one");
  publish_cmd->add_option("--file", o->file, "Publish a file's contents as one message");
  publish_cmd->add_flag("--json", o->as_json, "The message is JSON (content type application/json)");
  publish_cmd->add_option("--content-type", o->content_type, "Content type (default text/plain, or application/json)");

  auto* subscribe_cmd = cmd->add_subcommand("subscribe", "Print a partition's messages as they arrive");
  auto* resend_cmd = cmd->add_subcommand("resend", "Print stored messages of a partition");
  for (auto* sub : {publish_cmd, subscribe_cmd, resend_cmd}) {
    sub->add_option("--partition", o->partition, "Partition")->capture_default_str();
  }
  for (auto* sub : {subscribe_cmd, resend_cmd}) {
    sub->add_option("stream", o->stream, "Stream id")->required();
    sub->add_option("--last", o->last, "The last N stored messages (subscribe: first, then live ones)");
    sub->add_option("--from", o->from, "Stored messages from this timestamp (ms since the epoch)");
  }
  resend_cmd->add_option("--to", o->to, "Up to and including this timestamp (with --from)");
  subscribe_cmd->add_option("--count", o->count, "Stop after this many messages");
  subscribe_cmd->add_option("--timeout", o->timeout, "Stop after this many seconds");

  auto* list = cmd->add_subcommand("list", "List the streams the node knows");
  auto* info = cmd->add_subcommand("node", "Show the node: id, peers, storage, refusals");

  return [=] {
    if (create->parsed() || permissions->parsed()) {
      json body = {{"publishers", o->publishers}, {"subscribers", o->subscribers}, {"public", o->is_public}};
      if (create->parsed()) {
        body["id"] = o->stream;
        body["partitions"] = o->partitions;
        return print(call(*o, "POST", "/api/v1/streams", body));
      }
      return print(call(*o, "PUT", stream_path(*o) + "/permissions", body));
    }
    if (publish_cmd->parsed()) return publish(*o);
    if (subscribe_cmd->parsed()) return subscribe(*o);
    if (resend_cmd->parsed()) {
      if ((o->last >= 0) == (o->from >= 0)) return fail("resend needs either --last N or --from TIMESTAMP");
      return print(call(*o, "GET", stream_path(*o) + "/resend" + resend_query(*o)));
    }
    if (list->parsed()) return print(call(*o, "GET", "/api/v1/streams"));
    if (info->parsed()) return print(call(*o, "GET", "/api/v1/node"));
    return 1;
  };
}

}  // namespace strata::cli
