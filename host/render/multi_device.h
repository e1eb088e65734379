// Several devices of one rig sharing the samples of each subtask. The subtask's sample range is
// cut into pieces (Renderer::render_pieces), the pieces are dealt out to the devices in proportion
// to their speeds and rendered at the same time, each from zero; then they move to the first
// device (DevicePeers: NCCL between CUDA GPUs) and are summed there in piece order, so the result
// has the same bits as one device rendering the same pieces, which is what a verifier re-renders.
#pragma once

#include <memory>
#include <vector>

#include "host/device_peers.h"
#include "host/render/renderer.h"

namespace strata::render {

class MultiDeviceRenderer {
 public:
  // `speeds`: relative speed of each of peers.devices() (any positive unit). Uploads the scene to
  // every device. `peers` must outlive the renderer.
  static Result<std::unique_ptr<MultiDeviceRenderer>> create(DevicePeers& peers, std::vector<double> speeds,
                                                             const SceneGpu& scene, const Camera& camera);
  ~MultiDeviceRenderer();

  // The same contract as Renderer::render_pieces, with `accum` zero on entry.
  Status render(const RenderSettings& settings, TileRect tile, uint32_t sample_begin, uint32_t sample_count,
                uint32_t pieces, AccumBuffer& accum);

  // Which device renders each of `pieces` pieces: consecutive pieces per device, as many as its
  // share of the speed (largest remainders), the first device first.
  static std::vector<size_t> deal_pieces(uint32_t pieces, const std::vector<double>& speeds);

 private:
  MultiDeviceRenderer(DevicePeers& peers, std::vector<double> speeds);
  struct PieceBuffers;

  DevicePeers& peers_;
  std::vector<double> speeds_;
  std::vector<std::unique_ptr<Renderer>> renderers_;  // one per device
  // The pieces' device buffers, kept while the tile size and the pieces stay the same.
  std::vector<PieceBuffers> buffers_;
  size_t buffers_pixels_ = 0;
};

}  // namespace strata::render
