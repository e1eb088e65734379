// The path tracer: one work item per pixel of a tile, looping over a range of sample indices.
// Next-event estimation with multiple importance sampling (power heuristic), Russian roulette
// after params.rr_depth segments, and a limit of params.max_depth segments per path.
#ifndef STRATA_KERNELS_RENDER_PATHTRACE_H
#define STRATA_KERNELS_RENDER_PATHTRACE_H

// Random dimensions: 0-1 pixel jitter, then PT_DIMS_PER_BOUNCE per path vertex.
#define PT_DIMS_PER_BOUNCE 7u

typedef struct {
  GLOBAL const BvhNode* nodes;
  GLOBAL const Tri* tris;
  GLOBAL const TriShading* shading;
  GLOBAL const Material* mats;
  GLOBAL const TexInfo* tex_infos;
  GLOBAL const u32* texels;
  GLOBAL const float* srgb_lut;
  GLOBAL const Light* lights;
  AlphaView alpha;
} SceneView;

// Offsets a ray origin off the surface along the geometric normal (scaled by the position's
// magnitude) so the next ray does not hit the surface it leaves.
DEVICE_FN V3 offset_origin(V3 p, V3 ng) {
  float m = sx_max(sx_max(FABSF(p.x), FABSF(p.y)), sx_max(FABSF(p.z), 1.0f));
  return v3_add(p, v3_scale(ng, 1e-4f * m));
}

// Direct light at a path vertex: every punctual light (each a delta light, no MIS) plus one
// emissive triangle chosen by the triangle-light CDF, MIS-weighted against BSDF sampling.
// Returns the contribution without path throughput and counts the shadow rays.
DEVICE_FN V3 light_contribution(const SceneView* sc, GLOBAL const Light* l, float selection_pdf,
                                const Bsdf* bsdf, V3 p, V3 n, V3 ng, V3 wo, float u1, float u2,
                                u32* rays) {
  V3 zero = v3_splat(0.0f);
  V3 wi, le;
  float dist, light_pdf;  // light_pdf per unit solid angle, 0 for delta lights
  if (l->type == LIGHT_DIRECTIONAL) {
    wi = v3_neg(v3_load(l->direction));
    dist = SX_FLT_MAX;
    le = v3_load(l->intensity);
    light_pdf = 0.0f;
  } else if (l->type == LIGHT_TRIANGLE) {
    float su = SQRTF(u1);
    float b1 = su * (1.0f - u2), b2 = su * u2;
    V3 e1 = v3_load(l->direction), e2 = v3_load(l->intensity);
    V3 q = v3_add(v3_load(l->position), v3_add(v3_scale(e1, b1), v3_scale(e2, b2)));
    V3 lng = v3_normalize(v3_cross(e1, e2));
    V3 d = v3_sub(q, p);
    float d2 = v3_dot(d, d);
    dist = SQRTF(d2);
    if (!(dist > 0.0f)) return zero;
    wi = v3_scale(d, 1.0f / dist);
    float cos_l = -v3_dot(lng, wi);
    le = triangle_emission(sc->shading, sc->mats, sc->tex_infos, sc->texels, sc->srgb_lut, l->prim,
                           b1, b2, cos_l);
    cos_l = FABSF(cos_l);
    if (cos_l <= 0.0f || v3_max_component(le) <= 0.0f) return zero;
    light_pdf = d2 / (cos_l * sc->shading[l->prim].area);
    le = v3_scale(le, 1.0f / light_pdf);
    dist = dist * 0.9999f;  // stop the shadow ray just short of the light
  } else {
    V3 d = v3_sub(v3_load(l->position), p);
    float d2 = v3_dot(d, d);
    dist = SQRTF(d2);
    if (!(dist > 0.0f)) return zero;
    wi = v3_scale(d, 1.0f / dist);
    le = v3_scale(v3_load(l->intensity), 1.0f / d2);
    if (l->type == LIGHT_SPOT) {
      float cd = -v3_dot(v3_load(l->direction), wi);
      float att = sx_clamp(cd * l->spot_scale + l->spot_offset, 0.0f, 1.0f);
      le = v3_scale(le, att * att);
    }
    light_pdf = 0.0f;
  }
  // Light from behind the surface reaches the path only through transmission; the shading and
  // geometric normals must agree on the side.
  float cos_i = v3_dot(n, wi), cos_g = v3_dot(ng, wi);
  if (cos_i == 0.0f || (cos_i > 0.0f) != (cos_g > 0.0f)) return zero;
  float bsdf_pdf;
  V3 f = bsdf_eval(bsdf, n, wo, wi, &bsdf_pdf);
  if (v3_max_component(f) <= 0.0f) return zero;
  *rays += 1u;
  Hit shadow;
  if (trace_ray(sc->nodes, sc->tris, offset_origin(p, cos_g > 0.0f ? ng : v3_neg(ng)), wi, dist, 1, &shadow,
                &sc->alpha)) {
    return zero;
  }
  cos_i = FABSF(cos_i);
  float weight = light_pdf > 0.0f ? mis_power(light_pdf * selection_pdf, bsdf_pdf) : 1.0f;
  return v3_scale(v3_mul(f, le), cos_i * weight / selection_pdf);
}

