// Bounding volume hierarchy over triangles, built on the host with the binned surface area
// heuristic and stored flat in depth-first order for the kernels (kernels/render/types.h).
#pragma once

#include <span>
#include <vector>

#include "host/render/kernel_types.h"
#include "host/render/vec.h"

namespace strata::render {

// A binary tree node in depth-first order. Inner node: the left child is the next node,
// right_or_first is the right child, count is 0. Leaf: right_or_first is the first triangle
// (in `order`), count > 0.
struct BinaryNode {
  float bmin[3];
  int32_t right_or_first;
  float bmax[3];
  int32_t count;
};

struct Bvh {
  std::vector<BinaryNode> nodes;
  std::vector<uint32_t> order;  // order[i]: the input triangle stored at position i
  int depth = 0;                // longest root-to-leaf path, in nodes
};

// `vertices` holds three corners per triangle. The tree is never deeper than the kernels'
// traversal stack allows (BVH_STACK_SIZE).
Bvh build_bvh(std::span<const Float3> vertices);

// The tree in the kernels' layout: 4-wide nodes, each holding its children's bounds, from
// collapsing the binary tree. `wide_depth`, when given, receives the depth of the result.
std::vector<kt::BvhNode> kernel_nodes(const Bvh& bvh, int* wide_depth = nullptr);

// Expected cost of a ray query under the SAH (for tests and benchmarks).
double bvh_sah_cost(const Bvh& bvh);

}  // namespace strata::render
