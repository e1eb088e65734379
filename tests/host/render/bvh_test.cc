// BVH construction invariants, and traversal (the kernels' trace_ray, compiled here as host C++)
// against brute force over every triangle.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "host/render/bvh.h"
#include "host/render/procedural.h"
#include "host/render/scene.h"

// The kernel source as the cpu backend compiles it.
#include "kernels/cpu/compat.h"
#undef STRATA_KERNELS_RENDER_TYPES_H
#include "kernels/common/math.h"
#include "kernels/common/rng.h"
#include "kernels/render/types.h"
#include "kernels/render/intersect.h"

namespace {

using namespace strata::render;

std::vector<Float3> random_triangles(size_t n, uint32_t seed, float size) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> pos(-10, 10), off(-size, size);
  std::vector<Float3> v;
  for (size_t i = 0; i < n; ++i) {
    Float3 c{pos(rng), pos(rng), pos(rng)};
    for (int k = 0; k < 3; ++k) v.push_back(c + Float3{off(rng), off(rng), off(rng)});
  }
  return v;
}

bool inside(const BinaryNode& outer, const float* lo, const float* hi) {
  for (int a = 0; a < 3; ++a)
    if (lo[a] < outer.bmin[a] || hi[a] > outer.bmax[a]) return false;
  return true;
}

void check_invariants(const Bvh& bvh, const std::vector<Float3>& v) {
  size_t ntri = v.size() / 3;
  std::vector<uint32_t> order = bvh.order;
  std::sort(order.begin(), order.end());
  for (size_t i = 0; i < ntri; ++i) ASSERT_EQ(order[i], i) << "triangle order is not a permutation";
  EXPECT_LE(bvh.depth, 32);
  int wide_depth = 0;
  std::vector<strata::kt::BvhNode> wide = kernel_nodes(bvh, &wide_depth);
  // The kernels' stack holds at most three entries per level of the wide tree, plus four.
  EXPECT_LE(3 * wide_depth + 4, BVH_STACK_SIZE);
  size_t wide_covered = 0;
  for (const auto& n : wide)
    for (int k = 0; k < BVH_WIDTH; ++k)
      if (n.count[k] > 0) wide_covered += n.count[k];
  EXPECT_EQ(wide_covered, v.size() / 3) << "the wide tree must keep every triangle exactly once";
  size_t covered = 0;
  for (size_t i = 0; i < bvh.nodes.size(); ++i) {
    const auto& n = bvh.nodes[i];
    if (n.count > 0) {
      covered += n.count;
      for (int t = n.right_or_first; t < n.right_or_first + n.count; ++t) {
        for (int k = 0; k < 3; ++k) {
          Float3 p = v[size_t(bvh.order[t]) * 3 + k];
          float pt[3] = {p.x, p.y, p.z};
          ASSERT_TRUE(inside(n, pt, pt)) << "leaf " << i << " does not contain its triangle";
        }
      }
    } else {
      ASSERT_LT(i + 1, bvh.nodes.size());
      ASSERT_GT(n.right_or_first, static_cast<int>(i + 1));
      const auto& l = bvh.nodes[i + 1];
      const auto& r = bvh.nodes[n.right_or_first];
      ASSERT_TRUE(inside(n, l.bmin, l.bmax) && inside(n, r.bmin, r.bmax)) << "node " << i << " does not contain a child";
    }
  }
  EXPECT_EQ(covered, ntri);
}

TEST(Bvh, InvariantsOnRandomAndStructuredScenes) {
  auto soup = random_triangles(20000, 1, 0.3f);
  check_invariants(build_bvh(soup), soup);
  Scene bench = make_bench_scene(50000);
  check_invariants(build_bvh(bench.vertices), bench.vertices);
}

TEST(Bvh, CoincidentTrianglesStillGiveSmallLeavesAndBoundedDepth) {
  std::vector<Float3> v;
  for (int i = 0; i < 5000; ++i) v.insert(v.end(), {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}});
  Bvh bvh = build_bvh(v);
  check_invariants(bvh, v);
  int largest = 0;
  for (const auto& n : bvh.nodes) largest = std::max(largest, static_cast<int>(n.count));
  EXPECT_LE(largest, 4);
}

TEST(Bvh, SahBeatsAFlatList) {
  auto soup = random_triangles(10000, 2, 0.2f);
  Bvh bvh = build_bvh(soup);
  // A single leaf costs one test per triangle; a good tree needs a tiny fraction of that.
  EXPECT_LT(bvh_sah_cost(bvh), 10000 * 0.01);
}

// Nearest hits through the BVH equal brute force over all triangles, bit for bit (the same
// intersection routine), and any-hit queries agree on occlusion.
void check_traversal(size_t triangles, int rays, int min_hits);

TEST(Bvh, TraversalMatchesBruteForce) { check_traversal(3000, 3000, 300); }

// Large enough for the two-threaded build of the root's subtrees.
TEST(Bvh, TraversalMatchesBruteForceAfterParallelBuild) {
  auto soup = random_triangles(120000, 5, 0.2f);
  check_invariants(build_bvh(soup), soup);
  check_traversal(120000, 150, 15);
}

