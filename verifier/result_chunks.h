// A render result cut into the chunks its Merkle commitment covers: chunk 0 is the header (job,
// subtask, tile, sample range and pieces), chunk 1 + y is row y of the tile (its RGB sums and sample counts,
// then its ray counts, little-endian). The root over them is what a provider announces, so a
// verifier can ask for any row with its inclusion proof and check it without the rest.
#pragma once

#include <cstdint>
#include <vector>

#include "network/render_messages.h"
#include "verifier/merkle.h"

namespace strata::verifier {

size_t render_chunk_count(const network::RenderResult& result);
std::vector<uint8_t> render_chunk(const network::RenderResult& result, size_t index);  // index < count
std::vector<Digest> render_chunk_leaves(const network::RenderResult& result);
Digest render_commitment(const network::RenderResult& result);  // the Merkle root of the leaves

}  // namespace strata::verifier
