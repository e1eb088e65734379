// strata submit render|proof | jobs | cancel: jobs through a node's API. submit render uploads the
// scene and every file it references as content-addressed blobs, submits the job, follows its
// progress (waiting out a restart of the node) and writes the finished image; submit proof is in
// submit_proof.cc.
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/api_call.h"
#include "cli/commands.h"
#include "cli/job_client.h"
#include "cli/progress.h"
#include "compute/scene_package.h"
#include "host/render/image_io.h"

#ifndef STRATA_DEMO_SCENE
#define STRATA_DEMO_SCENE "scenes/demo.gltf"
#endif

namespace strata::cli {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

int fail(const char* command, const std::string& what) {
  std::fprintf(stderr, "strata %s: %s\n", command, what.c_str());
  return 1;
}

namespace {

std::string extension_of(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// Uploads the scene's files and its manifest; returns the manifest's id.
Result<std::string> upload_scene(const ApiOptions& api, const std::string& scene) {
  auto files = render::SceneFiles::read_folder(scene);
  if (!files.is_ok()) return files.status();
  compute::SceneManifest manifest;
  manifest.main = files->main();
  uint64_t bytes = 0;
  for (const render::SceneFiles::File& f : files->files()) {
    auto stored = api_call(api, "POST", "/api/v1/blobs", std::string(f.bytes.begin(), f.bytes.end()));
    if (!stored.is_ok()) return Status(stored.status().code(), "uploading " + f.path + ": " + stored.status().message());
    auto id = network::parse_blob_id(stored->value("id", ""));
    if (!id.is_ok()) return internal_error("the node answered an upload without a blob id");
    if (*id != network::blob_id_of(f.bytes)) return internal_error("the node stored " + f.path + " under another id");
    manifest.files.push_back({f.path, *id, f.bytes.size()});
    bytes += f.bytes.size();
  }
  std::vector<uint8_t> encoded = compute::encode_manifest(manifest);
  auto stored = api_call(api, "POST", "/api/v1/blobs", std::string(encoded.begin(), encoded.end()));
  if (!stored.is_ok()) return stored.status();
  std::fprintf(stderr, "uploaded %s: %zu file(s), %llu bytes\n", scene.c_str(), files->files().size(),
               static_cast<unsigned long long>(bytes));
  return stored->value("id", "");
}

}  // namespace

Result<json> follow(const SubmitOptions& o, const std::string& job, ProgressBar& bar) {
  auto address = api_address(o.api);
  if (!address.is_ok()) return address.status();
  json end;
  auto away_since = Clock::now();
  bool reported_away = false;
  while (end.is_null()) {
    Status s = network::websocket_read(*address, "/api/v1/jobs/" + job + "/progress", [&](const std::string& text) {
      json event = json::parse(text, nullptr, false);
      if (!event.is_object() || !event.contains("content")) return true;
      const json& content = event["content"];
      if (!content.is_object()) return true;
      std::string kind = content.value("event", "");
      if (kind == "tile" || kind == "batch") bar.update(content.value("accepted", 0), content.value("total", 1));
      if (kind == "done" || kind == "failed" || kind == "cancelled") {
        end = content;
        return false;
      }
      return true;
    });
    if (!end.is_null()) break;
    // The stream closed or could not be opened: the node restarted, or the job ended before we
    // subscribed. Its status says which.
    auto st = api_call(o.api, "GET", "/api/v1/jobs/" + job);
    if (st.is_ok()) {
      away_since = Clock::now();
      reported_away = false;
      std::string state = st->value("state", "");
      if (state == "done") return json{{"event", "done"}};
      if (state != "running") return json{{"event", state}, {"error", st->value("error", "")}};
      if (!s.is_ok()) return s;
      continue;
    }
    if (!reported_away) {
      std::fprintf(stderr, "\nthe node at %s went away (%s); waiting up to %.0f s for it\n", o.api.api.c_str(),
                   st.status().message().c_str(), o.wait);
      reported_away = true;
    }
    if (std::chrono::duration<double>(Clock::now() - away_since).count() > o.wait) {
      return unavailable("the node at " + o.api.api + " has been away for over " + std::to_string(int(o.wait)) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return end;
}

Status follow_to_the_end(const SubmitOptions& o, const std::string& job) {
  ProgressBar bar("job " + job);
  auto end = follow(o, job, bar);
  bar.finish();
  if (!end.is_ok()) return Status(end.status().code(), end.status().message() + " (the job goes on; see strata jobs " + job + ")");
  std::string kind = end->value("event", "");
  if (kind == "done") return Status::ok();
  return unavailable("job " + job + " " + kind + (end->contains("error") ? ": " + end->value("error", "") : ""));
}

Result<json> submit_job(const SubmitOptions& o, const json& body) {
  Result<json> job = api_call(o.api, "POST", "/api/v1/jobs", body);
  // Providers may still be starting: wait for their offers.
  auto start = Clock::now();
  bool said = false;
  while (!job.is_ok() && job.status().code() == StatusCode::kUnavailable &&
         std::chrono::duration<double>(Clock::now() - start).count() < o.wait) {
    if (!said) std::fprintf(stderr, "waiting up to %.0f s for providers (%s)\n", o.wait, job.status().message().c_str());
    said = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    job = api_call(o.api, "POST", "/api/v1/jobs", body);
  }
  return job;
}

Result<std::string> fetch_result(const ApiOptions& api, const std::string& job, const std::string& what) {
  auto address = api_address(api);
  if (!address.is_ok()) return address.status();
  auto r = network::http_request(*address, "GET", "/api/v1/jobs/" + job + "/" + what, "", std::chrono::seconds(120));
  if (!r.is_ok()) return r.status();
  if (r->status != 200) {
    json why = json::parse(r->body, nullptr, false);
    return invalid_argument(why.is_object() ? why.value("error", r->body) : r->body);
  }
  return std::move(r->body);
}

namespace {

Status write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return io_error("cannot write " + path);
  return Status::ok();
}

// Fetches the finished image in the format `output` asks for and writes it there.
Status save_image(const ApiOptions& api, const std::string& job, const std::string& output) {
  std::string format = extension_of(output) == ".pfm" ? "pfm" : "png";
  auto bytes = fetch_result(api, job, "image?format=" + format);
  if (!bytes.is_ok()) return bytes.status();
  return write_file(output, *bytes);
}

int run_submit_render(const SubmitOptions& o) {
  const char* cmd = "submit";
  if (o.args.size() > 1) return fail(cmd, "render takes one scene file, not " + std::to_string(o.args.size()));
  std::string scene = o.args.empty() ? STRATA_DEMO_SCENE : o.args[0];
  std::string output = o.output.empty() ? "strata-job.png" : o.output;
  uint32_t width = 0, height = 0;
  if (!parse_size(o.size, width, height)) return fail(cmd, "--size '" + o.size + "' must be WIDTHxHEIGHT with each between 1 and 16384");
  std::string ext = extension_of(output);
  if (ext != ".png" && ext != ".pfm") return fail(cmd, "-o " + output + ": the image must be .png or .pfm");
  if (Status s = render::check_image_path(output); !s.is_ok()) return fail(cmd, s.message());
  auto manifest = upload_scene(o.api, scene);
  if (!manifest.is_ok()) return fail(cmd, manifest.status().message());
  json body{{"scene", *manifest}, {"width", width},        {"height", height},           {"spp", o.spp},
            {"seed", o.seed},     {"max_depth", o.depth}, {"max_price", o.max_price}, {"redundancy", o.redundancy}};
  auto start = Clock::now();
  Result<json> job = submit_job(o, body);
  if (!job.is_ok()) return fail(cmd, job.status().message());
  std::string id = job->value("id", "");
  std::printf("job %s: %ux%u, %u spp in %llu subtasks over %llu provider(s)\n", id.c_str(), width, height, o.spp,
              static_cast<unsigned long long>((*job)["subtasks"].value("total", 0)),
              static_cast<unsigned long long>(job->value("providers", 0)));
  std::fflush(stdout);
  if (o.detach) return 0;
  if (Status done = follow_to_the_end(o, id); !done.is_ok()) return fail(cmd, done.message());
  if (Status s = save_image(o.api, id, output); !s.is_ok()) return fail(cmd, s.message());
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("image: %s (job %s, %.2f s)\n", std::filesystem::absolute(output).lexically_normal().c_str(), id.c_str(),
              seconds);
  return 0;
}

}  // namespace

Runner add_submit_command(CLI::App& app) {
  auto o = std::make_shared<SubmitOptions>();
  auto* cmd = app.add_subcommand("submit", "Submit a job to the network through a node and write its result");
  cmd->add_option("kind", o->kind, "Job kind: render, proof or analytics")->required();
  cmd->add_option("args", o->args,
                  "render: a scene file (.gltf, .glb, .obj; the bundled demo scene by default). "
                  "proof: hash|merkle|verify and a file of items (as strata proof takes them). "
                  "analytics: a file of JSON events (as strata analytics run --input-file takes it)");
  cmd->add_option("--window", o->query.window, "analytics: tumbling:SIZE, sliding:SIZE/SLIDE or session:GAP");
  cmd->add_option("--group-by", o->query.group_by, "analytics: the field holding the key");
  cmd->add_option("--value", o->query.value, "analytics: the field holding the value");
  cmd->add_option("--time-field", o->query.time_field, "analytics: the field holding the event time (ms)")->capture_default_str();
  cmd->add_option("--agg", o->query.agg, "analytics: count,sum,min,max,mean,var,pN,topN")->capture_default_str();
  cmd->add_option("--lateness", o->query.lateness, "analytics: how long after a pane's end its events still count")
      ->capture_default_str();
  cmd->add_option("--scale", o->query.scale, "analytics: decimal digits kept of each value")->capture_default_str();
  cmd->add_option("--size", o->size, "Image size WIDTHxHEIGHT")->capture_default_str();
  cmd->add_option("--spp", o->spp, "Samples per pixel")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Job seed");
  cmd->add_option("--depth", o->depth, "Maximum path length in segments")->capture_default_str();
  cmd->add_option("--max-price", o->max_price, "Highest price per 10^9 work units of the job's kernel to pay")
      ->capture_default_str();
  cmd->add_option("--algo", o->algo, "proof: sha256, keccak256 (Ethereum's) or blake2b")->capture_default_str();
  cmd->add_option("--raw", o->raw, "proof: read the file as items of SIZE bytes each");
  cmd->add_option("--prove", o->prove, "proof merkle: leaves (from 0) to prove, as I,J,...")->delimiter(',');
  cmd->add_option("--redundancy", o->redundancy,
                  "Share of subtasks (0 to 1) that a second provider computes too, compared bit for bit")
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output,
                  "render: the image, .png or .pfm (linear float; strata-job.png by default); proof, analytics: JSON "
                  "lines (strata-job.jsonl by default)");
  add_api_options(cmd, o->api);
  cmd->add_option("--wait", o->wait, "Seconds to wait for providers, or for a node that went away")->capture_default_str();
  cmd->add_flag("--detach", o->detach, "Print the job id and return; follow with strata jobs");
  return [o] {
    if (o->kind == "render") return run_submit_render(*o);
    if (o->kind == "proof") return run_submit_proof(*o);
    if (o->kind == "analytics") return run_submit_analytics(*o);
    return fail("submit", "unknown job kind '" + o->kind + "' (known: render, proof, analytics)");
  };
}

Runner add_jobs_command(CLI::App& app) {
  struct Options {
    ApiOptions api;
    std::string job;
    std::string output;
    double wait = 0;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("jobs", "List the node's jobs (one JSON object per line), or show one");
  cmd->add_option("job", o->job, "A job id: show only it");
  cmd->add_option("-o,--output", o->output,
                  "With a job: write what it finished here (render: the image, .png or .pfm; proof: its JSON lines)");
  cmd->add_option("--wait", o->wait, "With a job: wait up to this many seconds for it to finish");
  add_api_options(cmd, o->api);
  return [o] {
    if (o->job.empty()) {
      if (!o->output.empty()) return fail("jobs", "-o needs a job id");
      auto list = api_call(o->api, "GET", "/api/v1/jobs");
      if (!list.is_ok()) return fail("jobs", list.status().message());
      for (const json& j : *list) std::printf("%s\n", j.dump().c_str());
      return 0;
    }
    auto start = Clock::now();
    for (;;) {
      auto job = api_call(o->api, "GET", "/api/v1/jobs/" + network::percent_encode(o->job));
      bool waiting = std::chrono::duration<double>(Clock::now() - start).count() < o->wait;
      if (!job.is_ok() && !(waiting && job.status().code() == StatusCode::kUnavailable)) {
        return fail("jobs", job.status().message());
      }
      if (job.is_ok() && (job->value("state", "") != "running" || !waiting)) {
        std::printf("%s\n", job->dump().c_str());
        if (o->output.empty()) return 0;
        if (job->value("family", "render") != "render") {
          // The job's own output (JSON lines by item; strata submit writes them by input line).
          auto lines = fetch_result(o->api, o->job, "output");
          if (!lines.is_ok()) return fail("jobs", lines.status().message());
          if (Status s = write_file(o->output, *lines); !s.is_ok()) return fail("jobs", s.message());
          std::printf("output: %s\n", std::filesystem::absolute(o->output).lexically_normal().c_str());
          return 0;
        }
        if (Status s = save_image(o->api, o->job, o->output); !s.is_ok()) return fail("jobs", s.message());
        std::printf("image: %s\n", std::filesystem::absolute(o->output).lexically_normal().c_str());
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  };
}

Runner add_receipts_command(CLI::App& app) {
  auto api = std::make_shared<ApiOptions>();
  auto providers = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("receipts",
                                 "What each requestor owes this node, proven by its newest signed receipt (one JSON object per line)");
  cmd->add_flag("--providers", *providers, "Instead: the providers this node has given work to, with their record");
  add_api_options(cmd, *api);
  return [api, providers] {
    auto r = api_call(*api, "GET", *providers ? "/api/v1/providers" : "/api/v1/receipts");
    if (!r.is_ok()) return fail("receipts", r.status().message());
    for (const json& item : *r) std::printf("%s\n", item.dump().c_str());
    return 0;
  };
}

Runner add_cancel_command(CLI::App& app) {
  auto api = std::make_shared<ApiOptions>();
  auto job = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("cancel", "Cancel a job");
  cmd->add_option("job", *job, "The job id")->required();
  add_api_options(cmd, *api);
  return [api, job] {
    auto r = api_call(*api, "POST", "/api/v1/jobs/" + network::percent_encode(*job) + "/cancel");
    if (!r.is_ok()) return fail("cancel", r.status().message());
    std::printf("%s\n", r->dump().c_str());
    return 0;
  };
}

}  // namespace strata::cli
