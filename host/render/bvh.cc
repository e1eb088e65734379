#include "host/render/bvh.h"

#include <algorithm>
#include <limits>
#include <thread>

#include "host/thread_pool.h"

namespace strata::render {
namespace {

constexpr int kBins = 16;
constexpr int kMaxLeaf = 4;         // a leaf is made as soon as it holds this few triangles
constexpr int kMaxDepth = 32;       // keeps the kernels' traversal stack (BVH_STACK_SIZE) sufficient
constexpr float kTraversalCost = 1.0f;  // relative to one triangle test
constexpr size_t kParallelBuildMin = 50000;  // below this, one thread builds faster

struct Box {
  Float3 lo{std::numeric_limits<float>::max(), std::numeric_limits<float>::max(), std::numeric_limits<float>::max()};
  Float3 hi{-std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(), -std::numeric_limits<float>::max()};
  void grow(Float3 p) {
    lo = min3(lo, p);
    hi = max3(hi, p);
  }
  void grow(const Box& b) {
    lo = min3(lo, b.lo);
    hi = max3(hi, b.hi);
  }
  float area() const {
    Float3 d = hi - lo;
    if (d.x < 0) return 0;
    return 2 * (d.x * d.y + d.y * d.z + d.z * d.x);
  }
};

struct PrimRef {
  Box box;
  Float3 centroid;
  uint32_t index;
};

// Builds a subtree over refs[begin, end) into its own node array. Builders of disjoint ranges may
// run on different threads.
class Builder {
 public:
  explicit Builder(std::vector<PrimRef>& refs) : refs_(refs) {}

  Bvh build() {
    Bvh bvh;
    nodes_.reserve(refs_.size() * 2 / kMaxLeaf + 1);
    if (refs_.size() >= kParallelBuildMin && hardware_threads() > 1) {
      build_root_in_parallel();
    } else {
      build_node(0, refs_.size(), 1);
    }
    bvh.nodes = std::move(nodes_);
    bvh.order.reserve(refs_.size());
    for (const PrimRef& r : refs_) bvh.order.push_back(r.index);
    bvh.depth = depth_;
    return bvh;
  }

 private:
  // The root's two subtrees on two threads; the right one's nodes are then appended after the
  // left one's (keeping depth-first order) with their inner-node links shifted.
  void build_root_in_parallel() {
    Box bounds, centroids;
    for (const PrimRef& r : refs_) {
      bounds.grow(r.box);
      centroids.grow(r.centroid);
    }
    nodes_.emplace_back();
    set_box(nodes_[0], bounds);
    size_t mid = split(0, refs_.size(), bounds, centroids);
    if (mid == 0) {
      nodes_.clear();
      build_node(0, refs_.size(), 1);
      return;
    }
    depth_ = 1;
    Builder right(refs_);
    std::thread worker([&] { right.build_node(mid, refs_.size(), 2); });
    build_node(0, mid, 2);
    worker.join();
    int32_t offset = static_cast<int32_t>(nodes_.size());
    nodes_[0].right_or_first = offset;
    nodes_[0].count = 0;
    for (BinaryNode n : right.nodes_) {
      if (n.count == 0) n.right_or_first += offset;
      nodes_.push_back(n);
    }
    depth_ = std::max(depth_, right.depth_);
  }

  void build_node(size_t begin, size_t end, int depth) {
    depth_ = std::max(depth_, depth);
    size_t node = nodes_.size();
    nodes_.emplace_back();
    Box bounds, centroids;
    for (size_t i = begin; i < end; ++i) {
      bounds.grow(refs_[i].box);
      centroids.grow(refs_[i].centroid);
    }
    set_box(nodes_[node], bounds);
    size_t count = end - begin;
    size_t mid = begin;
    if (count > kMaxLeaf && depth < kMaxDepth) mid = split(begin, end, bounds, centroids);
    if (mid == begin) {
      nodes_[node].right_or_first = static_cast<int32_t>(begin);
      nodes_[node].count = static_cast<int32_t>(count);
      return;
    }
    build_node(begin, mid, depth + 1);
    nodes_[node].right_or_first = static_cast<int32_t>(nodes_.size());
    nodes_[node].count = 0;
    build_node(mid, end, depth + 1);
  }