void check_traversal(size_t triangles, int rays, int min_hits) {
  auto soup = random_triangles(triangles, 3, triangles > 10000 ? 0.2f : 1.0f);
  Bvh bvh = build_bvh(soup);
  std::vector<Tri> tris(bvh.order.size());
  for (size_t i = 0; i < tris.size(); ++i) {
    const Float3* p = &soup[size_t(bvh.order[i]) * 3];
    Float3 e1 = p[1] - p[0], e2 = p[2] - p[0];
    for (int a = 0; a < 3; ++a) {
      tris[i].v0[a] = p[0][a];
      tris[i].e1[a] = e1[a];
      tris[i].e2[a] = e2[a];
    }
    tris[i].prim = bvh.order[i];
  }
  std::vector<strata::kt::BvhNode> flat = kernel_nodes(bvh);
  const BvhNode* nodes = reinterpret_cast<const BvhNode*>(flat.data());
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(-1, 1);
  int hits = 0;
  for (int r = 0; r < rays; ++r) {
    V3 o = v3(u(rng) * 15, u(rng) * 15, u(rng) * 15);
    V3 d = v3_normalize(v3(u(rng), u(rng), u(rng)));
    if (r % 10 == 0) d = v3(0, 0, u(rng) < 0 ? -1.0f : 1.0f);  // axis-aligned rays: zero components
    float tmax = r % 3 == 0 ? 8.0f : SX_FLT_MAX;
    Hit bvh_hit, brute;
    int got = trace_ray(nodes, tris.data(), o, d, tmax, 0, &bvh_hit, nullptr);
    brute.t = tmax;
    brute.tri = -1;
    for (size_t i = 0; i < tris.size(); ++i) ray_triangle(&tris[i], o, d, &brute, static_cast<i32>(i), nullptr);
    ASSERT_EQ(got != 0, brute.tri >= 0) << "ray " << r;
    if (got) {
      ++hits;
      EXPECT_EQ(bvh_hit.t, brute.t) << "ray " << r;
      EXPECT_EQ(tris[bvh_hit.tri].prim, tris[brute.tri].prim) << "ray " << r;
    }
    Hit any;
    EXPECT_EQ(trace_ray(nodes, tris.data(), o, d, tmax, 1, &any, nullptr) != 0, brute.tri >= 0) << "ray " << r;
  }
  EXPECT_GT(hits, min_hits);  // the test exercised real hits, not only misses
}

}  // namespace

namespace {

std::vector<Tri> kernel_tris(const std::vector<Float3>& v, const std::vector<uint32_t>& order) {
  std::vector<Tri> tris(order.size());
  for (size_t i = 0; i < tris.size(); ++i) {
    const Float3* p = &v[size_t(order[i]) * 3];
    Float3 e1 = p[1] - p[0], e2 = p[2] - p[0];
    for (int a = 0; a < 3; ++a) {
      tris[i].v0[a] = p[0][a];
      tris[i].e1[a] = e1[a];
      tris[i].e2[a] = e2[a];
    }
    tris[i].prim = order[i];
  }
  return tris;
}

// The nearest hit does not depend on the tree: on a grid of triangles sharing edges and
// vertices, rays aimed exactly at the shared points report the same (t, u, v, triangle) through
// the SAH tree as through a tree that is one leaf of all triangles in reverse order. Ties go to
// the lower scene index; verification can rebuild the tree anywhere.
TEST(Bvh, NearestHitIsTheSameForEveryTree) {
  std::vector<Float3> v;
  const int n = 24;
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      Float3 a{float(x), float(y), 0}, b{float(x + 1), float(y), 0}, c{float(x + 1), float(y + 1), 0}, d{float(x), float(y + 1), 0};
      v.insert(v.end(), {a, b, c, a, c, d});
    }
  Bvh sah = build_bvh(v);
  std::vector<strata::kt::BvhNode> sah_nodes = kernel_nodes(sah);
  std::vector<Tri> sah_tris = kernel_tris(v, sah.order);
  Bvh flat;
  size_t count = v.size() / 3;
  flat.nodes.push_back(BinaryNode{{0, 0, 0}, 0, {float(n), float(n), 0}, static_cast<int32_t>(count)});
  for (size_t i = 0; i < count; ++i) flat.order.push_back(static_cast<uint32_t>(count - 1 - i));
  std::vector<strata::kt::BvhNode> flat_nodes = kernel_nodes(flat);
  std::vector<Tri> flat_tris = kernel_tris(v, flat.order);
  int ties = 0;
  for (int y = 1; y < n; ++y)
    for (int x = 1; x < n; ++x) {
      // At a vertex shared by up to six triangles, and at the midpoint of a shared diagonal.
      for (Float3 target : {Float3{float(x), float(y), 0}, Float3{x + 0.5f, y + 0.5f, 0}}) {
        V3 o = v3(target.x + 0.25f, target.y - 0.5f, 3.0f);
        V3 d = v3_normalize(v3(target.x - o.x, target.y - o.y, -o.z));
        Hit a, b;
        ASSERT_TRUE(trace_ray(reinterpret_cast<const BvhNode*>(sah_nodes.data()), sah_tris.data(), o, d, SX_FLT_MAX, 0, &a, nullptr));
        ASSERT_TRUE(trace_ray(reinterpret_cast<const BvhNode*>(flat_nodes.data()), flat_tris.data(), o, d, SX_FLT_MAX, 0, &b, nullptr));
        EXPECT_EQ(a.t, b.t);
        EXPECT_EQ(a.u, b.u);
        EXPECT_EQ(a.v, b.v);
        EXPECT_EQ(a.prim, b.prim) << "at (" << target.x << ", " << target.y << ")";
        // Count the rays that really met several triangles at the same distance.
        int at_t = 0;
        for (size_t i = 0; i < flat_tris.size(); ++i) {
          Hit one;
          one.t = SX_FLT_MAX;
          one.tri = -1;
          if (ray_triangle(&flat_tris[i], o, d, &one, static_cast<i32>(i), nullptr) && one.t == a.t) ++at_t;
        }
        ties += at_t > 1;
      }
    }
  EXPECT_GT(ties, 100);  // the grid made the ties this test is about
}

}  // namespace