DEVICE_FN V3 sample_direct(const SceneView* sc, GLOBAL const RenderParams* prm, const Bsdf* bsdf,
                           V3 p, V3 n, V3 ng, V3 wo, u32 seed, u32 item, u32 sample, u32 dim,
                           u32* rays) {
  V3 sum = v3_splat(0.0f);
  if (prm->tri_light_count > 0u) {
    u32 li = light_select(sc->lights, prm->tri_light_count, rng_float(seed, item, sample, dim));
    GLOBAL const Light* l = &sc->lights[li];
    sum = light_contribution(sc, l, l->pdf, bsdf, p, n, ng, wo, rng_float(seed, item, sample, dim + 1u),
                             rng_float(seed, item, sample, dim + 2u), rays);
  }
  for (u32 i = prm->tri_light_count; i < prm->light_count; ++i) {
    sum = v3_add(sum, light_contribution(sc, &sc->lights[i], 1.0f, bsdf, p, n, ng, wo, 0.0f, 0.0f, rays));
  }
  return sum;
}

// Radiance of one path through pixel `item`, sample `sample`.
DEVICE_FN V3 trace_path(const SceneView* sc, GLOBAL const RenderParams* prm, u32 px, u32 py,
                        u32 sample, u32* rays) {
  u32 seed = prm->seed;
  u32 item = py * prm->image_width + px;
  float jx = rng_float(seed, item, sample, 0u), jy = rng_float(seed, item, sample, 1u);
  float sx = (((float)px + jx) / (float)prm->image_width * 2.0f - 1.0f) * prm->cam_tan_half_fov_y * prm->cam_aspect;
  float sy = (1.0f - ((float)py + jy) / (float)prm->image_height * 2.0f) * prm->cam_tan_half_fov_y;
  V3 d = v3_add(v3_load(prm->cam_forward),
                v3_add(v3_scale(v3_load(prm->cam_right), sx), v3_scale(v3_load(prm->cam_up), sy)));
  d = v3_normalize(d);
  V3 o = v3_load(prm->cam_origin);
  V3 radiance = v3_splat(0.0f), throughput = v3_splat(1.0f);
  float prev_pdf = 0.0f;  // bsdf pdf of the last bounce; 0 for the camera ray
  for (u32 depth = 0; depth < prm->max_depth; ++depth) {
    u32 dim = 2u + depth * PT_DIMS_PER_BOUNCE;
    Hit hit;
    *rays += 1u;
    if (!trace_ray(sc->nodes, sc->tris, o, d, SX_FLT_MAX, 0, &hit, &sc->alpha)) {
      radiance = v3_add(radiance, v3_mul(throughput, v3_load(prm->background)));
      break;
    }
    GLOBAL const Tri* tri = &sc->tris[hit.tri];
    u32 prim = tri->prim & TRI_PRIM_MASK;
    GLOBAL const TriShading* sh = &sc->shading[prim];
    GLOBAL const Material* m = &sc->mats[sh->material];
    V3 e1 = v3_load(tri->e1), e2 = v3_load(tri->e2);
    V3 ng = v3_normalize(v3_cross(e1, e2));
    float cos_view = -v3_dot(ng, d);
    // Every surface reflects on both sides, as in Cycles; only emission depends on doubleSided
    // (triangle_emission: single-sided surfaces emit on their front alone).
    V3 p = v3_add(v3_add(v3_load(tri->v0), v3_scale(e1, hit.u)), v3_scale(e2, hit.v));
    if (sh->light >= 0) {
      V3 le = triangle_emission(sc->shading, sc->mats, sc->tex_infos, sc->texels, sc->srgb_lut,
                                prim, hit.u, hit.v, cos_view);
      float w = 1.0f;
      if (prev_pdf > 0.0f) {
        float light_pdf = sc->lights[sh->light].pdf * hit.t * hit.t / (FABSF(cos_view) * sh->area);
        w = mis_power(prev_pdf, light_pdf);
      }
      radiance = v3_add(radiance, v3_scale(v3_mul(throughput, le), w));
    }
    if (depth + 1u >= prm->max_depth) break;
    if (cos_view < 0.0f) ng = v3_neg(ng);
    float b0 = 1.0f - hit.u - hit.v;
    V3 n = v3_add(v3_add(v3_scale(v3_load(sh->n0), b0), v3_scale(v3_load(sh->n1), hit.u)),
                  v3_scale(v3_load(sh->n2), hit.v));
    float nlen = v3_length(n);
    n = nlen > 0.0f ? v3_scale(n, 1.0f / nlen) : ng;
    if (v3_dot(n, ng) < 0.0f) n = v3_neg(n);
    float tu, tv;
    triangle_uv(sh, hit.u, hit.v, &tu, &tv);
    Bsdf bsdf;
    bsdf.base = v3_load(m->base_color);
    bsdf.metallic = m->metallic;
    float roughness = m->roughness;
    bsdf.specular = m->specular;
    bsdf.f0 = m->f0;
    bsdf.transmission = m->transmission;
    float rgba[4];
    if (m->normal_tex >= 0) {
      texture_sample(sc->tex_infos, sc->texels, sc->srgb_lut, m->normal_tex, tu, tv, 0, rgba);
      V3 tn = v3((rgba[0] * 2.0f - 1.0f) * m->normal_scale, (rgba[1] * 2.0f - 1.0f) * m->normal_scale,
                 rgba[2] * 2.0f - 1.0f);
      n = normal_mapped(sh, e1, e2, n, tn);
      if (v3_dot(n, ng) < 0.0f) n = v3_neg(n);
    }
    if (m->base_color_tex >= 0) {
      texture_sample(sc->tex_infos, sc->texels, sc->srgb_lut, m->base_color_tex, tu, tv, 1, rgba);
      bsdf.base = v3_mul(bsdf.base, v3(rgba[0], rgba[1], rgba[2]));
    }
    if (m->transmission_tex >= 0) {
      texture_sample(sc->tex_infos, sc->texels, sc->srgb_lut, m->transmission_tex, tu, tv, 0, rgba);
      bsdf.transmission = bsdf.transmission * rgba[0];
    }
    if (m->metal_rough_tex >= 0) {
      texture_sample(sc->tex_infos, sc->texels, sc->srgb_lut, m->metal_rough_tex, tu, tv, 0, rgba);
      roughness = roughness * rgba[1];
      bsdf.metallic = bsdf.metallic * rgba[2];
    }
    roughness = sx_clamp(roughness, 0.03f, 1.0f);
    bsdf.alpha = roughness * roughness;
    V3 wo = v3_neg(d);
    V3 direct = sample_direct(sc, prm, &bsdf, p, n, ng, wo, seed, item, sample, dim, rays);
    radiance = v3_add(radiance, v3_mul(throughput, direct));
    V3 wi;
    float pdf;
    V3 f = bsdf_sample(&bsdf, n, wo, rng_float(seed, item, sample, dim + 3u),
                       rng_float(seed, item, sample, dim + 4u),
                       rng_float(seed, item, sample, dim + 5u), &wi, &pdf);
    float cos_i = v3_dot(n, wi), cos_g = v3_dot(ng, wi);
    if (!(pdf > 0.0f) || cos_i == 0.0f || (cos_i > 0.0f) != (cos_g > 0.0f)) break;
    throughput = v3_mul(throughput, v3_scale(f, FABSF(cos_i) / pdf));
    if (depth + 1u >= prm->rr_depth) {
      float q = sx_min(v3_max_component(throughput), 0.95f);
      if (!(rng_float(seed, item, sample, dim + 6u) < q)) break;
      throughput = v3_scale(throughput, 1.0f / q);
    }
    prev_pdf = pdf;
    o = offset_origin(p, cos_g > 0.0f ? ng : v3_neg(ng));
    d = wi;
  }
  return radiance;
}

