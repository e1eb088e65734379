// A render result cut into the chunks its Merkle commitment covers: chunk 0 is the header (job,
// subtask, tile, sample range and pieces), chunk 1 + y is row y of the tile (its RGB sums and sample counts,
// then its ray counts, little-endian). The root over them is what a provider announces, so a
// verifier can ask for any row with its inclusion proof and check it without the rest.
#pragma once

#include <cstdint>
#include <vector>

#include "compute/render/messages.h"
#include "verifier/merkle.h"

namespace strata::compute {

using verifier::Digest;

size_t render_chunk_count(const RenderResult& result);
std::vector<uint8_t> render_chunk(const RenderResult& result, size_t index);  // index < count
std::vector<Digest> render_chunk_leaves(const RenderResult& result);
Digest render_commitment(const RenderResult& result);  // the Merkle root of the leaves

}  // namespace strata::compute
