// Materials (glTF 2.0 metallic-roughness BRDF), textures and light sampling.
#ifndef STRATA_KERNELS_RENDER_SHADING_H
#define STRATA_KERNELS_RENDER_SHADING_H

#include "render/texture.h"

typedef struct {
  V3 base;
  float metallic;
  float alpha;         // GGX roughness parameter: roughness squared
  float specular;      // scales the dielectric Fresnel (KHR_materials_specular)
  float f0;            // dielectric reflectance at normal incidence, from the IOR
  float transmission;  // share of the dielectric base that is transmitted (thin-walled)
} Bsdf;

DEVICE_FN V3 mirror_across(V3 v, V3 n) { return v3_sub(v, v3_scale(n, 2.0f * v3_dot(n, v))); }

DEVICE_FN float schlick_weight(float cos_theta) {
  float m = sx_clamp(1.0f - cos_theta, 0.0f, 1.0f);
  float m2 = m * m;
  return m2 * m2 * m;
}

DEVICE_FN float ggx_d(float nh, float a2) {
  float d = nh * nh * (a2 - 1.0f) + 1.0f;
  return a2 / (SX_PI * d * d);
}

// Height-correlated Smith visibility V = G / (4 |n.l| |n.v|), as in the glTF specification.
DEVICE_FN float ggx_v(float nl, float nv, float a2) {
  float gv = nl * SQRTF(nv * nv * (1.0f - a2) + a2);
  float gl = nv * SQRTF(nl * nl * (1.0f - a2) + a2);
  float s = gv + gl;
  return s > 0.0f ? 0.5f / s : 0.0f;
}

// Smith masking for one direction, GGX: G1(v) = 2 n.v / (n.v + sqrt(a2 + (1 - a2) (n.v)^2)).
DEVICE_FN float ggx_g1(float nv, float a2) {
  return 2.0f * nv / (nv + SQRTF(a2 + (1.0f - a2) * nv * nv));
}

DEVICE_FN float dielectric_fresnel(const Bsdf* b, float cos_theta) {
  return b->specular * (b->f0 + (1.0f - b->f0) * schlick_weight(cos_theta));
}

// Probability of sampling the specular reflection lobe: its expected share of the scattering.
// The rest is split between the diffuse and the transmission lobe in proportion to transmission.
DEVICE_FN float bsdf_specular_probability(const Bsdf* b, float nv) {
  float fr = dielectric_fresnel(b, nv);
  float p = b->metallic + (1.0f - b->metallic) * fr;
  if (p > 0.0f && p < 0.1f) p = 0.1f;
  return p;
}

// glTF 2.0 Appendix B: mix(fresnel_mix(mix(diffuse, transmission), specular),
// conductor_fresnel(specular), metallic). Transmission is thin-walled (KHR_materials_transmission
// without a volume): a direction below the surface is scattered like the reflection mirrored
// through it. Returns f (without the cosine) and the pdf of bsdf_sample choosing wi, per unit
// solid angle.
DEVICE_FN V3 bsdf_eval(const Bsdf* b, V3 n, V3 wo, V3 wi, float* pdf) {
  float nl = v3_dot(n, wi), nv = v3_dot(n, wo);
  *pdf = 0.0f;
  int transmitted = nl < 0.0f;
  if (nv <= 0.0f || nl == 0.0f || (transmitted && !(b->transmission > 0.0f && b->metallic < 1.0f))) {
    return v3_splat(0.0f);
  }
  V3 wr = transmitted ? mirror_across(wi, n) : wi;  // the reflection that mirrors a transmission
  nl = FABSF(nl);
  V3 h = v3_normalize(v3_add(wo, wr));
  float nh = sx_max(v3_dot(n, h), 0.0f);
  float vh = sx_max(v3_dot(wo, h), 1e-8f);
  float a2 = b->alpha * b->alpha;
  float d = ggx_d(nh, a2);
  float spec = d * ggx_v(nl, nv, a2);
  float fr = dielectric_fresnel(b, vh);
  float ps = bsdf_specular_probability(b, nv);
  // Visible-normal sampling: pdf(wr) = G1(wo) D(h) / (4 n.wo).
  float pdf_spec = ggx_g1(nv, a2) * d / (4.0f * nv);
  if (transmitted) {
    *pdf = (1.0f - ps) * b->transmission * pdf_spec;
    return v3_scale(b->base, (1.0f - fr) * b->transmission * spec * (1.0f - b->metallic));
  }
  float w = schlick_weight(vh);
  V3 dielectric = v3_add(v3_scale(b->base, (1.0f - fr) * (1.0f - b->transmission) * SX_INV_PI), v3_splat(spec * fr));
  V3 metal_fresnel = v3_add(b->base, v3_scale(v3_sub(v3_splat(1.0f), b->base), w));
  V3 metal = v3_scale(metal_fresnel, spec);
  *pdf = ps * pdf_spec + (1.0f - ps) * (1.0f - b->transmission) * (nl * SX_INV_PI);
  return v3_add(v3_scale(dielectric, 1.0f - b->metallic), v3_scale(metal, b->metallic));
}

