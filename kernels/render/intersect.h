// Ray traversal of the flat BVH and ray-triangle intersection.
#ifndef STRATA_KERNELS_RENDER_INTERSECT_H
#define STRATA_KERNELS_RENDER_INTERSECT_H

#define BVH_STACK_SIZE 64

typedef struct {
  float t, u, v;
  i32 tri;  // index into the BVH-ordered triangle array, -1 for a miss
} Hit;

// Componentwise 1/d with zero components replaced by a tiny value of the same sign, so the slab
// test never forms 0 * inf.
DEVICE_FN V3 ray_inverse_direction(V3 d) {
  float x = FABSF(d.x) < 1e-20f ? (d.x < 0.0f ? -1e-20f : 1e-20f) : d.x;
  float y = FABSF(d.y) < 1e-20f ? (d.y < 0.0f ? -1e-20f : 1e-20f) : d.y;
  float z = FABSF(d.z) < 1e-20f ? (d.z < 0.0f ? -1e-20f : 1e-20f) : d.z;
  return v3(1.0f / x, 1.0f / y, 1.0f / z);
}

// Entry distance of the ray into the box [bmin, bmax], or SX_FLT_MAX when it misses within tmax.
DEVICE_FN float ray_box(GLOBAL const float* bmin, GLOBAL const float* bmax, V3 o, V3 inv, float tmax) {
  float tx0 = (bmin[0] - o.x) * inv.x, tx1 = (bmax[0] - o.x) * inv.x;
  float ty0 = (bmin[1] - o.y) * inv.y, ty1 = (bmax[1] - o.y) * inv.y;
  float tz0 = (bmin[2] - o.z) * inv.z, tz1 = (bmax[2] - o.z) * inv.z;
  float tnear = sx_max(sx_max(sx_min(tx0, tx1), sx_min(ty0, ty1)), sx_max(sx_min(tz0, tz1), 0.0f));
  float tfar = sx_min(sx_min(sx_max(tx0, tx1), sx_max(ty0, ty1)), sx_min(sx_max(tz0, tz1), tmax));
  return tnear <= tfar ? tnear : SX_FLT_MAX;
}

// Moller-Trumbore; updates hit when the triangle is nearer than hit->t.
DEVICE_FN int ray_triangle(GLOBAL const Tri* tri, V3 o, V3 d, Hit* hit, i32 index) {
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
  if (!(t > 0.0f) || t >= hit->t) return 0;
  hit->t = t;
  hit->u = u;
  hit->v = v;
  hit->tri = index;
  return 1;
}

// Tests triangles [first, first + count); returns 1 when any_hit and one was hit.
DEVICE_FN int ray_leaf(GLOBAL const Tri* tris, i32 first, i32 count, V3 o, V3 d, int any_hit, Hit* hit) {
  for (i32 i = first; i < first + count; ++i) {
    if (ray_triangle(&tris[i], o, d, hit, i) && any_hit) return 1;
  }
  return 0;
}

// Nearest hit along o + t d for t in (0, tmax); with any_hit, stops at the first hit found.
DEVICE_FN int trace_ray(GLOBAL const BvhNode* nodes, GLOBAL const Tri* tris, V3 o, V3 d,
                        float tmax, int any_hit, Hit* hit) {
  hit->t = tmax;
  hit->u = 0.0f;
  hit->v = 0.0f;
  hit->tri = -1;
  V3 inv = ray_inverse_direction(d);
  i32 stack[BVH_STACK_SIZE];
  float stack_t[BVH_STACK_SIZE];  // entry distance of each pushed node
  int sp = 0;
  i32 node_index = 0;
  for (;;) {
    GLOBAL const BvhNode* node = &nodes[node_index];
    float tl = node->left_count >= 0 ? ray_box(node->lmin, node->lmax, o, inv, hit->t) : SX_FLT_MAX;
    float tr = node->right_count >= 0 ? ray_box(node->rmin, node->rmax, o, inv, hit->t) : SX_FLT_MAX;
    // Leaves are tested at once, the nearer first; inner children are visited near to far.
    if (tr < tl && node->right_count > 0) {
      if (ray_leaf(tris, node->right, node->right_count, o, d, any_hit, hit)) return 1;
      tr = SX_FLT_MAX;
    }
    if (tl != SX_FLT_MAX && node->left_count > 0) {
      if (tl < hit->t && ray_leaf(tris, node->left, node->left_count, o, d, any_hit, hit)) return 1;
      tl = SX_FLT_MAX;
    }
    if (tr != SX_FLT_MAX && node->right_count > 0) {
      if (tr < hit->t && ray_leaf(tris, node->right, node->right_count, o, d, any_hit, hit)) return 1;
      tr = SX_FLT_MAX;
    }
    if (tl >= hit->t) tl = SX_FLT_MAX;
    if (tr >= hit->t) tr = SX_FLT_MAX;
    if (tl != SX_FLT_MAX && tr != SX_FLT_MAX) {
      int left_first = tl <= tr;
      if (sp < BVH_STACK_SIZE) {
        stack[sp] = left_first ? node->right : node->left;
        stack_t[sp] = left_first ? tr : tl;
        ++sp;
      }
      node_index = left_first ? node->left : node->right;
      continue;
    }
    if (tl != SX_FLT_MAX) {
      node_index = node->left;
      continue;
    }
    if (tr != SX_FLT_MAX) {
      node_index = node->right;
      continue;
    }
    // Pop the next node that may still hold a nearer hit.
    for (;;) {
      if (sp == 0) return hit->tri >= 0;
      --sp;
      if (stack_t[sp] < hit->t) break;
    }
    node_index = stack[sp];
  }
}

#endif