// The scene a kernel's arguments describe.
DEVICE_FN SceneView make_scene_view(GLOBAL const BvhNode* nodes, GLOBAL const Tri* tris,
                                    GLOBAL const TriShading* shading, GLOBAL const Material* mats,
                                    GLOBAL const TexInfo* tex_infos, GLOBAL const u32* texels,
                                    GLOBAL const float* srgb_lut, GLOBAL const Light* lights) {
  SceneView sc;
  sc.nodes = nodes;
  sc.tris = tris;
  sc.shading = shading;
  sc.mats = mats;
  sc.tex_infos = tex_infos;
  sc.texels = texels;
  sc.srgb_lut = srgb_lut;
  sc.lights = lights;
  sc.alpha.shading = shading;
  sc.alpha.mats = mats;
  sc.alpha.tex_infos = tex_infos;
  sc.alpha.texels = texels;
  sc.alpha.srgb_lut = srgb_lut;
  return sc;
}

// Adds samples [sample_begin, sample_begin + sample_count) of image pixel (px, py) to `acc` (RGB
// sum, sample count) and `ray_count`, each sample's radiance in sample order, so splitting a
// sample range over several launches gives the same bits.
DEVICE_FN void accumulate_pixel(const SceneView* sc, GLOBAL const RenderParams* prm, u32 px, u32 py,
                                GLOBAL float* acc, GLOBAL u32* ray_count) {
  float r = acc[0], g = acc[1], b = acc[2], count = acc[3];
  u32 rays = 0u;
  for (u32 s = 0; s < prm->sample_count; ++s) {
    V3 l = trace_path(sc, prm, px, py, prm->sample_begin + s, &rays);
    // A non-finite sample (a degenerate path) counts as black rather than poisoning the pixel.
    if (sx_is_finite(l.x) && sx_is_finite(l.y) && sx_is_finite(l.z)) {
      r = r + l.x;
      g = g + l.y;
      b = b + l.z;
    }
    count = count + 1.0f;
  }
  acc[0] = r;
  acc[1] = g;
  acc[2] = b;
  acc[3] = count;
  *ray_count = *ray_count + rays;
}

