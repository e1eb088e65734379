// The render family on the family interface: a job is a scene (its manifest's blob id) and render
// settings; its tasks are tiles times sample ranges (render::plan_render_job) encoded as
// RenderTasks; a provider renders them on one device or on all its devices sharing samples; the
// verifier re-renders random pixels; the output is the image (PNG and linear PFM). Its work unit
// is the pixel-sample.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "compute/family.h"
#include "host/render/job_plan.h"
#include "host/render/renderer.h"
#include "compute/render/messages.h"

namespace strata::compute {

// The kernel name offers and demands use for the path tracer.
inline constexpr const char* kRenderKernel = "render/pathtrace-v1";

struct RenderFamilyOptions {
  render::PlanOptions plan;
  verifier::CatchTarget catch_target;
  // For the verifier's tests only: alters each result before it goes out, as a dishonest provider
  // would (the renderer that made it is there to make another).
  std::function<void(const compute::RenderTask&, compute::RenderResult&, render::Renderer&)> alter_result;
  // For the requestor's tests only: a Status that fails each task in place of rendering it, as a
  // scene that does not load here would.
  std::function<Status(const compute::RenderTask&)> fail_subtask;
};

std::shared_ptr<Family> make_render_family(RenderFamilyOptions options);

// A render job's spec: the scene manifest's blob id and the settings ("scene", "width",
// "height", "spp", "seed", "max_depth", "rr_depth").
nlohmann::json render_spec(const std::string& scene, const render::RenderSettings& settings);

// The render family's verifier over one scene, on `renderer`'s device (encoded RenderTask and
// RenderResult, compute/render/messages.h): it re-renders random pixels (verifier/render_check.h).
// The renderer must outlive it.
std::unique_ptr<verifier::FamilyVerifier> make_render_verifier(render::Renderer& renderer, verifier::CatchTarget target);

// Pixel-samples per second of `device` on a small benchmark scene (about a quarter second).
Result<double> measure_render_speed(Device& device);

}  // namespace strata::compute
