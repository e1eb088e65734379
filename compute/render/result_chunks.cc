#include "compute/render/result_chunks.h"

#include <cstring>

namespace strata::compute {

using verifier::Digest;
namespace {

void put_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
template <typename T>
void put_values(std::vector<uint8_t>& out, const T* values, size_t n) {
  static_assert(sizeof(T) == 4);
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &values[i], 4);
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<uint8_t>(bits >> (8 * b)));
  }
}

}  // namespace

size_t render_chunk_count(const RenderResult& r) { return 1 + r.accum.rect.h; }

std::vector<uint8_t> render_chunk(const RenderResult& r, size_t index) {
  std::vector<uint8_t> out;
  const render::TileRect& t = r.accum.rect;
  if (index == 0) {
    const char* tag = "strata-render-result-v2";
    out.assign(tag, tag + std::strlen(tag));
    put_u64(out, r.job_id.size());
    out.insert(out.end(), r.job_id.begin(), r.job_id.end());
    for (uint64_t v : {uint64_t(r.subtask), uint64_t(t.x), uint64_t(t.y), uint64_t(t.w), uint64_t(t.h),
                       uint64_t(r.sample_begin), uint64_t(r.sample_count), uint64_t(r.sample_pieces)}) {
      put_u64(out, v);
    }
    return out;
  }
  size_t y = index - 1;
  out.reserve(size_t(t.w) * 20);
  put_values(out, r.accum.rgbw.data() + y * t.w * 4, size_t(t.w) * 4);
  put_values(out, r.accum.rays.data() + y * t.w, t.w);
  return out;
}

std::vector<Digest> render_chunk_leaves(const RenderResult& r) {
  std::vector<Digest> leaves;
  size_t n = render_chunk_count(r);
  leaves.reserve(n);
  for (size_t i = 0; i < n; ++i) leaves.push_back(verifier::merkle_leaf_hash(render_chunk(r, i)));
  return leaves;
}

Digest render_commitment(const RenderResult& r) { return verifier::merkle_root(render_chunk_leaves(r)); }

}  // namespace strata::compute
