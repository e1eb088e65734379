#include "host/render/multi_device.h"

#include <algorithm>
#include <numeric>
#include <thread>

namespace strata::render {

struct MultiDeviceRenderer::PieceBuffers {
  std::unique_ptr<DeviceBuffer> rgbw, rays;  // on the device that renders the piece
  std::unique_ptr<DeviceBuffer> rgbw_first, rays_first;  // where it lands on the first device, if it is another
};

MultiDeviceRenderer::MultiDeviceRenderer(DevicePeers& peers, std::vector<double> speeds)
    : peers_(peers), speeds_(std::move(speeds)) {}

MultiDeviceRenderer::~MultiDeviceRenderer() = default;

Result<std::unique_ptr<MultiDeviceRenderer>> MultiDeviceRenderer::create(DevicePeers& peers, std::vector<double> speeds,
                                                                         const SceneGpu& scene, const Camera& camera) {
  if (speeds.size() != peers.devices().size()) {
    return invalid_argument("multi-device renderer: " + std::to_string(speeds.size()) + " speeds for " +
                            std::to_string(peers.devices().size()) + " devices");
  }
  for (double s : speeds) {
    if (!(s > 0)) return invalid_argument("multi-device renderer: every device's speed must be positive");
  }
  std::unique_ptr<MultiDeviceRenderer> m(new MultiDeviceRenderer(peers, std::move(speeds)));
  for (Device* device : peers.devices()) {
    auto r = Renderer::create(*device, scene, camera);
    if (!r.is_ok()) return r.status();
    m->renderers_.push_back(std::move(*r));
  }
  return m;
}

std::vector<size_t> MultiDeviceRenderer::deal_pieces(uint32_t pieces, const std::vector<double>& speeds) {
  double total = std::accumulate(speeds.begin(), speeds.end(), 0.0);
  std::vector<uint32_t> share(speeds.size());
  std::vector<std::pair<double, size_t>> remainders;
  uint32_t dealt = 0;
  for (size_t d = 0; d < speeds.size(); ++d) {
    double exact = pieces * speeds[d] / total;
    share[d] = static_cast<uint32_t>(exact);
    dealt += share[d];
    remainders.push_back({exact - share[d], d});
  }
  std::stable_sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; dealt < pieces; ++i, ++dealt) ++share[remainders[i % remainders.size()].second];
  std::vector<size_t> owner;
  for (size_t d = 0; d < speeds.size(); ++d) owner.insert(owner.end(), share[d], d);
  return owner;
}

Status MultiDeviceRenderer::render(const RenderSettings& settings, TileRect tile, uint32_t sample_begin,
                                   uint32_t sample_count, uint32_t pieces, AccumBuffer& accum) {
  STRATA_RETURN_IF_ERROR(check_tile(settings, tile));
  STRATA_RETURN_IF_ERROR(check_sample_pieces(sample_count, pieces));
  size_t pixels = size_t(tile.w) * tile.h;
  if (!(accum.rect == tile) || accum.rgbw.size() != pixels * 4 || accum.rays.size() != pixels) {
    return invalid_argument("the accumulation buffer does not match the tile");
  }
  std::span<Device* const> devices = peers_.devices();
  Device& first = *devices[0];
  std::vector<SampleRange> ranges = sample_pieces(sample_begin, sample_count, pieces);
  std::vector<size_t> owner = deal_pieces(pieces, speeds_);

  if (buffers_.size() != pieces || buffers_pixels_ != pixels) {
    buffers_.clear();
    buffers_pixels_ = 0;
    std::vector<PieceBuffers> fresh(pieces);
    auto allocate = [&](Device& d, std::unique_ptr<DeviceBuffer>& out, size_t bytes) -> Status {
      auto b = d.allocate(bytes);
      if (!b.is_ok()) return b.status();
      out = std::move(*b);
      return Status::ok();
    };
    for (uint32_t k = 0; k < pieces; ++k) {
      Device& d = *devices[owner[k]];
      STRATA_RETURN_IF_ERROR(allocate(d, fresh[k].rgbw, pixels * 4 * sizeof(float)));
      STRATA_RETURN_IF_ERROR(allocate(d, fresh[k].rays, pixels * sizeof(uint32_t)));
      if (owner[k] != 0) {
        STRATA_RETURN_IF_ERROR(allocate(first, fresh[k].rgbw_first, pixels * 4 * sizeof(float)));
        STRATA_RETURN_IF_ERROR(allocate(first, fresh[k].rays_first, pixels * sizeof(uint32_t)));
      }
    }
    buffers_ = std::move(fresh);
    buffers_pixels_ = pixels;
  }
  std::vector<PieceBuffers>& buffers = buffers_;

  // Every device renders its pieces at the same time, each on its own thread.
  std::vector<Status> rendered(devices.size());
  std::vector<std::thread> threads;
  for (size_t d = 0; d < devices.size(); ++d) {
    if (std::find(owner.begin(), owner.end(), d) == owner.end()) continue;
    threads.emplace_back([&, d] {
      for (uint32_t k = 0; k < pieces && rendered[d].is_ok(); ++k) {
        if (owner[k] != d) continue;
        rendered[d] = renderers_[d]->render_resident(settings, tile, ranges[k].begin, ranges[k].count,
                                                     *buffers[k].rgbw, *buffers[k].rays);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t d = 0; d < devices.size(); ++d) {
    if (!rendered[d].is_ok()) return Status(rendered[d].code(), devices[d]->info().id() + ": " + rendered[d].message());
  }

  std::vector<DevicePeers::Copy> copies;
  for (uint32_t k = 0; k < pieces; ++k) {
    if (owner[k] == 0) continue;
    copies.push_back({owner[k], buffers[k].rgbw.get(), buffers[k].rgbw_first.get()});
    copies.push_back({owner[k], buffers[k].rays.get(), buffers[k].rays_first.get()});
  }
  STRATA_RETURN_IF_ERROR(peers_.copy_to_first(copies));

  // The sum, in piece order, on the first device.
  auto on_first = [&](uint32_t k, bool rays) -> DeviceBuffer& {
    const PieceBuffers& b = buffers[k];
    if (owner[k] == 0) return rays ? *b.rays : *b.rgbw;
    return rays ? *b.rays_first : *b.rgbw_first;
  };
  DeviceBuffer& sum = on_first(0, false);
  DeviceBuffer& sum_rays = on_first(0, true);
  for (uint32_t k = 1; k < pieces; ++k) {
    KernelArg args[] = {KernelArg::of(sum), KernelArg::of(on_first(k, false)), KernelArg::of(sum_rays),
                        KernelArg::of(on_first(k, true)), KernelArg::u32(static_cast<uint32_t>(pixels))};
    STRATA_RETURN_IF_ERROR(first.launch("accum_add", {static_cast<uint32_t>(pixels), 1}, args));
  }
  STRATA_RETURN_IF_ERROR(first.synchronize());
  STRATA_RETURN_IF_ERROR(first.download(sum, accum.rgbw.data(), accum.rgbw.size() * sizeof(float)));
  return first.download(sum_rays, accum.rays.data(), accum.rays.size() * sizeof(uint32_t));
}

}  // namespace strata::render
