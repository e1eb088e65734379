#include "compute/jobs_api.h"
#include "network/json_text.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "compute/spec_fields.h"
#include "network/clock.h"
#include "compute/task_messages.h"

namespace strata::compute {
namespace {

using json = nlohmann::json;
using network::ApiReply;
using network::ApiRequest;

ApiReply json_reply(int status, const json& body) { return {status, "application/json", network::dump_json(body) + "\n"}; }
ApiReply error_reply(int status, const std::string& message) { return json_reply(status, {{"error", message}}); }
ApiReply status_reply(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return error_reply(400, s.message());
    case StatusCode::kNotFound: return error_reply(404, s.message());
    case StatusCode::kUnavailable: return error_reply(503, s.message());
    default: return error_reply(500, s.message());
  }
}
ApiReply wrong_method(const ApiRequest& r) { return error_reply(405, r.method + " is not allowed here"); }

// A job: {"family": "render" (the default), "proof" or "analytics", "max_price", "redundancy", and the
// family's own fields}.
Result<JobSpec> parse_job(const std::string& text) {
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return invalid_argument("the body must be a JSON object");
  JobSpec spec;
  if (body.contains("family")) {
    if (!body["family"].is_string()) return invalid_argument("\"family\" must be a string (render, proof, analytics)");
    spec.family = body["family"].get<std::string>();
  }
  auto price = spec_number(body, "max_price", 1000, UINT64_MAX);
  if (!price.is_ok()) return price.status();
  spec.max_price = *price;
  if (body.contains("redundancy")) {
    if (!body["redundancy"].is_number() || !(body["redundancy"].get<double>() >= 0 && body["redundancy"].get<double>() <= 1)) {
      return invalid_argument("\"redundancy\" must be a number from 0 to 1 (the share of subtasks computed twice)");
    }
    spec.redundancy = body["redundancy"].get<double>();
  }
  for (const char* key : {"family", "max_price", "redundancy"}) body.erase(key);
  spec.spec = std::move(body);
  return spec;
}

// A file the finished job wrote, named in its output under `key`.
Result<std::string> output_file(const JobStatus& st, const char* key) {
  json output = json::parse(st.job.output, nullptr, false);
  if (!output.is_object() || !output.contains(key) || !output[key].is_string()) {
    return not_found("job " + st.job.id + " has no " + key);
  }
  return output[key].get<std::string>();
}

Result<std::string> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

ApiReply blobs(ComputeNode& node, const ApiRequest& r) {
  if (r.path.size() == 1) {
    if (r.method != "POST") return wrong_method(r);
    if (r.body.empty()) return error_reply(400, "the body (the blob's bytes) is empty");
    auto id = node.blobs().put(std::span(reinterpret_cast<const uint8_t*>(r.body.data()), r.body.size()));
    if (!id.is_ok()) return status_reply(id.status());
    return json_reply(201, {{"id", network::to_string(*id)}, {"size", r.body.size()}});
  }
  if (r.path.size() != 2) return error_reply(404, "no such endpoint under /api/v1/blobs");
  if (r.method != "GET") return wrong_method(r);
  auto id = network::parse_blob_id(r.path[1]);
  if (!id.is_ok()) return status_reply(id.status());
  auto bytes = node.blobs().get(*id);
  if (!bytes.is_ok()) return status_reply(bytes.status());
  return {200, "application/octet-stream", std::string(bytes->begin(), bytes->end())};
}

ApiReply jobs(ComputeNode& node, const ApiRequest& r) {
  Requestor& requestor = node.requestor();
  if (r.path.size() == 1) {
    if (r.method == "GET") {
      auto all = requestor.list();
      if (!all.is_ok()) return status_reply(all.status());
      json list = json::array();
      for (const JobStatus& st : *all) list.push_back(job_status_json(st));
      return json_reply(200, list);
    }
    if (r.method != "POST") return wrong_method(r);
    auto spec = parse_job(r.body);
    if (!spec.is_ok()) return status_reply(spec.status());
    auto job = requestor.submit(*spec);
    if (!job.is_ok()) return status_reply(job.status());
    auto st = requestor.status(job->id);
    if (!st.is_ok()) return status_reply(st.status());
    return json_reply(201, job_status_json(*st));
  }
  const std::string& id = r.path[1];
  if (r.path.size() == 2) {
    if (r.method == "DELETE") {
      if (Status s = requestor.cancel(id); !s.is_ok()) return status_reply(s);
    } else if (r.method != "GET") {
      return wrong_method(r);
    }
    auto st = requestor.status(id);
    return st.is_ok() ? json_reply(200, job_status_json(*st)) : status_reply(st.status());
  }
  if (r.path.size() == 3 && r.path[2] == "cancel") {
    if (r.method != "POST") return wrong_method(r);
    if (Status s = requestor.cancel(id); !s.is_ok()) return status_reply(s);
    auto st = requestor.status(id);
    return st.is_ok() ? json_reply(200, job_status_json(*st)) : status_reply(st.status());
  }
  if (r.path.size() == 3 && (r.path[2] == "image" || r.path[2] == "output")) {
    if (r.method != "GET") return wrong_method(r);
    auto st = requestor.status(id);
    if (!st.is_ok()) return status_reply(st.status());
    if (st->job.state != compute::JobState::kDone) {
      return error_reply(409, "job " + id + " is " + compute::to_string(st->job.state) + ", not done");
    }
    if (r.path[2] == "output" && st->job.family != "render") {
      // The family's JSON lines.
      auto path = output_file(*st, "output");
      auto bytes = path.is_ok() ? read_whole(*path) : Result<std::string>(path.status());
      if (!bytes.is_ok()) return status_reply(bytes.status());
      return {200, "application/x-ndjson", std::move(*bytes)};
    }
    auto format = r.query.count("format") ? r.query.at("format") : "png";
    if (format != "png" && format != "pfm") return error_reply(400, "format must be png or pfm");
    auto path = output_file(*st, format == "png" ? "image" : "linear_image");
    auto bytes = path.is_ok() ? read_whole(*path) : Result<std::string>(path.status());
    if (!bytes.is_ok()) return status_reply(bytes.status());
    return {200, format == "png" ? "image/png" : "image/x-portable-floatmap", std::move(*bytes)};
  }
  if (r.path.size() == 3 && r.path[2] == "progress") return error_reply(426, "progress is a WebSocket endpoint");
  return error_reply(404, "no such endpoint under /api/v1/jobs");
}

}  // namespace


