// A render result's chunks and their commitment: a header and one chunk per tile row; changing
// one value of row y changes only that chunk's leaf and the root; every chunk is proven against
// the root.
#include <gtest/gtest.h>

#include <cmath>

#include "compute/render/result_chunks.h"

namespace {

using namespace strata;
using namespace strata::verifier;

compute::RenderResult result() {
  compute::RenderResult r;
  r.job_id = "job-3";
  r.subtask = 5;
  r.sample_begin = 16;
  r.sample_count = 8;
  r.accum = render::AccumBuffer::for_rect({32, 16, 6, 5});
  for (size_t i = 0; i < r.accum.rgbw.size(); ++i) r.accum.rgbw[i] = i % 4 == 3 ? 8.0f : float(i) * 0.25f;
  for (size_t i = 0; i < r.accum.rays.size(); ++i) r.accum.rays[i] = uint32_t(20 + i);
  return r;
}

TEST(ResultChunks, RowsAreChunksAndEveryOneIsProven) {
  compute::RenderResult r = result();
  ASSERT_EQ(render_chunk_count(r), 6u);
  EXPECT_EQ(render_chunk(r, 1).size(), 6u * 20);  // four floats and a count per pixel
  std::vector<Digest> leaves = render_chunk_leaves(r);
  Digest root = render_commitment(r);
  for (size_t i = 0; i < leaves.size(); ++i) {
    EXPECT_TRUE(merkle_verify_inclusion(merkle_leaf_hash(render_chunk(r, i)), i, leaves.size(),
                                        merkle_inclusion_proof(leaves, i), root));
  }
  compute::RenderResult changed = r;
  changed.accum.rgbw[size_t(2 * 6 + 4) * 4 + 1] = std::nextafter(changed.accum.rgbw[size_t(2 * 6 + 4) * 4 + 1], 1e9f);
  std::vector<Digest> after = render_chunk_leaves(changed);
  for (size_t i = 0; i < leaves.size(); ++i) EXPECT_EQ(leaves[i] == after[i], i != 3) << "chunk " << i;
  EXPECT_NE(render_commitment(changed), root);
  // The header binds the job, the subtask, the tile, the samples and their pieces.
  for (auto change : std::vector<std::function<void(compute::RenderResult&)>>{
           [](compute::RenderResult& x) { x.job_id = "job-4"; }, [](compute::RenderResult& x) { x.subtask = 6; },
           [](compute::RenderResult& x) { x.accum.rect.x = 33; }, [](compute::RenderResult& x) { x.sample_begin = 0; },
           [](compute::RenderResult& x) { x.sample_pieces = 2; },
           [](compute::RenderResult& x) { x.accum.rays[0] = 0; }}) {
    compute::RenderResult other = r;
    change(other);
    EXPECT_NE(render_commitment(other), root);
  }
}

}  // namespace
