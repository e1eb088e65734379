// Ray traversal of the flat BVH and ray-triangle intersection.
#ifndef STRATA_KERNELS_RENDER_INTERSECT_H
#define STRATA_KERNELS_RENDER_INTERSECT_H

#include "render/texture.h"

// Enough for the deepest tree the host builds: 3 entries per level of a 4-wide tree of at most 31
// levels, plus the last level's four (host/render/bvh.cc caps the binary tree at 32).
#define BVH_STACK_SIZE 100

typedef struct {
  float t, u, v;
  i32 tri;   // index into the BVH-ordered triangle array, -1 for a miss
  u32 prim;  // the scene's index of that triangle (TriShading), which breaks ties
} Hit;

// What an alpha test reads: the materials and their base colour textures.
typedef struct {
  GLOBAL const TriShading* shading;
  GLOBAL const Material* mats;
  GLOBAL const TexInfo* tex_infos;
  GLOBAL const u32* texels;
  GLOBAL const float* srgb_lut;
} AlphaView;

// Whether the ray stops at triangle `prim` at barycentrics (u, v) and distance t: MASK compares
// the alpha with the cutoff, BLEND keeps the hit with probability alpha, from a hash of the hit
// (the same on every backend).
DEVICE_FN int alpha_opaque(const AlphaView* view, u32 prim, float u, float v, float t) {
  GLOBAL const TriShading* sh = &view->shading[prim];
  GLOBAL const Material* m = &view->mats[sh->material];
  float alpha = m->base_color[3];
  if (m->base_color_tex >= 0) {
    float tu, tv, rgba[4];
    triangle_uv(sh, u, v, &tu, &tv);
    texture_sample(view->tex_infos, view->texels, view->srgb_lut, m->base_color_tex, tu, tv, 1, rgba);
    alpha = alpha * rgba[3];
  }
  if ((m->flags & MAT_ALPHA_MASK) != 0u) return alpha >= m->alpha_cutoff;
  u32 h = rng_pcg_hash(BITS_FROM_FLOAT(t) ^ rng_pcg_hash(prim));
  return (float)(h >> 8) * (1.0f / 16777216.0f) < alpha;
}

// Componentwise 1/d with zero components replaced by a tiny value of the same sign, so the slab
// test never forms 0 * inf.
DEVICE_FN V3 ray_inverse_direction(V3 d) {
  float x = FABSF(d.x) < 1e-20f ? (d.x < 0.0f ? -1e-20f : 1e-20f) : d.x;
  float y = FABSF(d.y) < 1e-20f ? (d.y < 0.0f ? -1e-20f : 1e-20f) : d.y;
  float z = FABSF(d.z) < 1e-20f ? (d.z < 0.0f ? -1e-20f : 1e-20f) : d.z;
  return v3(1.0f / x, 1.0f / y, 1.0f / z);
}

// Box distances are compared with this slack (relative): a triangle's computed distance can
// round below its box's, and culling must never drop a triangle that the exact arithmetic would
// keep, or the hit would depend on the tree (Ize, "Robust BVH Ray Traversal", JCGT 2013).
#define BVH_BOX_SLACK 1.00001f

// Entry distance of the ray into each child box of `node` (SX_FLT_MAX for a miss within tmax or
// an empty slot), conservative by BVH_BOX_SLACK.
DEVICE_FN void ray_boxes(GLOBAL const BvhNode* node, V3 o, V3 inv, float tmax, float* t) {
  for (int k = 0; k < BVH_WIDTH; ++k) {
    float tx0 = (node->bmin_x[k] - o.x) * inv.x, tx1 = (node->bmax_x[k] - o.x) * inv.x;
    float ty0 = (node->bmin_y[k] - o.y) * inv.y, ty1 = (node->bmax_y[k] - o.y) * inv.y;
    float tz0 = (node->bmin_z[k] - o.z) * inv.z, tz1 = (node->bmax_z[k] - o.z) * inv.z;
    float tnear = sx_max(sx_max(sx_min(tx0, tx1), sx_min(ty0, ty1)), sx_max(sx_min(tz0, tz1), 0.0f));
    float tfar = sx_min(sx_min(sx_max(tx0, tx1), sx_max(ty0, ty1)), sx_max(tz0, tz1));
    tfar = sx_min(tfar * BVH_BOX_SLACK, tmax * BVH_BOX_SLACK);
    t[k] = tnear <= tfar ? tnear : SX_FLT_MAX;
  }
  for (int k = 0; k < BVH_WIDTH; ++k) {
    if (node->count[k] < 0) t[k] = SX_FLT_MAX;
  }
}