json job_status_json(const JobStatus& st) {
  const auto& j = st.job;
  // The family's fields first (a render job's scene and settings, a proof job's operation), then
  // what every job has.
  json out = json::parse(j.spec, nullptr, false);
  if (!out.is_object()) out = json::object();
  out.update({{"id", j.id},
              {"family", j.family},
              {"kernel", j.kernel},
              {"state", compute::to_string(j.state)},
              {"max_price", j.max_price},
              {"redundancy", j.redundancy},
              {"created_at", j.created_at},
              {"subtasks", {{"total", st.total}, {"pending", st.pending}, {"assigned", st.assigned}, {"accepted", st.accepted}}},
              {"reassigned", st.reassigned},
              {"work", st.work},
              {"verification", {{"work", st.verified_work},
                                {"fraction", st.work ? double(st.verified_work) / double(st.work) : 0.0},
                                {"rejected", st.rejected}}},
              {"providers", st.providers}});
  if (!j.error.empty()) out["error"] = j.error;
  json output = json::parse(j.output, nullptr, false);
  if (output.is_object()) out.update(output);
  return out;
}

// What this node, as a requestor, knows of the providers it has worked with.
static ApiReply providers(ComputeNode& node, const ApiRequest& r) {
  if (r.path.size() != 1) return error_reply(404, "no such endpoint under /api/v1/providers");
  if (r.method != "GET") return wrong_method(r);
  json list = json::array();
  for (const auto& [id, rec] : node.reputation().all()) {
    json entry{{"id", network::to_hex(id)},       {"accepted", rec.accepted}, {"rejected", rec.rejected},
               {"timeouts", rec.timeouts},        {"failures", rec.failures}, {"reliability", rec.reliability()},
               {"excluded", rec.excluded}};
    if (rec.excluded) entry["reason"] = rec.reason;
    list.push_back(entry);
  }
  return json_reply(200, list);
}

// The offers this node has heard and that have not expired: who provides what, at what price.
static ApiReply offers(ComputeNode& node, const ApiRequest& r) {
  if (r.path.size() != 1) return error_reply(404, "no such endpoint under /api/v1/offers");
  if (r.method != "GET") return wrong_method(r);
  json list = json::array();
  for (const compute::Offer& o : node.offers().offers(network::now_ms())) {
    json devices = json::array();
    for (const auto& d : o.devices) devices.push_back({{"name", d.name}, {"backend", d.backend}, {"memory", d.memory_bytes}});
    json kernels = json::array();
    for (const auto& k : o.kernels) kernels.push_back({{"kernel", k.kernel}, {"speed", k.speed}, {"price", k.price}});
    list.push_back({{"provider", network::to_hex(network::node_id_of(o.provider))},
                    {"devices", devices},
                    {"kernels", kernels},
                    {"max_subtasks", o.max_subtasks},
                    {"sample_pieces", o.sample_pieces},
                    {"expires_at", o.expires_at}});
  }
  return json_reply(200, list);
}

static json receipt_json(const ledger::PaymentReceipt& r) {
  return {{"job", r.job_id},
          {"requestor_key", network::to_hex(r.requestor)},
          {"provider_key", network::to_hex(r.provider)},
          {"subtask", r.subtask},
          {"agreement_hash", network::to_hex(r.agreement_hash)},
          {"result", network::to_hex(r.result)},
          {"amount", r.amount},
          {"cumulative", r.cumulative},
          {"sequence", r.sequence},
          {"issued_at", r.issued_at},
          {"signature", network::to_hex(r.signature)}};
}

// What each requestor owes this node, proven by its newest receipt.
static ApiReply receipts(ComputeNode& node, const ApiRequest& r) {
  if (r.path.size() != 1) return error_reply(404, "no such endpoint under /api/v1/receipts");
  if (r.method != "GET") return wrong_method(r);
  auto owed = node.receipts().owed();
  if (!owed.is_ok()) return status_reply(owed.status());
  json list = json::array();
  for (const auto& o : *owed) {
    list.push_back({{"requestor", network::to_hex(network::node_id_of(o.requestor))},
                    {"receipts", o.receipts},
                    {"owed", o.latest.cumulative},
                    {"latest", receipt_json(o.latest)}});
  }
  return json_reply(200, list);
}

network::ApiRoutes jobs_routes(ComputeNode& node) {
  return [&node](const ApiRequest& r) -> std::optional<ApiReply> {
    if (r.path.empty()) return std::nullopt;
    if (r.path[0] == "providers") return providers(node, r);
    if (r.path[0] == "offers") return offers(node, r);
    if (r.path[0] == "receipts") return receipts(node, r);
    if (r.path[0] == "blobs") return blobs(node, r);
    if (r.path[0] == "jobs") return jobs(node, r);
    return std::nullopt;
  };
}

std::optional<std::string> jobs_stream_alias(const std::vector<std::string>& path) {
  if (path.size() == 3 && path[0] == "jobs" && path[2] == "progress") return compute::job_progress_stream(path[1]);
  return std::nullopt;
}

}  // namespace strata::compute