  // Partitions [begin, end) at the cheapest binned SAH plane over the three axes; returns the
  // split position, or begin when a leaf is cheaper.
  size_t split(size_t begin, size_t end, const Box& bounds, const Box& centroids) {
    size_t count = end - begin;
    float best_cost = std::numeric_limits<float>::max();
    int best_axis = -1, best_bin = 0;
    // One pass over the triangles bins all three axes at once.
    Box bin_box[3][kBins];
    size_t bin_count[3][kBins] = {};
    float lo[3], scale[3];
    bool usable[3];
    for (int axis = 0; axis < 3; ++axis) {
      lo[axis] = centroids.lo[axis];
      float extent = centroids.hi[axis] - lo[axis];
      usable[axis] = extent > 0;
      scale[axis] = usable[axis] ? kBins / extent : 0.0f;
    }
    for (size_t i = begin; i < end; ++i) {
      const PrimRef& r = refs_[i];
      for (int axis = 0; axis < 3; ++axis) {
        int b = std::min(kBins - 1, static_cast<int>((r.centroid[axis] - lo[axis]) * scale[axis]));
        bin_box[axis][b].grow(r.box);
        ++bin_count[axis][b];
      }
    }
    for (int axis = 0; axis < 3; ++axis) {
      if (!usable[axis]) continue;
      float right_area[kBins];
      size_t right_count[kBins];
      Box acc;
      size_t n = 0;
      for (int b = kBins - 1; b > 0; --b) {
        acc.grow(bin_box[axis][b]);
        n += bin_count[axis][b];
        right_area[b] = acc.area();
        right_count[b] = n;
      }
      acc = Box();
      n = 0;
      for (int b = 0; b < kBins - 1; ++b) {
        acc.grow(bin_box[axis][b]);
        n += bin_count[axis][b];
        if (n == 0 || right_count[b + 1] == 0) continue;
        float cost = acc.area() * n + right_area[b + 1] * right_count[b + 1];
        if (cost < best_cost) {
          best_cost = cost;
          best_axis = axis;
          best_bin = b;
        }
      }
    }
    if (best_axis < 0) {
      // Every centroid coincides: split by count so leaves stay small.
      return begin + count / 2;
    }
    float leaf_cost = bounds.area() * count;
    float split_cost = kTraversalCost * bounds.area() + best_cost;
    if (count <= 16 && leaf_cost <= split_cost) return begin;
    auto it = std::partition(refs_.begin() + begin, refs_.begin() + end, [&](const PrimRef& r) {
      return std::min(kBins - 1, static_cast<int>((r.centroid[best_axis] - lo[best_axis]) * scale[best_axis])) <= best_bin;
    });
    size_t mid = static_cast<size_t>(it - refs_.begin());
    return (mid == begin || mid == end) ? begin + count / 2 : mid;
  }

  static void set_box(BinaryNode& n, const Box& b) {
    for (int a = 0; a < 3; ++a) {
      n.bmin[a] = b.lo[a];
      n.bmax[a] = b.hi[a];
    }
  }

  std::vector<PrimRef>& refs_;
  std::vector<BinaryNode> nodes_;
  int depth_ = 0;
};

}  // namespace

Bvh build_bvh(std::span<const Float3> vertices) {
  std::vector<PrimRef> refs(vertices.size() / 3);
  for (size_t t = 0; t < refs.size(); ++t) {
    PrimRef& r = refs[t];
    for (int k = 0; k < 3; ++k) r.box.grow(vertices[t * 3 + k]);
    r.centroid = (r.box.lo + r.box.hi) * 0.5f;
    r.index = static_cast<uint32_t>(t);
  }
  return Builder(refs).build();
}

namespace {

float node_area(const BinaryNode& n) {
  float dx = n.bmax[0] - n.bmin[0], dy = n.bmax[1] - n.bmin[1], dz = n.bmax[2] - n.bmin[2];
  return 2 * (dx * dy + dy * dz + dz * dx);
}

// Emits the 4-wide node for binary node `b` and, depth first, the wide nodes below it; returns
// its index. Children are gathered by expanding the largest inner child until there are four.
int32_t emit_wide(const Bvh& bvh, size_t b, std::vector<kt::BvhNode>& out, int depth, int& max_depth) {
  max_depth = std::max(max_depth, depth);
  std::vector<size_t> children;
  if (bvh.nodes[b].count > 0) {
    children.push_back(b);  // a root that is a leaf
  } else {
    children = {b + 1, static_cast<size_t>(bvh.nodes[b].right_or_first)};
  }
  while (children.size() < BVH_WIDTH) {
    int best = -1;
    for (size_t k = 0; k < children.size(); ++k) {
      const BinaryNode& c = bvh.nodes[children[k]];
      if (c.count == 0 && (best < 0 || node_area(c) > node_area(bvh.nodes[children[best]]))) best = static_cast<int>(k);
    }
    if (best < 0) break;
    size_t expand = children[best];
    children[best] = expand + 1;
    children.push_back(static_cast<size_t>(bvh.nodes[expand].right_or_first));
  }
  int32_t index = static_cast<int32_t>(out.size());
  out.emplace_back();
  kt::BvhNode node{};
  for (int k = 0; k < BVH_WIDTH; ++k) {
    if (k >= static_cast<int>(children.size())) {
      node.child[k] = -1;
      node.count[k] = -1;
      continue;
    }
    const BinaryNode& c = bvh.nodes[children[k]];
    node.bmin_x[k] = c.bmin[0];
    node.bmin_y[k] = c.bmin[1];
    node.bmin_z[k] = c.bmin[2];
    node.bmax_x[k] = c.bmax[0];
    node.bmax_y[k] = c.bmax[1];
    node.bmax_z[k] = c.bmax[2];
    node.count[k] = c.count;
    node.child[k] = c.count > 0 ? c.right_or_first : emit_wide(bvh, children[k], out, depth + 1, max_depth);
  }
  out[index] = node;
  return index;
}

}  // namespace

std::vector<kt::BvhNode> kernel_nodes(const Bvh& bvh, int* wide_depth) {
  std::vector<kt::BvhNode> out;
  int depth = 0;
  if (!bvh.nodes.empty()) emit_wide(bvh, 0, out, 1, depth);
  if (wide_depth) *wide_depth = depth;
  return out;
}

double bvh_sah_cost(const Bvh& bvh) {
  double root = node_area(bvh.nodes[0]), cost = 0;
  for (const BinaryNode& n : bvh.nodes) {
    cost += (n.count > 0 ? n.count : kTraversalCost) * node_area(n) / root;
  }
  return cost;
}

}  // namespace strata::render
