#include "host/render/renderer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "host/render/procedural.h"

namespace strata::render {

AccumBuffer AccumBuffer::for_rect(TileRect rect) {
  AccumBuffer a;
  a.rect = rect;
  a.rgbw.assign(size_t(rect.w) * rect.h * 4, 0.0f);
  a.rays.assign(size_t(rect.w) * rect.h, 0);
  return a;
}

uint64_t AccumBuffer::total_rays() const {
  uint64_t n = 0;
  for (uint32_t r : rays) n += r;
  return n;
}

Status AccumBuffer::merge(const AccumBuffer& other) {
  const TileRect& o = other.rect;
  if (o.x < rect.x || o.y < rect.y || o.x + o.w > rect.x + rect.w || o.y + o.h > rect.y + rect.h) {
    return invalid_argument("merge: the tile lies outside the accumulation buffer");
  }
  for (uint32_t y = 0; y < o.h; ++y) {
    for (uint32_t x = 0; x < o.w; ++x) {
      size_t dst = size_t(y + o.y - rect.y) * rect.w + (x + o.x - rect.x), src = size_t(y) * o.w + x;
      for (int c = 0; c < 4; ++c) rgbw[dst * 4 + c] += other.rgbw[src * 4 + c];
      rays[dst] += other.rays[src];
    }
  }
  return Status::ok();
}

Status check_settings(const RenderSettings& s) {
  if (s.width == 0 || s.height == 0 || s.width > 16384 || s.height > 16384) {
    return invalid_argument("image size must be between 1x1 and 16384x16384, got " + std::to_string(s.width) + "x" +
                            std::to_string(s.height));
  }
  if (s.spp == 0) return invalid_argument("samples per pixel must be at least 1");
  if (s.max_depth == 0 || s.max_depth > 1024) return invalid_argument("path depth must be between 1 and 1024");
  return Status::ok();
}

struct Renderer::Buffers {
  std::unique_ptr<DeviceBuffer> nodes, tris, shading, materials, tex_infos, texels, srgb_lut, lights, params;
  std::unique_ptr<DeviceBuffer> accum, rays;  // the accumulation of the tile being rendered
  std::unique_ptr<DeviceBuffer> pixel_list;   // render_pixels' (x, y) pairs
};

Renderer::Renderer(Device& device, const SceneGpu& scene, const Camera& camera)
    : device_(device),
      camera_(camera),
      background_(scene.background),
      light_count_(static_cast<uint32_t>(scene.lights.size())),
      tri_light_count_(scene.triangle_light_count),
      buffers_(std::make_unique<Buffers>()) {}

Renderer::~Renderer() = default;

Result<std::unique_ptr<Renderer>> Renderer::create(Device& device, const SceneGpu& scene, const Camera& camera) {
  size_t bytes = scene.nodes.size() * sizeof(kt::BvhNode) + scene.tris.size() * sizeof(kt::Tri) +
                 scene.shading.size() * sizeof(kt::TriShading) + scene.texels.size() * 4;
  if (device.info().memory_bytes && bytes > device.info().memory_bytes) {
    return Status(StatusCode::kOutOfMemory, "the scene needs " + std::to_string(bytes >> 20) + " MiB but " +
                                                device.info().id() + " has " +
                                                std::to_string(device.info().memory_bytes >> 20) + " MiB");
  }
  std::unique_ptr<Renderer> r(new Renderer(device, scene, camera));
  auto put = [&](std::unique_ptr<DeviceBuffer>& dst, auto span) -> Status {
    auto b = device.upload_new(span);
    if (!b.is_ok()) return b.status();
    dst = std::move(b.value());
    return Status::ok();
  };
  Buffers& b = *r->buffers_;
  STRATA_RETURN_IF_ERROR(put(b.nodes, std::span<const kt::BvhNode>(scene.nodes)));
  STRATA_RETURN_IF_ERROR(put(b.tris, std::span<const kt::Tri>(scene.tris)));
  STRATA_RETURN_IF_ERROR(put(b.shading, std::span<const kt::TriShading>(scene.shading)));
  STRATA_RETURN_IF_ERROR(put(b.materials, std::span<const kt::Material>(scene.materials)));
  STRATA_RETURN_IF_ERROR(put(b.tex_infos, std::span<const kt::TexInfo>(scene.tex_infos)));
  STRATA_RETURN_IF_ERROR(put(b.texels, std::span<const uint32_t>(scene.texels)));
  STRATA_RETURN_IF_ERROR(put(b.srgb_lut, std::span<const float>(scene.srgb_lut)));
  STRATA_RETURN_IF_ERROR(put(b.lights, std::span<const kt::Light>(scene.lights)));
  auto params = device.allocate(sizeof(kt::RenderParams));
  if (!params.is_ok()) return params.status();
  b.params = std::move(params.value());
  return r;
}

Status check_tile(const RenderSettings& s, TileRect tile) {
  STRATA_RETURN_IF_ERROR(check_settings(s));
  if (tile.w == 0 || tile.h == 0 || tile.x + tile.w > s.width || tile.y + tile.h > s.height ||
      tile.x + tile.w < tile.x || tile.y + tile.h < tile.y) {
    return invalid_argument("tile " + std::to_string(tile.w) + "x" + std::to_string(tile.h) + " at (" +
                            std::to_string(tile.x) + ", " + std::to_string(tile.y) + ") is empty or outside the " +
                            std::to_string(s.width) + "x" + std::to_string(s.height) + " image");
  }
  return Status::ok();
}

Status check_sample_pieces(uint32_t sample_count, uint32_t pieces) {
  if (pieces == 0 || pieces > kMaxSamplePieces || pieces > std::max(sample_count, 1u)) {
    return invalid_argument("a range of " + std::to_string(sample_count) + " samples cannot be cut into " +
                            std::to_string(pieces) + " pieces (1 to " + std::to_string(kMaxSamplePieces) +
                            ", and no more than the samples)");
  }
  return Status::ok();
}

std::vector<SampleRange> sample_pieces(uint32_t sample_begin, uint32_t sample_count, uint32_t pieces) {
  std::vector<SampleRange> out;
  uint32_t begin = sample_begin;
  for (uint32_t i = 0; i < pieces; ++i) {
    uint32_t count = sample_count / pieces + (i < sample_count % pieces ? 1 : 0);
    out.push_back({begin, count});
    begin += count;
  }
  return out;
}

Status Renderer::render(const RenderSettings& s, TileRect tile, uint32_t sample_begin, uint32_t sample_count,
                        AccumBuffer& accum) {
  STRATA_RETURN_IF_ERROR(check_tile(s, tile));
  if (!(accum.rect == tile) || accum.rgbw.size() != size_t(tile.w) * tile.h * 4 ||
      accum.rays.size() != size_t(tile.w) * tile.h) {
    return invalid_argument("the accumulation buffer does not match the tile");
  }
  if (sample_count == 0) return Status::ok();
  STRATA_RETURN_IF_ERROR(upload_accum(accum));
  STRATA_RETURN_IF_ERROR(launch(s, tile, sample_begin, sample_count, *buffers_->accum, *buffers_->rays));
  return download_accum(accum);
}

Status Renderer::render_pieces(const RenderSettings& s, TileRect tile, uint32_t sample_begin, uint32_t sample_count,
                               uint32_t pieces, AccumBuffer& accum) {
  if (pieces == 1) return render(s, tile, sample_begin, sample_count, accum);
  STRATA_RETURN_IF_ERROR(check_sample_pieces(sample_count, pieces));
  for (const SampleRange& piece : sample_pieces(sample_begin, sample_count, pieces)) {
    AccumBuffer part = AccumBuffer::for_rect(tile);
    STRATA_RETURN_IF_ERROR(render(s, tile, piece.begin, piece.count, part));
    STRATA_RETURN_IF_ERROR(accum.merge(part));
  }
  return Status::ok();
}

Result<AccumBuffer> Renderer::render_pixels(const RenderSettings& s, std::span<const std::array<uint32_t, 2>> pixels,
                                           uint32_t sample_begin, uint32_t sample_count, uint32_t pieces) {
  STRATA_RETURN_IF_ERROR(check_settings(s));
  STRATA_RETURN_IF_ERROR(check_sample_pieces(sample_count, pieces));
  if (pixels.empty() || pixels.size() > (1u << 24)) return invalid_argument("render_pixels: 1 to 16M pixels");
  for (const auto& [x, y] : pixels) {
    if (x >= s.width || y >= s.height) {
      return invalid_argument("render_pixels: pixel (" + std::to_string(x) + ", " + std::to_string(y) +
                              ") is outside the " + std::to_string(s.width) + "x" + std::to_string(s.height) + " image");
    }
  }
  uint32_t n = static_cast<uint32_t>(pixels.size());
  Buffers& b = *buffers_;
  size_t list_bytes = pixels.size_bytes();
  if (!b.pixel_list || b.pixel_list->size() != list_bytes) {
    b.pixel_list.reset();
    auto list = device_.allocate(list_bytes);
    if (!list.is_ok()) return list.status();
    b.pixel_list = std::move(*list);
  }
  STRATA_RETURN_IF_ERROR(device_.upload(*b.pixel_list, pixels.data(), list_bytes));
  AccumBuffer out = AccumBuffer::for_rect({0, 0, n, 1});
  for (const SampleRange& piece : sample_pieces(sample_begin, sample_count, pieces)) {
    AccumBuffer part = AccumBuffer::for_rect(out.rect);
    STRATA_RETURN_IF_ERROR(upload_accum(part));
    STRATA_RETURN_IF_ERROR(upload_params(s, TileRect{0, 0, n, 1}, piece.begin, piece.count));
    STRATA_RETURN_IF_ERROR(launch_with_scene("render_pixels", {n, 1},
                                             {KernelArg::of(*b.pixel_list), KernelArg::u32(n), KernelArg::of(*b.accum),
                                              KernelArg::of(*b.rays)}));
    STRATA_RETURN_IF_ERROR(download_accum(part));
    if (pieces == 1) return part;
    STRATA_RETURN_IF_ERROR(out.merge(part));
  }
  return out;
}

Status Renderer::render_resident(const RenderSettings& s, TileRect tile, uint32_t sample_begin, uint32_t sample_count,
                                 DeviceBuffer& rgbw, DeviceBuffer& rays) {
  STRATA_RETURN_IF_ERROR(check_tile(s, tile));
  size_t pixels = size_t(tile.w) * tile.h;
  if (rgbw.size() != pixels * 4 * sizeof(float) || rays.size() != pixels * sizeof(uint32_t)) {
    return invalid_argument("the device accumulation buffers do not match the tile");
  }
  AccumBuffer zero = AccumBuffer::for_rect(tile);
  STRATA_RETURN_IF_ERROR(device_.upload(rgbw, zero.rgbw.data(), rgbw.size()));
  STRATA_RETURN_IF_ERROR(device_.upload(rays, zero.rays.data(), rays.size()));
  if (sample_count == 0) return Status::ok();
  return launch(s, tile, sample_begin, sample_count, rgbw, rays);
}

Status Renderer::upload_accum(const AccumBuffer& accum) {
  Buffers& b = *buffers_;
  size_t rgbw_bytes = accum.rgbw.size() * sizeof(float), ray_bytes = accum.rays.size() * sizeof(uint32_t);
  // The device buffers are kept between calls and reallocated only when the tile size changes.
  if (!b.accum || b.accum->size() != rgbw_bytes) {
    b.accum.reset();
    auto acc = device_.allocate(rgbw_bytes);
    if (!acc.is_ok()) return acc.status();
    b.accum = std::move(acc.value());
  }
  if (!b.rays || b.rays->size() != ray_bytes) {
    b.rays.reset();
    auto rays = device_.allocate(ray_bytes);
    if (!rays.is_ok()) return rays.status();
    b.rays = std::move(rays.value());
  }
  STRATA_RETURN_IF_ERROR(device_.upload(*b.accum, accum.rgbw.data(), rgbw_bytes));
  return device_.upload(*b.rays, accum.rays.data(), ray_bytes);
}

Status Renderer::download_accum(AccumBuffer& accum) {
  Buffers& b = *buffers_;
  STRATA_RETURN_IF_ERROR(device_.download(*b.accum, accum.rgbw.data(), accum.rgbw.size() * sizeof(float)));
  return device_.download(*b.rays, accum.rays.data(), accum.rays.size() * sizeof(uint32_t));
}

Status Renderer::launch(const RenderSettings& s, TileRect tile, uint32_t sample_begin, uint32_t sample_count,
                        DeviceBuffer& rgbw, DeviceBuffer& rays) {
  STRATA_RETURN_IF_ERROR(upload_params(s, tile, sample_begin, sample_count));
  return launch_with_scene("render_tile", {tile.w, tile.h}, {KernelArg::of(rgbw), KernelArg::of(rays)});
}

Status Renderer::launch_with_scene(std::string_view kernel, LaunchRange range, std::initializer_list<KernelArg> rest) {
  Buffers& b = *buffers_;
  std::vector<KernelArg> args = {KernelArg::of(*b.nodes),     KernelArg::of(*b.tris),      KernelArg::of(*b.shading),
                                 KernelArg::of(*b.materials), KernelArg::of(*b.tex_infos), KernelArg::of(*b.texels),
                                 KernelArg::of(*b.srgb_lut),  KernelArg::of(*b.lights),    KernelArg::of(*b.params)};
  args.insert(args.end(), rest);
  STRATA_RETURN_IF_ERROR(device_.launch(kernel, range, args));
  return device_.synchronize();
}

Status Renderer::upload_params(const RenderSettings& s, TileRect tile, uint32_t sample_begin, uint32_t sample_count) {
  kt::RenderParams p{};
  Float3 fwd = normalize(camera_.forward);
  Float3 right = normalize(cross(fwd, camera_.up));
  if (!(length(right) > 0.5f)) right = normalize(cross(fwd, std::fabs(fwd.y) < 0.9f ? Float3{0, 1, 0} : Float3{1, 0, 0}));
  Float3 up = cross(right, fwd);
  for (int a = 0; a < 3; ++a) {
    p.cam_origin[a] = camera_.position[a];
    p.cam_forward[a] = fwd[a];
    p.cam_right[a] = right[a];
    p.cam_up[a] = up[a];
  }
  p.cam_tan_half_fov_y = std::tan(camera_.yfov * 0.5f);
  p.cam_aspect = static_cast<float>(s.width) / static_cast<float>(s.height);
  p.image_width = s.width;
  p.image_height = s.height;
  p.background[0] = background_.x;
  p.background[1] = background_.y;
  p.background[2] = background_.z;
  p.seed = s.seed;
  p.tile_x = tile.x;
  p.tile_y = tile.y;
  p.tile_w = tile.w;
  p.tile_h = tile.h;
  p.sample_begin = sample_begin;
  p.sample_count = sample_count;
  p.max_depth = s.max_depth;
  p.rr_depth = s.rr_depth;
  p.light_count = light_count_;
  p.tri_light_count = tri_light_count_;
  return device_.upload(*buffers_->params, &p, sizeof p);
}

Result<AccumBuffer> Renderer::render_image(const RenderSettings& s,
                                           const std::function<void(uint32_t, uint32_t)>& progress) {
  STRATA_RETURN_IF_ERROR(check_settings(s));
  TileRect full{0, 0, s.width, s.height};
  AccumBuffer accum = AccumBuffer::for_rect(full);
  // The accumulation stays on the device across passes: one upload, one download.
  STRATA_RETURN_IF_ERROR(upload_accum(accum));
  uint32_t done = 0, pass = 1;
  if (progress) progress(0, s.spp);
  while (done < s.spp) {
    uint32_t n = std::min(pass, s.spp - done);
    auto start = std::chrono::steady_clock::now();
    STRATA_RETURN_IF_ERROR(launch(s, full, done, n, *buffers_->accum, *buffers_->rays));
    done += n;
    if (progress) progress(done, s.spp);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (seconds < 0.25 && pass < (1u << 16)) pass *= 2;
  }
  STRATA_RETURN_IF_ERROR(download_accum(accum));
  return accum;
}

namespace {

Result<AccumBuffer> render_enclosure(Device& device, const RenderSettings& s) {
  Scene scene = make_emitting_enclosure(0.5f, 1.0f, 6);
  auto gpu = build_scene_gpu(scene);
  if (!gpu.is_ok()) return gpu.status();
  auto renderer = Renderer::create(device, *gpu, *scene.camera);
  if (!renderer.is_ok()) return renderer.status();
  return (*renderer)->render_image(s);
}

}  // namespace

Status render_self_test(Device& device) {
  const std::string who = "render self-test on " + device.info().id();
  RenderSettings s;
  s.width = 16;
  s.height = 16;
  s.spp = 8;
  s.max_depth = 6;
  s.seed = 77;
  auto got = render_enclosure(device, s);
  if (!got.is_ok()) return Status(got.status().code(), who + ": " + got.status().message());
  double sum = 0;
  for (size_t i = 0; i < got->rgbw.size(); i += 4) sum += got->rgbw[i] + got->rgbw[i + 1] + got->rgbw[i + 2];
  double mean = sum / (3.0 * s.width * s.height * s.spp);
  double want = (1 - std::pow(0.5, s.max_depth)) / (1 - 0.5);
  if (!(std::fabs(mean - want) < 0.1 * want)) {
    return device_error(who + ": mean radiance " + std::to_string(mean) + ", expected " + std::to_string(want));
  }
  if (device.info().backend != Backend::kCpu) {
    auto cpu = open_device("cpu");
    if (!cpu.is_ok()) return cpu.status();
    auto ref = render_enclosure(**cpu, s);
    if (!ref.is_ok()) return ref.status();
    if (ref->rgbw.size() != got->rgbw.size() ||
        std::memcmp(ref->rgbw.data(), got->rgbw.data(), ref->rgbw.size() * sizeof(float)) != 0) {
      return device_error(who + ": the image differs from the cpu backend's; this device does not round like the others");
    }
  }
  return Status::ok();
}

}  // namespace strata::render