// accum holds 4 floats per tile pixel (RGB sum, sample count) and ray_counts one count per pixel.
KERNEL void render_tile(GLOBAL const BvhNode* nodes, GLOBAL const Tri* tris,
                        GLOBAL const TriShading* shading, GLOBAL const Material* mats,
                        GLOBAL const TexInfo* tex_infos, GLOBAL const u32* texels,
                        GLOBAL const float* srgb_lut, GLOBAL const Light* lights,
                        GLOBAL const RenderParams* prm, GLOBAL float* accum,
                        GLOBAL u32* ray_counts) {
  u32 tx = GLOBAL_ID_X(), ty = GLOBAL_ID_Y();
  if (tx >= prm->tile_w || ty >= prm->tile_h) return;
  SceneView sc = make_scene_view(nodes, tris, shading, mats, tex_infos, texels, srgb_lut, lights);
  u32 pixel = ty * prm->tile_w + tx;
  accumulate_pixel(&sc, prm, prm->tile_x + tx, prm->tile_y + ty, accum + pixel * 4u, ray_counts + pixel);
}

// The same samples for a list of scattered image pixels (x, y pairs in `pixels`, `count` of
// them), item i into accum[4i..] and ray_counts[i]: a verifier's spot check in one launch.
KERNEL void render_pixels(GLOBAL const BvhNode* nodes, GLOBAL const Tri* tris,
                          GLOBAL const TriShading* shading, GLOBAL const Material* mats,
                          GLOBAL const TexInfo* tex_infos, GLOBAL const u32* texels,
                          GLOBAL const float* srgb_lut, GLOBAL const Light* lights,
                          GLOBAL const RenderParams* prm, GLOBAL const u32* pixels, u32 count,
                          GLOBAL float* accum, GLOBAL u32* ray_counts) {
  u32 i = GLOBAL_ID_X();
  if (i >= count) return;
  SceneView sc = make_scene_view(nodes, tris, shading, mats, tex_infos, texels, srgb_lut, lights);
  accumulate_pixel(&sc, prm, pixels[2u * i], pixels[2u * i + 1u], accum + i * 4u, ray_counts + i);
}

// Adds one accumulation buffer into another, pixel by pixel: dst = dst + src for the four floats
// and the ray count. The pieces of a sample range split across devices are summed with it in
// piece order, so the sum has the same bits on every backend and on the host (AccumBuffer::merge).
KERNEL void accum_add(GLOBAL float* dst, GLOBAL const float* src, GLOBAL u32* dst_rays,
                      GLOBAL const u32* src_rays, u32 pixels) {
  u32 p = GLOBAL_ID_X();
  if (p >= pixels) return;
  for (u32 c = 0u; c < 4u; ++c) dst[p * 4u + c] = dst[p * 4u + c] + src[p * 4u + c];
  dst_rays[p] = dst_rays[p] + src_rays[p];
}

#endif
