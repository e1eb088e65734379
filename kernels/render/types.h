// Fixed-layout structs shared by the host and the render kernels. Every member is 4 bytes wide
// (no float3, no padding inserted by any compiler), so the layout is the same in C++, CUDA and
// OpenCL C. host/render/kernel_types.h static_asserts sizes and offsets on the host, and the
// layout_probe kernel below reports them from each device (tests/kernels/layout_test.cc).
#ifndef STRATA_KERNELS_RENDER_TYPES_H
#define STRATA_KERNELS_RENDER_TYPES_H

#define BVH_WIDTH 4

// A 4-wide BVH node holding its children's bounds in SoA order, so one 128-byte fetch tests all
// four boxes (and the cpu build vectorizes the test). Per child k: count[k] > 0 is a leaf of
// count[k] triangles from child[k]; count[k] == 0 an inner node at child[k]; count[k] < 0 an
// empty slot.
typedef struct ALIGN16 {
  float bmin_x[BVH_WIDTH], bmin_y[BVH_WIDTH], bmin_z[BVH_WIDTH];
  float bmax_x[BVH_WIDTH], bmax_y[BVH_WIDTH], bmax_z[BVH_WIDTH];
  i32 child[BVH_WIDTH];
  i32 count[BVH_WIDTH];
} BvhNode;

// Triangle in BVH order, pre-arranged for Moller-Trumbore: v0 and edges e1 = v1-v0, e2 = v2-v0.
typedef struct {
  float v0[3];
  float e1[3];
  float e2[3];
  u32 prim;  // index into TriShading, or'ed with TRI_ALPHA_TESTED
} Tri;

// Set in Tri.prim when the triangle's material is not opaque, so traversal tests its alpha.
#define TRI_ALPHA_TESTED 0x80000000u
#define TRI_PRIM_MASK 0x7fffffffu

// Per-triangle shading data in the scene's original triangle order.
typedef struct {
  float n0[3], n1[3], n2[3];  // vertex normals; all zero when the mesh has none
  float uv0[2], uv1[2], uv2[2];
  u32 material;
  i32 light;  // index into the light table when the triangle emits, else -1
  float area;
  float pad[2];
} TriShading;

#define MAT_DOUBLE_SIDED 1u
#define MAT_ALPHA_MASK 2u   // glTF alphaMode MASK: opaque where alpha >= alpha_cutoff
#define MAT_ALPHA_BLEND 4u  // glTF alphaMode BLEND: stochastic, opaque with probability alpha

typedef struct {
  float base_color[4];     // linear RGBA factor
  float emission[3];       // emissive factor times KHR_materials_emissive_strength: radiance
  float metallic;
  float roughness;
  float specular;          // KHR_materials_specular specularFactor (1 by default)
  i32 base_color_tex;      // index into TexInfo or -1; sRGB
  i32 metal_rough_tex;     // linear; G = roughness, B = metallic
  i32 emissive_tex;        // sRGB
  u32 flags;
  i32 normal_tex;          // linear tangent-space normals, or -1
  float normal_scale;      // scales the normal map's X and Y
  float alpha_cutoff;      // MAT_ALPHA_MASK threshold
  float transmission;      // KHR_materials_transmission factor (thin-walled)
  i32 transmission_tex;    // its texture (R channel), or -1
  float f0;                // dielectric reflectance at normal incidence: ((ior - 1) / (ior + 1))^2
} Material;

#define TEX_WRAP_REPEAT 0u
#define TEX_WRAP_CLAMP 1u
#define TEX_WRAP_MIRROR 2u
#define TEX_NEAREST 16u

typedef struct {
  u32 offset;  // first texel in the texel array (RGBA8 packed as u32, R in the low byte)
  u32 width;
  u32 height;
  u32 sampler;  // bits 0-1: wrap in u, bits 2-3: wrap in v (TEX_WRAP_*); TEX_NEAREST: no filtering
  float uv_transform[6];  // KHR_texture_transform as rows of a 2x3 matrix: u' = m0 u + m1 v + m2
  float pad[2];
} TexInfo;

#define LIGHT_POINT 0u
#define LIGHT_SPOT 1u
#define LIGHT_DIRECTIONAL 2u
#define LIGHT_TRIANGLE 3u

typedef struct {
  u32 type;
  u32 prim;          // LIGHT_TRIANGLE: the emitting triangle (TriShading index)
  float cdf;         // triangle lights: cumulative selection probability up to this light
  float pdf;         // triangle lights: selection probability (punctual lights are all sampled)
  float position[3];  // point and spot; triangle: v0
  float spot_scale;   // spot: 1 / (cos_inner - cos_outer)
  float direction[3];  // spot and directional: direction the light travels; triangle: e1
  float spot_offset;   // spot: -cos_outer * spot_scale
  float intensity[3];  // point, spot: candela (W/sr); directional: lux (W/m^2); triangle: e2
  float pad;
} Light;

// Everything a tile launch needs besides the scene buffers.
typedef struct {
  float cam_origin[3];
  float cam_tan_half_fov_y;
  float cam_right[3];
  float cam_aspect;
  float cam_up[3];
  u32 image_width;
  float cam_forward[3];
  u32 image_height;
  float background[3];  // radiance of the uniform environment seen by escaping rays
  u32 seed;
  u32 tile_x, tile_y, tile_w, tile_h;
  u32 sample_begin, sample_count, max_depth, light_count;
  u32 pad0, pad1, rr_depth, tri_light_count;
} RenderParams;


#define LAYOUT_PROBE_COUNT 12

// Writes the sizes of the shared structs and a few member offsets, as the device laid them out.
KERNEL void layout_probe(GLOBAL u32* out) {
  if (GLOBAL_ID_X() != 0u) return;
  Light l;
  Material m;
  RenderParams p;
  TriShading t;
  out[0] = (u32)sizeof(BvhNode);
  out[1] = (u32)sizeof(Tri);
  out[2] = (u32)sizeof(TriShading);
  out[3] = (u32)sizeof(Material);
  out[4] = (u32)sizeof(TexInfo);
  out[5] = (u32)sizeof(Light);
  out[6] = (u32)sizeof(RenderParams);
  out[7] = (u32)((char*)&l.intensity[0] - (char*)&l);
  out[8] = (u32)((char*)&m.flags - (char*)&m);
  out[9] = (u32)((char*)&p.seed - (char*)&p);
  out[10] = (u32)((char*)&p.rr_depth - (char*)&p);
  out[11] = (u32)((char*)&t.light - (char*)&t);
}

#endif
