// Bounding volume hierarchy over triangles, built on the host with the binned surface area
// heuristic and stored flat in depth-first order for the kernels (kernels/render/types.h).
#pragma once

#include <span>
#include <vector>

#include "host/render/kernel_types.h"
#include "host/render/vec.h"

namespace strata::render {

struct Bvh {
  std::vector<kt::BvhNode> nodes;
  std::vector<uint32_t> order;  // order[i]: the input triangle stored at position i
  int depth = 0;                // longest root-to-leaf path, in nodes
};

// `vertices` holds three corners per triangle. The tree is never deeper than the kernels'
// traversal stack allows (BVH_STACK_SIZE).
Bvh build_bvh(std::span<const Float3> vertices);

// Expected cost of a ray query under the SAH (for tests and benchmarks).
double bvh_sah_cost(const Bvh& bvh);

}  // namespace strata::render
