// Texture lookups with glTF sampler semantics.
#ifndef STRATA_KERNELS_RENDER_TEXTURE_H
#define STRATA_KERNELS_RENDER_TEXTURE_H

// Texel index i of a row or column of n texels under a glTF wrap mode.
DEVICE_FN i32 texture_wrap(i32 i, i32 n, u32 mode) {
  if (mode == TEX_WRAP_CLAMP) return i < 0 ? 0 : (i >= n ? n - 1 : i);
  if (mode == TEX_WRAP_MIRROR) {
    i32 m = i % (2 * n);
    if (m < 0) m += 2 * n;
    return m < n ? m : 2 * n - 1 - m;
  }
  i32 r = i % n;
  return r < 0 ? r + n : r;
}

// Texture lookup with the texture's KHR_texture_transform, the glTF sampler's wrap modes and
// bilinear (or nearest) filtering. sRGB
// textures are decoded through the host-built table (the exact sRGB transfer function per
// byte); alpha and data textures are linear.
DEVICE_FN void texture_sample(GLOBAL const TexInfo* infos, GLOBAL const u32* texels,
                              GLOBAL const float* srgb_lut, i32 tex, float u, float v, int srgb,
                              float* rgba) {
  GLOBAL const TexInfo* info = &infos[tex];
  i32 iw = (i32)info->width, ih = (i32)info->height;
  GLOBAL const float* m = info->uv_transform;
  float tu = m[0] * u + m[1] * v + m[2];
  float tv = m[3] * u + m[4] * v + m[5];
  u = sx_clamp(tu, -1e6f, 1e6f);
  v = sx_clamp(tv, -1e6f, 1e6f);
  float x = u * (float)iw, y = v * (float)ih;
  float fx = 0.0f, fy = 0.0f;
  if ((info->sampler & TEX_NEAREST) == 0u) {
    x = x - 0.5f;
    y = y - 0.5f;
  }
  float fx0 = FLOORF(x), fy0 = FLOORF(y);
  if ((info->sampler & TEX_NEAREST) == 0u) {
    fx = x - fx0;
    fy = y - fy0;
  }
  u32 wrap_u = info->sampler & 3u, wrap_v = (info->sampler >> 2) & 3u;
  i32 x0 = texture_wrap((i32)fx0, iw, wrap_u), x1 = texture_wrap((i32)fx0 + 1, iw, wrap_u);
  i32 y0 = texture_wrap((i32)fy0, ih, wrap_v), y1 = texture_wrap((i32)fy0 + 1, ih, wrap_v);
  u32 t00 = texels[info->offset + (u32)(y0 * iw + x0)];
  u32 t10 = texels[info->offset + (u32)(y0 * iw + x1)];
  u32 t01 = texels[info->offset + (u32)(y1 * iw + x0)];
  u32 t11 = texels[info->offset + (u32)(y1 * iw + x1)];
  for (int c = 0; c < 4; ++c) {
    u32 shift = (u32)(8 * c);
    u32 b00 = (t00 >> shift) & 0xffu, b10 = (t10 >> shift) & 0xffu;
    u32 b01 = (t01 >> shift) & 0xffu, b11 = (t11 >> shift) & 0xffu;
    float c00, c10, c01, c11;
    if (srgb && c < 3) {
      c00 = srgb_lut[b00];
      c10 = srgb_lut[b10];
      c01 = srgb_lut[b01];
      c11 = srgb_lut[b11];
    } else {
      c00 = (float)b00 * (1.0f / 255.0f);
      c10 = (float)b10 * (1.0f / 255.0f);
      c01 = (float)b01 * (1.0f / 255.0f);
      c11 = (float)b11 * (1.0f / 255.0f);
    }
    float top = c00 * (1.0f - fx) + c10 * fx;
    float bottom = c01 * (1.0f - fx) + c11 * fx;
    rgba[c] = top * (1.0f - fy) + bottom * fy;
  }
}

// Texture coordinates of triangle `sh` at barycentrics (b1, b2).
DEVICE_FN void triangle_uv(GLOBAL const TriShading* sh, float b1, float b2, float* u, float* v) {
  float b0 = 1.0f - b1 - b2;
  *u = sh->uv0[0] * b0 + sh->uv1[0] * b1 + sh->uv2[0] * b2;
  *v = sh->uv0[1] * b0 + sh->uv1[1] * b1 + sh->uv2[1] * b2;
}

#endif
