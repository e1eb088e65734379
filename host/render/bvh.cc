#include "host/render/bvh.h"

#include <algorithm>
#include <limits>

namespace strata::render {
namespace {

constexpr int kBins = 16;
constexpr int kMaxLeaf = 4;         // a leaf is made as soon as it holds this few triangles
constexpr int kMaxDepth = 48;       // well inside the kernels' 64-entry traversal stack
constexpr float kTraversalCost = 1.0f;  // relative to one triangle test

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

class Builder {
 public:
  explicit Builder(std::vector<PrimRef> refs) : refs_(std::move(refs)) {}

  Bvh build() {
    Bvh bvh;
    nodes_.reserve(refs_.size() * 2 / kMaxLeaf + 1);
    build_node(0, refs_.size(), 1);
    bvh.nodes = std::move(nodes_);
    bvh.order.reserve(refs_.size());
    for (const PrimRef& r : refs_) bvh.order.push_back(r.index);
    bvh.depth = depth_;
    return bvh;
  }

 private:
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
    for (int axis = 0; axis < 3; ++axis) {
      float lo = centroids.lo[axis], extent = centroids.hi[axis] - lo;
      if (!(extent > 0)) continue;
      Box bin_box[kBins];
      size_t bin_count[kBins] = {};
      float scale = kBins / extent;
      for (size_t i = begin; i < end; ++i) {
        int b = std::min(kBins - 1, static_cast<int>((refs_[i].centroid[axis] - lo) * scale));
        bin_box[b].grow(refs_[i].box);
        ++bin_count[b];
      }
      float right_area[kBins];
      size_t right_count[kBins];
      Box acc;
      size_t n = 0;
      for (int b = kBins - 1; b > 0; --b) {
        acc.grow(bin_box[b]);
        n += bin_count[b];
        right_area[b] = acc.area();
        right_count[b] = n;
      }
      acc = Box();
      n = 0;
      for (int b = 0; b < kBins - 1; ++b) {
        acc.grow(bin_box[b]);
        n += bin_count[b];
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
    float lo = centroids.lo[best_axis];
    float scale = kBins / (centroids.hi[best_axis] - lo);
    auto it = std::partition(refs_.begin() + begin, refs_.begin() + end, [&](const PrimRef& r) {
      return std::min(kBins - 1, static_cast<int>((r.centroid[best_axis] - lo) * scale)) <= best_bin;
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

  std::vector<PrimRef> refs_;
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
  return Builder(std::move(refs)).build();
}

std::vector<kt::BvhNode> kernel_nodes(const Bvh& bvh) {
  std::vector<kt::BvhNode> out;
  if (bvh.nodes.empty()) return out;
  // Inner binary nodes become kernel nodes, numbered in depth-first order.
  std::vector<int32_t> index(bvh.nodes.size(), -1);
  for (size_t i = 0; i < bvh.nodes.size(); ++i) {
    if (bvh.nodes[i].count == 0) index[i] = static_cast<int32_t>(out.size()), out.emplace_back();
  }
  auto set_child = [&](float* lo, float* hi, int32_t& child, int32_t& count, size_t b) {
    const BinaryNode& n = bvh.nodes[b];
    for (int a = 0; a < 3; ++a) {
      lo[a] = n.bmin[a];
      hi[a] = n.bmax[a];
    }
    child = n.count > 0 ? n.right_or_first : index[b];
    count = n.count;
  };
  if (bvh.nodes[0].count > 0) {  // the whole tree is one leaf
    kt::BvhNode root{};
    set_child(root.lmin, root.lmax, root.left, root.left_count, 0);
    root.right = -1;
    root.right_count = -1;
    out.push_back(root);
    return out;
  }
  for (size_t i = 0; i < bvh.nodes.size(); ++i) {
    if (bvh.nodes[i].count != 0) continue;
    kt::BvhNode& k = out[index[i]];
    set_child(k.lmin, k.lmax, k.left, k.left_count, i + 1);
    set_child(k.rmin, k.rmax, k.right, k.right_count, static_cast<size_t>(bvh.nodes[i].right_or_first));
  }
  return out;
}

double bvh_sah_cost(const Bvh& bvh) {
  auto area = [](const BinaryNode& n) {
    double dx = n.bmax[0] - n.bmin[0], dy = n.bmax[1] - n.bmin[1], dz = n.bmax[2] - n.bmin[2];
    return 2 * (dx * dy + dy * dz + dz * dx);
  };
  double root = area(bvh.nodes[0]), cost = 0;
  for (const BinaryNode& n : bvh.nodes) {
    cost += (n.count > 0 ? n.count : kTraversalCost) * area(n) / root;
  }
  return cost;
}

}  // namespace strata::render