// Samples wi from the lobe mixture with three uniform numbers; returns f, sets pdf (0: no sample).
// The specular lobe samples GGX visible normals (Heitz, "Sampling the GGX Distribution of Visible
// Normals", JCGT 2018), so few samples are wasted below the horizon.
DEVICE_FN V3 bsdf_sample(const Bsdf* b, V3 n, V3 wo, float u_lobe, float u1, float u2, V3* wi,
                         float* pdf) {
  V3 t, bt;
  sx_basis(n, &t, &bt);
  float nv = v3_dot(n, wo);
  float s, c;
  float ps = bsdf_specular_probability(b, nv);
  if (u_lobe < ps + (1.0f - ps) * b->transmission) {
    float a = b->alpha;
    // wo in the local frame, stretched to the unit-roughness configuration.
    V3 vh = v3_normalize(v3(a * v3_dot(wo, t), a * v3_dot(wo, bt), v3_dot(wo, n)));
    float lensq = vh.x * vh.x + vh.y * vh.y;
    V3 t1 = lensq > 0.0f ? v3_scale(v3(-vh.y, vh.x, 0.0f), 1.0f / SQRTF(lensq)) : v3(1.0f, 0.0f, 0.0f);
    V3 t2 = v3_cross(vh, t1);
    float r = SQRTF(u1);
    sx_sincos(SX_TWO_PI * u2, &s, &c);
    float p1 = r * c, p2 = r * s;
    float sh = 0.5f * (1.0f + vh.z);
    p2 = (1.0f - sh) * SQRTF(sx_max(0.0f, 1.0f - p1 * p1)) + sh * p2;
    V3 nh = v3_add(v3_add(v3_scale(t1, p1), v3_scale(t2, p2)),
                   v3_scale(vh, SQRTF(sx_max(0.0f, 1.0f - p1 * p1 - p2 * p2))));
    V3 hl = v3_normalize(v3(a * nh.x, a * nh.y, sx_max(0.0f, nh.z)));
    V3 h = v3_add(v3_add(v3_scale(t, hl.x), v3_scale(bt, hl.y)), v3_scale(n, hl.z));
    *wi = v3_sub(v3_scale(h, 2.0f * v3_dot(wo, h)), wo);
    // The transmission lobe passes the reflection through the (thin) surface.
    if (u_lobe >= ps) {
      if (v3_dot(n, *wi) <= 0.0f) {
        *pdf = 0.0f;
        return v3_splat(0.0f);
      }
      *wi = mirror_across(*wi, n);
    }
  } else {
    float r = SQRTF(u1);
    sx_sincos(SX_TWO_PI * u2, &s, &c);
    float z = SQRTF(sx_max(0.0f, 1.0f - u1));
    *wi = v3_add(v3_add(v3_scale(t, r * c), v3_scale(bt, r * s)), v3_scale(n, z));
  }
  return bsdf_eval(b, n, wo, *wi, pdf);
}

DEVICE_FN float mis_power(float a, float b) {
  float a2 = a * a;
  return a2 / (a2 + b * b);
}

// The shading normal n perturbed by tangent-space normal tn (from a normal map). The tangent runs
// along +u and the bitangent towards decreasing v (up in the image, as glTF and MikkTSpace
// have it), both from the triangle's texture coordinates, made orthonormal around n.
DEVICE_FN V3 normal_mapped(GLOBAL const TriShading* sh, V3 e1, V3 e2, V3 n, V3 tn) {
  float du1 = sh->uv1[0] - sh->uv0[0], dv1 = sh->uv1[1] - sh->uv0[1];
  float du2 = sh->uv2[0] - sh->uv0[0], dv2 = sh->uv2[1] - sh->uv0[1];
  float det = du1 * dv2 - du2 * dv1;
  if (FABSF(det) < 1e-20f) return n;  // no texture parametrization to follow
  float r = 1.0f / det;
  V3 t = v3_scale(v3_sub(v3_scale(e1, dv2), v3_scale(e2, dv1)), r);
  V3 b_down = v3_scale(v3_sub(v3_scale(e2, du1), v3_scale(e1, du2)), r);
  t = v3_sub(t, v3_scale(n, v3_dot(n, t)));
  float tlen = v3_length(t);
  if (!(tlen > 0.0f)) return n;
  t = v3_scale(t, 1.0f / tlen);
  V3 b = v3_cross(n, t);
  if (v3_dot(b, b_down) > 0.0f) b = v3_neg(b);
  V3 mapped = v3_add(v3_add(v3_scale(t, tn.x), v3_scale(b, tn.y)), v3_scale(n, tn.z));
  float mlen = v3_length(mapped);
  return mlen > 0.0f ? v3_scale(mapped, 1.0f / mlen) : n;
}

// Radiance emitted by triangle light `prim` at barycentrics (b1, b2) towards a viewer on the side
// given by cos_view (dot of the geometric normal with the direction to the viewer).
DEVICE_FN V3 triangle_emission(GLOBAL const TriShading* shading, GLOBAL const Material* mats,
                               GLOBAL const TexInfo* tex_infos, GLOBAL const u32* texels,
                               GLOBAL const float* srgb_lut, u32 prim, float b1, float b2,
                               float cos_view) {
  GLOBAL const TriShading* sh = &shading[prim];
  GLOBAL const Material* m = &mats[sh->material];
  if (cos_view <= 0.0f && (m->flags & MAT_DOUBLE_SIDED) == 0u) return v3_splat(0.0f);
  V3 e = v3_load(m->emission);
  if (m->emissive_tex >= 0) {
    float u, v, rgba[4];
    triangle_uv(sh, b1, b2, &u, &v);
    texture_sample(tex_infos, texels, srgb_lut, m->emissive_tex, u, v, 1, rgba);
    e = v3_mul(e, v3(rgba[0], rgba[1], rgba[2]));
  }
  return e;
}

// Index of the light whose CDF interval contains u.
DEVICE_FN u32 light_select(GLOBAL const Light* lights, u32 count, float u) {
  u32 lo = 0, hi = count - 1;
  while (lo < hi) {
    u32 mid = (lo + hi) / 2u;
    if (u < lights[mid].cdf) {
      hi = mid;
    } else {
      lo = mid + 1u;
    }
  }
  return lo;
}

#endif
