#include "compute/render/family.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "compute/scene_package.h"
#include "compute/spec_fields.h"
#include "host/device_peers.h"
#include "host/render/image_io.h"
#include "host/render/multi_device.h"
#include "host/render/procedural.h"
#include "network/blob_store.h"
#include "verifier/render_check.h"
#include "compute/render/result_chunks.h"

namespace strata::compute {

using json = nlohmann::json;
using network::BlobId;
using Clock = std::chrono::steady_clock;

json render_spec(const std::string& scene, const render::RenderSettings& s) {
  return {{"scene", scene},   {"width", s.width},         {"height", s.height},    {"spp", s.spp},
          {"seed", s.seed},   {"max_depth", s.max_depth}, {"rr_depth", s.rr_depth}};
}

Result<double> measure_render_speed(Device& device) {
  render::Scene scene = render::make_bench_scene(2000);
  auto gpu = render::build_scene_gpu(scene);
  if (!gpu.is_ok()) return gpu.status();
  auto renderer = render::Renderer::create(device, *gpu, *scene.camera);
  if (!renderer.is_ok()) return renderer.status();
  render::RenderSettings settings;
  settings.width = settings.height = 64;
  render::TileRect tile{0, 0, 64, 64};
  render::AccumBuffer accum = render::AccumBuffer::for_rect(tile);
  // One warm-up pass (kernel compilation, first touches), then passes for about a quarter second.
  STRATA_RETURN_IF_ERROR((*renderer)->render(settings, tile, 0, 1, accum));
  uint64_t samples = 0;
  auto start = Clock::now();
  double seconds = 0;
  for (uint32_t pass = 1; seconds < 0.25; ++pass) {
    STRATA_RETURN_IF_ERROR((*renderer)->render(settings, tile, pass * 4, 4, accum));
    samples += uint64_t(64) * 64 * 4;
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return samples / seconds;
}

namespace {

static_assert(render::kMaxSamplePieces == compute::kMaxTaskPieces, "a rig's devices share a task's sample pieces");

Result<render::RenderSettings> settings_of(const json& spec) {
  render::RenderSettings defaults, s;
  struct Field {
    const char* name;
    std::optional<uint64_t> fallback;
    uint64_t max;
    uint32_t* out;
  };
  for (const Field& f : {Field{"width", std::nullopt, 16384, &s.width}, Field{"height", std::nullopt, 16384, &s.height},
                         Field{"spp", std::nullopt, 1u << 20, &s.spp}, Field{"seed", 0, UINT32_MAX, &s.seed},
                         Field{"max_depth", defaults.max_depth, 64, &s.max_depth},
                         Field{"rr_depth", defaults.rr_depth, 64, &s.rr_depth}}) {
    auto v = spec_number(spec, f.name, f.fallback, f.max);
    if (!v.is_ok()) return v.status();
    *f.out = static_cast<uint32_t>(*v);
  }
  STRATA_RETURN_IF_ERROR(render::check_settings(s));
  return s;
}

// The scene of manifest `scene_id`, unpacked from `store` and prepared; an error names what is
// missing or wrong.
Result<render::PreparedScene> load_scene(network::BlobStore& store, const std::string& scene_id) {
  auto manifest_id = network::parse_blob_id(scene_id);
  if (!manifest_id.is_ok()) return invalid_argument("scene: " + manifest_id.status().message());
  if (!store.has(*manifest_id)) return not_found("scene " + scene_id + " is not in this node's blob store (upload it first)");
  auto manifest_bytes = store.get(*manifest_id);
  if (!manifest_bytes.is_ok()) return manifest_bytes.status();
  auto manifest = decode_manifest(*manifest_bytes);
  if (!manifest.is_ok()) return manifest.status();
  for (const auto& f : manifest->files) {
    if (!store.has(f.id)) return not_found("the scene's file '" + f.path + "' is not in this node's blob store");
  }
  auto files = fetch_scene(*manifest, [&store](const BlobId& id, uint64_t) { return store.get(id); });
  if (!files.is_ok()) return files.status();
  return render::prepare_scene(*files);
}

bool same_accum(const render::AccumBuffer& a, const render::AccumBuffer& b) {
  return a.rect == b.rect && a.rgbw.size() == b.rgbw.size() && a.rays == b.rays &&
         std::memcmp(a.rgbw.data(), b.rgbw.data(), a.rgbw.size() * sizeof(float)) == 0;
}

class RenderJob final : public FamilyJob {
 public:
  RenderJob(const RenderFamilyOptions& options, JobContext& context, std::string scene, render::RenderSettings settings,
            std::shared_ptr<const render::PreparedScene> prepared, uint32_t pieces)
      : options_(options),
        context_(context),
        scene_(std::move(scene)),
        settings_(settings),
        prepared_(std::move(prepared)),
        pieces_(pieces) {}

  json spec() const override {
    json s = render_spec(scene_, settings_);
    s["sample_pieces"] = pieces_;
    return s;
  }
  std::string kernel() const override { return kRenderKernel; }
  uint64_t min_memory() const override {
    uint64_t tile_bytes = uint64_t(options_.plan.max_tile) * options_.plan.max_tile * (4 * sizeof(float) + sizeof(uint32_t));
    return prepared_->gpu.device_bytes() + tile_bytes;
  }

  Result<std::vector<PlannedTask>> plan(const std::string& job_id, const std::vector<ProviderSpeed>& providers) override {
    std::vector<double> speeds;
    for (const ProviderSpeed& p : providers) {
      speeds.push_back(p.speed);
      // As many pieces as the largest rig whose devices share tasks, so each takes a share.
      pieces_ = std::max(pieces_, std::min(p.pieces, render::kMaxSamplePieces));
    }
    auto plan = render::plan_render_job(settings_, speeds, options_.plan);
    if (!plan.is_ok()) return plan.status();
    std::vector<PlannedTask> tasks;
    for (const render::Subtask& s : *plan) tasks.push_back(planned_task(s.index, encode(task_for(job_id, s)), s.work()));
    return tasks;
  }

  Result<PlannedTask> twin(const PlannedTask& task, uint32_t index) override {
    auto t = decode_render_task(task.bytes);
    if (!t.is_ok()) return t.status();
    t->subtask = index;
    return planned_task(index, encode(*t), task.work);
  }

  uint64_t max_result_bytes(const PlannedTask& task) const override {
    auto t = decode_render_task(task.bytes);
    if (!t.is_ok()) return 0;
    // Per pixel four float sums and a ray count, as the FlatBuffer lays them out, and a header.
    return uint64_t(t->tile.w) * t->tile.h * 32 + 65536;
  }

  Status check(const PlannedTask& task, std::span<const uint8_t> result, const Commitment& announced) override {
    auto t = decode_render_task(task.bytes);
    if (!t.is_ok()) return internal_error("a stored task does not decode: " + t.status().message());
    auto r = decode_render_result(result);
    if (!r.is_ok()) return r.status();
    if (!answers(*t, *r)) return invalid_argument("the result does not match the subtask it was announced for");
    if (render_commitment(*r) != announced.merkle_root || render_chunk_count(*r) != announced.chunks) {
      // The provider announced, under its signature, a commitment its own result does not have.
      return invalid_argument("the result does not match the Merkle root its provider announced");
    }
    return Status::ok();
  }

  Result<verifier::Verdict> verify(Device& device, const PlannedTask& task, std::span<const uint8_t> result,
                                   uint64_t seed) override {
    if (!renderer_ || verify_device_ != &device) {
      auto renderer = render::Renderer::create(device, prepared_->gpu, prepared_->camera);
      if (!renderer.is_ok()) return renderer.status();
      verifier_.reset();
      renderer_ = std::move(*renderer);
      verifier_ = make_render_verifier(*renderer_, options_.catch_target);
      verify_device_ = &device;
    }
    return verifier_->verify(task.bytes, result, seed);
  }

  bool same(std::span<const uint8_t> a, std::span<const uint8_t> b) const override {
    auto ra = decode_render_result(a);
    auto rb = decode_render_result(b);
    return ra.is_ok() && rb.is_ok() && same_accum(ra->accum, rb->accum);
  }

  Status accumulate(const PlannedTask&, std::span<const uint8_t> result) override {
    auto r = decode_render_result(result);
    if (!r.is_ok()) return r.status();
    if (!image_) image_ = render::AccumBuffer::for_rect({0, 0, settings_.width, settings_.height});
    return image_->merge(r->accum);
  }

  Result<json> finish(const std::string& job_id, Device&) override {
    if (!image_) return internal_error("job " + job_id + " has no accepted result to write");
    std::error_code ec;
    std::filesystem::create_directories(context_.output_dir, ec);
    render::Image resolved = render::resolve(*image_);
    std::string png = context_.output_dir + "/" + job_id + ".png", pfm = context_.output_dir + "/" + job_id + ".pfm";
    STRATA_RETURN_IF_ERROR(render::write_pfm(pfm, resolved));
    STRATA_RETURN_IF_ERROR(render::write_png(png, resolved));
    return json{{"image", png}, {"linear_image", pfm}};
  }

  json describe(const PlannedTask& task) const override {
    auto t = decode_render_task(task.bytes);
    if (!t.is_ok()) return {{"event", "tile"}};
    return {{"event", "tile"},
            {"tile", json::array({t->tile.x, t->tile.y, t->tile.w, t->tile.h})},
            {"samples", json::array({t->sample_begin, t->sample_count})}};
  }

 private:
  // The task a subtask stands for, as proposed to a provider and as its result is checked.
  compute::RenderTask task_for(const std::string& job_id, const render::Subtask& s) const {
    compute::RenderTask task;
    task.job_id = job_id;
    task.scene_hash = *network::parse_blob_id(scene_);
    task.width = settings_.width;
    task.height = settings_.height;
    task.tile = s.tile;
    task.sample_begin = s.sample_begin;
    task.sample_count = s.sample_count;
    task.seed = settings_.seed;
    task.max_depth = settings_.max_depth;
    task.rr_depth = settings_.rr_depth;
    task.subtask = s.index;
    task.sample_pieces = std::clamp(std::min(pieces_, s.sample_count), 1u, render::kMaxSamplePieces);
    return task;
  }

  const RenderFamilyOptions& options_;
  JobContext& context_;
  std::string scene_;
  render::RenderSettings settings_;
  std::shared_ptr<const render::PreparedScene> prepared_;
  uint32_t pieces_ = 1;
  std::optional<render::AccumBuffer> image_;  // accepted results merged in task order
  // The verifier, on the device it was last asked to use.
  const Device* verify_device_ = nullptr;
  std::unique_ptr<render::Renderer> renderer_;
  std::unique_ptr<verifier::FamilyVerifier> verifier_;
};

class RenderFamily;

// One provider worker's scene on its devices, and the rendering of its tasks.
class RenderRunner final : public TaskRunner {
 public:
  RenderRunner(RenderFamily& family, ProviderContext& context) : family_(family), context_(context) {}
  Result<TaskOutput> run(std::span<Device* const> devices, const compute::TaskProposal& proposal,
                         const network::NodeId& requestor) override;
  void idle() override { loaded_ = Loaded{}; }

 private:
  struct Loaded {
    BlobId manifest{};
    std::unique_ptr<render::Renderer> renderer;           // on the worker's first device
    std::unique_ptr<render::MultiDeviceRenderer> shared;  // on all of them, when they share samples
  };
  Status load(std::span<Device* const> devices, const compute::RenderTask& task, const network::NodeId& requestor);

  RenderFamily& family_;
  ProviderContext& context_;
  Loaded loaded_;
};

class RenderFamily final : public Family {
 public:
  explicit RenderFamily(RenderFamilyOptions options) : options_(std::move(options)) {}

  std::string name() const override { return "render"; }

  Result<std::unique_ptr<FamilyJob>> open(const json& spec, JobContext& context) override {
    auto scene = spec_string(spec, "scene", "the scene manifest's blob id");
    if (!scene.is_ok()) return scene.status();
    auto settings = settings_of(spec);
    if (!settings.is_ok()) return settings.status();
    auto pieces = spec_number(spec, "sample_pieces", 1, render::kMaxSamplePieces);
    if (!pieces.is_ok()) return pieces.status();
    // Loaded here first: a scene that cannot render is refused now, not by every provider, and its
    // size on a device is what the demand asks of providers' memory.
    auto prepared = load_scene(context.store, *scene);
    if (!prepared.is_ok()) return prepared.status();
    return std::unique_ptr<FamilyJob>(new RenderJob(options_, context, *scene, *settings,
                                                    std::make_shared<const render::PreparedScene>(std::move(*prepared)),
                                                    std::max<uint32_t>(1, static_cast<uint32_t>(*pieces))));
  }

  std::vector<std::string> kernels() const override { return {kRenderKernel}; }

  Status check_task(const compute::TaskProposal& p) const override {
    auto task = decode_render_task(p.task_bytes);
    if (!task.is_ok()) return task.status();
    if (task->job_id != p.job_id()) return invalid_argument("the agreement and the task name different jobs");
    if (task->subtask != p.subtask()) return invalid_argument("the agreement must name exactly the task's subtask");
    return Status::ok();
  }

  Status self_test(Device& device) override { return render::render_self_test(device); }

  Result<double> speed(Device& device, const std::string&) override { return measure_render_speed(device); }
  bool shares_tasks_across_devices() const override { return true; }

  std::unique_ptr<TaskRunner> runner(ProviderContext& context) override {
    return std::make_unique<RenderRunner>(*this, context);
  }

  // The scene of `manifest_id`, fetched from `requestor` the first time; a few recent scenes stay
  // in memory, shared by the workers.
  Result<std::shared_ptr<const render::PreparedScene>> scene_for(ProviderContext& context, const network::NodeId& requestor,
                                                                 const BlobId& manifest_id) {
    std::lock_guard lock(scene_mutex_);
    if (auto it = scenes_.find(manifest_id); it != scenes_.end()) return it->second;
    auto manifest_bytes = context.blobs.fetch(requestor, manifest_id, std::chrono::seconds(30), kMaxManifestBytes);
    if (!manifest_bytes.is_ok()) return manifest_bytes.status();
    auto manifest = decode_manifest(*manifest_bytes);
    if (!manifest.is_ok()) return manifest.status();
    auto files = fetch_scene(*manifest, [&](const BlobId& id, uint64_t size) {
      return context.blobs.fetch(requestor, id, std::chrono::seconds(30), size);
    });
    if (!files.is_ok()) return files.status();
    auto prepared = render::prepare_scene(*files);
    if (!prepared.is_ok()) return prepared.status();
    auto shared = std::make_shared<const render::PreparedScene>(std::move(*prepared));
    if (scenes_.size() >= 4) scenes_.erase(scenes_.begin());
    scenes_[manifest_id] = shared;
    if (context.log) {
      context.log("loaded scene " + network::to_string(manifest_id).substr(0, 16) + " (" +
                  std::to_string(shared->triangles) + " triangles)");
    }
    return shared;
  }

  const RenderFamilyOptions& options() const { return options_; }

 private:
  RenderFamilyOptions options_;
  std::mutex scene_mutex_;  // one scene loads at a time; the rest wait for it and share it
  std::map<BlobId, std::shared_ptr<const render::PreparedScene>> scenes_;
};

Status RenderRunner::load(std::span<Device* const> devices, const compute::RenderTask& task, const network::NodeId& requestor) {
  bool sharing = devices.size() > 1;
  if (loaded_.manifest == task.scene_hash && (loaded_.renderer || loaded_.shared)) return Status::ok();
  auto scene = family_.scene_for(context_, requestor, task.scene_hash);
  if (!scene.is_ok()) return scene.status();
  loaded_ = Loaded{};
  if (sharing) {
    if (!context_.peers) return internal_error("devices share a task without device peers");
    auto shared = render::MultiDeviceRenderer::create(*context_.peers, context_.speeds, (*scene)->gpu, (*scene)->camera);
    if (!shared.is_ok()) return shared.status();
    loaded_.shared = std::move(*shared);
  }
  if (!sharing || family_.options().alter_result) {
    auto renderer = render::Renderer::create(*devices[0], (*scene)->gpu, (*scene)->camera);
    if (!renderer.is_ok()) return renderer.status();
    loaded_.renderer = std::move(*renderer);
  }
  loaded_.manifest = task.scene_hash;
  return Status::ok();
}

Result<TaskOutput> RenderRunner::run(std::span<Device* const> devices, const compute::TaskProposal& proposal,
                                     const network::NodeId& requestor) {
  auto decoded = decode_render_task(proposal.task_bytes);
  if (!decoded.is_ok()) return decoded.status();
  const compute::RenderTask& task = *decoded;
  const RenderFamilyOptions& options = family_.options();
  if (options.fail_subtask) STRATA_RETURN_IF_ERROR(options.fail_subtask(task));
  STRATA_RETURN_IF_ERROR(load(devices, task, requestor));
  compute::RenderResult result;
  result.job_id = task.job_id;
  result.subtask = task.subtask;
  result.sample_begin = task.sample_begin;
  result.sample_count = task.sample_count;
  result.sample_pieces = task.sample_pieces;
  result.accum = render::AccumBuffer::for_rect(task.tile);
  if (devices.size() > 1) {
    STRATA_RETURN_IF_ERROR(loaded_.shared->render(task.settings(), task.tile, task.sample_begin, task.sample_count,
                                                  task.sample_pieces, result.accum));
  } else {
    STRATA_RETURN_IF_ERROR(loaded_.renderer->render_pieces(task.settings(), task.tile, task.sample_begin,
                                                           task.sample_count, task.sample_pieces, result.accum));
  }
  if (options.alter_result) options.alter_result(task, result, *loaded_.renderer);
  TaskOutput out;
  out.commitment.merkle_root = render_commitment(result);
  out.commitment.chunks = static_cast<uint32_t>(render_chunk_count(result));
  out.bytes = encode(result);
  return out;
}

}  // namespace

class RenderVerifier final : public verifier::FamilyVerifier {
 public:
  RenderVerifier(render::Renderer& renderer, verifier::CatchTarget target) : renderer_(renderer), target_(target) {}

  Result<verifier::Verdict> verify(std::span<const uint8_t> task_bytes, std::span<const uint8_t> result_bytes, uint64_t seed) override {
    auto task = decode_render_task(task_bytes);
    if (!task.is_ok()) return task.status();
    auto result = decode_render_result(result_bytes);
    if (!result.is_ok()) return verifier::Verdict{false, result.status().message(), 0};
    if (!answers(*task, *result)) {
      return verifier::Verdict{false, "the result is for another subtask than the one it answers", 0};
    }
    uint64_t pixels = uint64_t(task->tile.w) * task->tile.h;
    uint32_t n = verifier::pixels_to_check(target_.catch_rate, target_.bad_fraction, pixels);
    return verifier::spot_check_render(renderer_, task->settings(), result->accum, task->sample_begin, task->sample_count,
                             task->sample_pieces, n, seed);
  }

 private:
  render::Renderer& renderer_;
  verifier::CatchTarget target_;
};

std::unique_ptr<verifier::FamilyVerifier> make_render_verifier(render::Renderer& renderer, verifier::CatchTarget target) {
  return std::make_unique<RenderVerifier>(renderer, target);
}

std::shared_ptr<Family> make_render_family(RenderFamilyOptions options) {
  return std::make_shared<RenderFamily>(std::move(options));
}

}  // namespace strata::compute
