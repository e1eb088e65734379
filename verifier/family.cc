#include "verifier/family.h"

#include "network/render_messages.h"

namespace strata::verifier {
namespace {

class RenderVerifier final : public FamilyVerifier {
 public:
  RenderVerifier(render::Renderer& renderer, CatchTarget target) : renderer_(renderer), target_(target) {}

  Result<Verdict> verify(std::span<const uint8_t> task_bytes, std::span<const uint8_t> result_bytes, uint64_t seed) override {
    auto task = network::decode_render_task(task_bytes);
    if (!task.is_ok()) return task.status();
    auto result = network::decode_render_result(result_bytes);
    if (!result.is_ok()) return Verdict{false, result.status().message(), 0};
    if (!network::answers(*task, *result)) {
      return Verdict{false, "the result is for another subtask than the one it answers", 0};
    }
    uint64_t pixels = uint64_t(task->tile.w) * task->tile.h;
    uint32_t n = pixels_to_check(target_.catch_rate, target_.bad_fraction, pixels);
    return spot_check_render(renderer_, task->settings(), result->accum, task->sample_begin, task->sample_count,
                             task->sample_pieces, n, seed);
  }

 private:
  render::Renderer& renderer_;
  CatchTarget target_;
};

}  // namespace

std::unique_ptr<FamilyVerifier> make_render_verifier(render::Renderer& renderer, CatchTarget target) {
  return std::make_unique<RenderVerifier>(renderer, target);
}

}  // namespace strata::verifier
