// The tile API: render a rectangle of the image over a range of sample indices into an
// accumulation buffer, on any device. Sample s of pixel p under seed k has the same radiance,
// bit for bit, whichever tile, launch split, device or backend computes it.
#pragma once

#include <array>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>

#include "host/device.h"
#include "host/render/scene.h"

namespace strata::render {

struct RenderSettings {
  uint32_t width = 640;
  uint32_t height = 480;
  uint32_t spp = 64;
  uint32_t seed = 0;
  uint32_t max_depth = 8;  // path segments, camera ray included
  uint32_t rr_depth = 3;   // Russian roulette starts after this many segments
};

struct TileRect {
  uint32_t x = 0, y = 0, w = 0, h = 0;
  bool operator==(const TileRect&) const = default;
};

struct AccumBuffer {
  TileRect rect;
  std::vector<float> rgbw;     // 4 per pixel, row-major: RGB radiance sums and the sample count
  std::vector<uint32_t> rays;  // rays traced per pixel

  static AccumBuffer for_rect(TileRect rect);
  uint64_t total_rays() const;
  // Adds `other` into the pixels it covers; it must lie inside this buffer's rectangle.
  Status merge(const AccumBuffer& other);
};

// A subtask's sample range may be cut into pieces, each accumulated from zero and then added in
// order, so that the devices of one rig can share its samples and still give the same bits as one
// device (host/render/multi_device.h). At most this many pieces.
inline constexpr uint32_t kMaxSamplePieces = 16;

struct SampleRange {
  uint32_t begin = 0, count = 0;
  bool operator==(const SampleRange&) const = default;
};

// [sample_begin, sample_begin + sample_count) cut into `pieces` consecutive ranges, the first
// ones one sample longer when it does not divide evenly. `pieces` is at least 1 and at most
// sample_count (callers check; see check_sample_pieces).
std::vector<SampleRange> sample_pieces(uint32_t sample_begin, uint32_t sample_count, uint32_t pieces);
Status check_sample_pieces(uint32_t sample_count, uint32_t pieces);

class Renderer {
 public:
  // Uploads the scene to the device; fails with kOutOfMemory when it does not fit.
  static Result<std::unique_ptr<Renderer>> create(Device& device, const SceneGpu& scene, const Camera& camera);
  ~Renderer();

  // Adds samples [sample_begin, sample_begin + sample_count) of every pixel of `tile` to `accum`,
  // whose rectangle must be `tile`.
  Status render(const RenderSettings& settings, TileRect tile, uint32_t sample_begin, uint32_t sample_count,
                AccumBuffer& accum);

  // Renders the samples cut into `pieces` (sample_pieces): each piece accumulated from zero, then
  // added to `accum` in order. One piece is render().
  Status render_pieces(const RenderSettings& settings, TileRect tile, uint32_t sample_begin, uint32_t sample_count,
                       uint32_t pieces, AccumBuffer& accum);

  // Renders the samples (cut into `pieces`, as render_pieces) of a list of scattered image
  // pixels in one launch per piece: the result's item i (rect {0, 0, n, 1}) holds pixel i, with
  // the bits render_pieces gives that pixel in any tile. For spot checks.
  Result<AccumBuffer> render_pixels(const RenderSettings& settings, std::span<const std::array<uint32_t, 2>> pixels,
                                    uint32_t sample_begin, uint32_t sample_count, uint32_t pieces);

  // For devices sharing a subtask: renders the samples from zero into `rgbw` (4 floats per tile
  // pixel) and `rays` (one per pixel), buffers on this renderer's device, and leaves them there.
  Status render_resident(const RenderSettings& settings, TileRect tile, uint32_t sample_begin, uint32_t sample_count,
                         DeviceBuffer& rgbw, DeviceBuffer& rays);

  // Renders the full image with all settings.spp samples, in passes sized to keep the progress
  // callback (samples done, total) coming about four times a second.
  Result<AccumBuffer> render_image(const RenderSettings& settings,
                                   const std::function<void(uint32_t, uint32_t)>& progress = {});

  Device& device() { return device_; }

 private:
  Status upload_accum(const AccumBuffer& accum);
  Status download_accum(AccumBuffer& accum);
  // Adds the samples into the device-resident accumulation and waits for them.
  Status launch(const RenderSettings& settings, TileRect tile, uint32_t sample_begin, uint32_t sample_count,
                DeviceBuffer& rgbw, DeviceBuffer& rays);
  Status upload_params(const RenderSettings& settings, TileRect tile, uint32_t sample_begin, uint32_t sample_count);
  // Launches a render kernel with the scene's buffers and the parameters first, then `rest`, and
  // waits for it.
  Status launch_with_scene(std::string_view kernel, LaunchRange range, std::initializer_list<KernelArg> rest);

  struct Buffers;
  Renderer(Device& device, const SceneGpu& scene, const Camera& camera);

  Device& device_;
  Camera camera_;
  Float3 background_;
  uint32_t light_count_, tri_light_count_;
  std::unique_ptr<Buffers> buffers_;
};

Status check_settings(const RenderSettings& settings);
// The settings are valid and `tile` is a non-empty rectangle inside the image.
Status check_tile(const RenderSettings& settings, TileRect tile);

// Known-answer test of the render kernel, run before a device takes render work: inside a closed
// emitting enclosure (make_emitting_enclosure) every pixel converges to Le (1 - a^D) / (1 - a);
// the device's accumulation buffer must match that within its noise and, on other backends, equal
// the cpu backend's bit for bit.
Status render_self_test(Device& device);

}  // namespace strata::render