// Moller-Trumbore; updates hit when the triangle is nearer than hit->t, or as near with a lower
// scene index, so the nearest hit is the same whatever the tree or the order of the visit.
// Triangles marked TRI_ALPHA_TESTED are passed through where alpha_opaque says so (when `alpha`
// is given).
DEVICE_FN int ray_triangle(GLOBAL const Tri* tri, V3 o, V3 d, Hit* hit, i32 index, const AlphaView* alpha) {
  V3 e1 = v3_load(tri->e1), e2 = v3_load(tri->e2);
  V3 p = v3_cross(d, e2);
  float det = v3_dot(e1, p);
  if (FABSF(det) < 1e-30f) return 0;
  float inv_det = 1.0f / det;
  V3 s = v3_sub(o, v3_load(tri->v0));
  float u = v3_dot(s, p) * inv_det;
  if (u < 0.0f || u > 1.0f) return 0;
  V3 q = v3_cross(s, e1);
  float v = v3_dot(d, q) * inv_det;
  if (v < 0.0f || u + v > 1.0f) return 0;
  float t = v3_dot(e2, q) * inv_det;
  u32 prim = tri->prim & TRI_PRIM_MASK;
  if (!(t > 0.0f) || t > hit->t || (t == hit->t && (hit->tri < 0 || prim >= hit->prim))) return 0;
  if ((tri->prim & TRI_ALPHA_TESTED) != 0u && alpha && !alpha_opaque(alpha, prim, u, v, t)) {
    return 0;
  }
  hit->t = t;
  hit->u = u;
  hit->v = v;
  hit->tri = index;
  hit->prim = prim;
  return 1;
}

// Tests triangles [first, first + count); returns 1 when any_hit and one was hit.
DEVICE_FN int ray_leaf(GLOBAL const Tri* tris, i32 first, i32 count, V3 o, V3 d, int any_hit, Hit* hit,
                       const AlphaView* alpha) {
  for (i32 i = first; i < first + count; ++i) {
    if (ray_triangle(&tris[i], o, d, hit, i, alpha) && any_hit) return 1;
  }
  return 0;
}

// Nearest hit along o + t d for t in (0, tmax); with any_hit, stops at the first hit found.
// `alpha` (may be null) supplies the alpha tests of non-opaque triangles.
DEVICE_FN int trace_ray(GLOBAL const BvhNode* nodes, GLOBAL const Tri* tris, V3 o, V3 d,
                        float tmax, int any_hit, Hit* hit, const AlphaView* alpha) {
  hit->t = tmax;
  hit->u = 0.0f;
  hit->v = 0.0f;
  hit->tri = -1;
  hit->prim = 0u;
  V3 inv = ray_inverse_direction(d);
  i32 stack[BVH_STACK_SIZE];      // node index, or first triangle of a leaf
  i32 stack_n[BVH_STACK_SIZE];    // 0 for a node, the triangle count for a leaf
  float stack_t[BVH_STACK_SIZE];  // entry distance
  int sp = 0;
  i32 node_index = 0;
  for (;;) {
    GLOBAL const BvhNode* node = &nodes[node_index];
    float t[BVH_WIDTH];
    ray_boxes(node, o, inv, hit->t, t);
    // The four children sorted near to far by a sorting network over named values (no
    // data-dependent array indexing, so a GPU keeps them in registers). The hit does not depend
    // on the visiting order: ties go to the lower scene index.
    float t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3];
    i32 c0 = node->child[0], c1 = node->child[1], c2 = node->child[2], c3 = node->child[3];
    i32 n0 = node->count[0], n1 = node->count[1], n2 = node->count[2], n3 = node->count[3];
#define STRATA_BVH_SWAP(a, b)                                        \
    if (t##b < t##a) {                                               \
      float tt = t##a; t##a = t##b; t##b = tt;                       \
      i32 tc = c##a; c##a = c##b; c##b = tc;                         \
      i32 tn = n##a; n##a = n##b; n##b = tn;                         \
    }
    STRATA_BVH_SWAP(0, 1)
    STRATA_BVH_SWAP(2, 3)
    STRATA_BVH_SWAP(0, 2)
    STRATA_BVH_SWAP(1, 3)
    STRATA_BVH_SWAP(1, 2)
#undef STRATA_BVH_SWAP
    // Children far to near onto the stack, so the nearest is popped next; a leaf is tested when
    // popped, so each step of the loop is one node or one leaf for every ray alike.
#define STRATA_BVH_PUSH(k)                                                                   \
    if (t##k < SX_FLT_MAX && sp < BVH_STACK_SIZE) {                                          \
      stack[sp] = c##k;                                                                      \
      stack_n[sp] = n##k;                                                                    \
      stack_t[sp] = t##k;                                                                    \
      ++sp;                                                                                  \
    }
    STRATA_BVH_PUSH(3)
    STRATA_BVH_PUSH(2)
    STRATA_BVH_PUSH(1)
    STRATA_BVH_PUSH(0)
#undef STRATA_BVH_PUSH
    // Pop until a node that may still hold a nearer hit, testing the leaves on the way.
    for (;;) {
      if (sp == 0) return hit->tri >= 0;
      --sp;
      if (stack_t[sp] > hit->t * BVH_BOX_SLACK) continue;
      if (stack_n[sp] == 0) break;
      if (ray_leaf(tris, stack[sp], stack_n[sp], o, d, any_hit, hit, alpha)) return 1;
    }
    node_index = stack[sp];
  }
}

#endif
