// The path tracer against closed-form radiometry, on the cpu and opencl backends (and cuda where
// present): a white furnace, a closed emitting enclosure (every bounce, MIS with triangle
// lights, Russian roulette), and a diffuse plane under a point and a directional light.
#include <gtest/gtest.h>

#include <cmath>

#include "host/render/procedural.h"
#include "tests/host/render/render_support.h"

namespace {

using namespace strata;
using namespace strata::render;

constexpr double kPi = 3.14159265358979;

// Texture coordinates over the quad (-1..1)^2 that add_quad makes: u from 0 to u_span left to
// right, v from 0 at the top to 1 at the bottom (glTF: v runs down the image).
void set_quad_uvs(Scene& scene, float u_span = 1.0f) {
  for (size_t t = 0; t < scene.shading.size(); ++t) {
    float* uvs[3] = {scene.shading[t].uv0, scene.shading[t].uv1, scene.shading[t].uv2};
    for (int k = 0; k < 3; ++k) {
      uvs[k][0] = (scene.vertices[t * 3 + k].x + 1) / 2 * u_span;
      uvs[k][1] = (1 - scene.vertices[t * 3 + k].y) / 2;
    }
  }
}

// A camera on +z whose view spans exactly that quad.
Camera quad_camera() {
  Camera cam;
  cam.position = {0, 0, 2};
  cam.yfov = 2 * std::atan(0.5f);
  return cam;
}

class Analytic : public ::testing::TestWithParam<std::string> {};

// A convex Lambertian sphere of albedo a in a uniform environment of radiance E reflects a * E.
TEST_P(Analytic, WhiteFurnace) {
  Scene scene;
  const float albedo = 0.6f;
  add_sphere(scene, {0, 0, 0}, 1.0f, 48, add_diffuse_material(scene, {albedo, albedo, albedo}));
  scene.background = {1, 1, 1};
  Camera cam;
  cam.position = {0, 0, 4};
  cam.yfov = 0.25f;  // the image lies entirely on the sphere
  scene.camera = cam;
  RenderSettings s;
  s.width = s.height = 24;
  s.spp = 16;
  s.seed = 11;
  Image img = resolve(tests::render_on(GetParam(), scene, s));
  ASSERT_EQ(img.rgb.size(), 24u * 24 * 3);
  double sum = 0;
  for (float v : img.rgb) sum += v;
  double mean = sum / img.rgb.size();
  EXPECT_NEAR(mean, albedo * 1.0, 0.01 * albedo) << GetParam();
}

// Inside a closed surface that emits Le and has albedo a everywhere, radiance is uniform and
// equals Le (1 - a^D) / (1 - a) for paths of at most D segments: every bounce, next-event
// estimation of triangle lights and its MIS weights, and Russian roulette must all be unbiased.
TEST_P(Analytic, ClosedEmittingEnclosure) {
  const float a = 0.5f, le = 1.0f;
  Scene scene = make_emitting_enclosure(a, le, 12);
  RenderSettings s;
  s.width = 32;
  s.height = 24;
  s.spp = 24;
  s.max_depth = 12;
  s.seed = 5;
  Image img = resolve(tests::render_on(GetParam(), scene, s));
  ASSERT_FALSE(img.rgb.empty());
  double sum = 0;
  for (float v : img.rgb) sum += v;
  double mean = sum / img.rgb.size();
  double want = le * (1 - std::pow(a, s.max_depth)) / (1 - a);
  EXPECT_NEAR(mean, want, 0.02 * want) << GetParam();
}

// A Lambertian plane (albedo rho) lit by a point light of intensity I at height h: the radiance
// at distance r from the foot of the light is rho / pi * I * h / (r^2 + h^2)^(3/2). The camera
// looks straight down, so each pixel is compared with the closed form averaged over its
// footprint. A directional light of illuminance E at angle theta adds rho / pi * E cos(theta).
TEST_P(Analytic, DiffusePlaneUnderPointAndDirectionalLight) {
  Scene scene;
  const float rho = 0.8f, intensity = 10.0f, h = 2.0f, cam_height = 5.0f, sun = 3.0f;
  add_quad(scene, {-50, -50, 0}, {100, 0, 0}, {0, 100, 0}, add_diffuse_material(scene, {rho, rho, rho}));
  kt::Light point{};
  point.type = LIGHT_POINT;
  point.position[2] = h;
  point.intensity[0] = point.intensity[1] = point.intensity[2] = intensity;
  scene.punctual_lights.push_back(point);
  kt::Light dir{};
  dir.type = LIGHT_DIRECTIONAL;
  const double theta = 1.0471975512;  // 60 degrees from the normal
  dir.direction[0] = static_cast<float>(std::sin(theta));
  dir.direction[2] = static_cast<float>(-std::cos(theta));
  dir.intensity[0] = dir.intensity[1] = dir.intensity[2] = sun;
  scene.punctual_lights.push_back(dir);
  Camera cam;
  cam.position = {0, 0, cam_height};
  cam.forward = {0, 0, -1};
  cam.up = {0, 1, 0};
  cam.yfov = 1.0f;
  scene.camera = cam;
  RenderSettings s;
  s.width = s.height = 16;
  s.spp = 256;  // pixel jitter is the only noise: the plane is lit by delta lights alone
  s.max_depth = 3;
  Image img = resolve(tests::render_on(GetParam(), scene, s));
  ASSERT_FALSE(img.rgb.empty());
  const double tan_half = std::tan(0.5), constant = rho / kPi * sun * std::cos(theta);
  double worst = 0;
  for (uint32_t py = 0; py < s.height; ++py) {
    for (uint32_t px = 0; px < s.width; ++px) {
      double want = 0;
      const int q = 8;  // midpoint quadrature over the pixel
      for (int j = 0; j < q; ++j)
        for (int i = 0; i < q; ++i) {
          double sx = ((px + (i + 0.5) / q) / s.width * 2 - 1) * tan_half;
          double sy = (1 - (py + (j + 0.5) / q) / s.height * 2) * tan_half;
          double x = sx * cam_height, y = sy * cam_height;  // the ray (sx, sy, -1) meets z = 0
          double r2 = x * x + y * y;
          want += rho / kPi * intensity * h / std::pow(r2 + h * h, 1.5) + constant;
        }
      want /= q * q;
      double got = img.rgb[(size_t(py) * s.width + px) * 3];
      worst = std::max(worst, std::fabs(got - want) / want);
    }
  }
  EXPECT_LT(worst, 0.01) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Backends, Analytic, ::testing::ValuesIn(tests::test_device_ids()),
                         [](const auto& info) { return info.param.substr(0, info.param.find(':')); });

}  // namespace

namespace {

// glTF conventions through the whole pipeline: an emissive quad facing the camera shows its
// emissive texture decoded from sRGB to linear, with texture coordinate (0, 0) at the image's
// top-left texel, times emissiveFactor x strength.
TEST_P(Analytic, EmissiveTextureIsSrgbDecodedAndOriented) {
  Scene scene;
  // A 4x4 texture of four 2x2 blocks, so bilinear filtering is constant around each block's
  // centre: top left red 255, top right green 128, bottom left blue 64, bottom right grey 200.
  Texture tex;
  tex.width = tex.height = 4;
  const uint32_t block[2][2] = {{0xff0000ffu, 0xff008000u}, {0xff400000u, 0xffc8c8c8u}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) tex.rgba.push_back(block[y / 2][x / 2]);
  scene.textures.push_back(tex);
  uint32_t mat = add_diffuse_material(scene, {0, 0, 0}, {2, 2, 2});
  scene.materials[mat].emissive_tex = 0;
  add_quad(scene, {-1, -1, 0}, {2, 0, 0}, {0, 2, 0}, mat);
  set_quad_uvs(scene);  // the texture's top row is at +y
  scene.camera = quad_camera();
  RenderSettings s;
  s.width = s.height = 40;
  s.spp = 4;
  s.max_depth = 1;
  Image img = resolve(tests::render_on(GetParam(), scene, s));
  ASSERT_FALSE(img.rgb.empty());
  auto srgb = [](double c) { c /= 255; return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
  auto pixel = [&](int x, int y, int c) { return img.rgb[(size_t(y) * s.width + x) * 3 + c]; };
  // Block centres sit at the quarter points of the image.
  EXPECT_NEAR(pixel(10, 10, 0), 2 * srgb(255), 2e-3);  // top left: red
  EXPECT_NEAR(pixel(10, 10, 1), 0, 2e-3);
  EXPECT_NEAR(pixel(30, 10, 1), 2 * srgb(128), 2e-3);  // top right: green 128 is 21.6% linear
  EXPECT_NEAR(pixel(10, 30, 2), 2 * srgb(64), 2e-3);   // bottom left: blue
  EXPECT_NEAR(pixel(30, 30, 0), 2 * srgb(200), 2e-3);  // bottom right: grey
}

}  // namespace

namespace {

// A spot light pointing straight down at a Lambertian plane: the point-light closed form times
// the glTF spot falloff, t^2 with t = clamp((cos a - cos outer) / (cos inner - cos outer), 0, 1).
TEST_P(Analytic, DiffusePlaneUnderSpotLight) {
  Scene scene;
  const float rho = 0.5f, intensity = 20.0f, h = 2.0f, cam_height = 5.0f;
  const double inner = 0.2, outer = 0.45;
  add_quad(scene, {-50, -50, 0}, {100, 0, 0}, {0, 100, 0}, add_diffuse_material(scene, {rho, rho, rho}));
  kt::Light spot{};
  spot.type = LIGHT_SPOT;
  spot.position[2] = h;
  spot.direction[2] = -1;
  spot.intensity[0] = spot.intensity[1] = spot.intensity[2] = intensity;
  spot.spot_scale = static_cast<float>(1 / (std::cos(inner) - std::cos(outer)));
  spot.spot_offset = static_cast<float>(-std::cos(outer) * spot.spot_scale);
  scene.punctual_lights.push_back(spot);
  Camera cam;
  cam.position = {0, 0, cam_height};
  cam.yfov = 0.6f;
  scene.camera = cam;
  RenderSettings s;
  s.width = s.height = 16;
  s.spp = 1024;  // the falloff is steep inside a pixel: pixel jitter is the noise
  s.max_depth = 3;
  Image img = resolve(tests::render_on(GetParam(), scene, s));
  ASSERT_FALSE(img.rgb.empty());
  const double tan_half = std::tan(0.3);
  double worst = 0, brightest = 0;
  for (uint32_t py = 0; py < s.height; ++py) {
    for (uint32_t px = 0; px < s.width; ++px) {
      double want = 0;
      const int q = 8;
      for (int j = 0; j < q; ++j)
        for (int i = 0; i < q; ++i) {
          double x = ((px + (i + 0.5) / q) / s.width * 2 - 1) * tan_half * cam_height;
          double y = (1 - (py + (j + 0.5) / q) / s.height * 2) * tan_half * cam_height;
          double d = std::sqrt(x * x + y * y + h * h), cos_a = h / d;
          double t = std::clamp((cos_a - std::cos(outer)) / (std::cos(inner) - std::cos(outer)), 0.0, 1.0);
          want += rho / kPi * intensity * t * t * h / (d * d * d);
        }
      want /= q * q;
      brightest = std::max(brightest, want);
      double got = img.rgb[(size_t(py) * s.width + px) * 3];
      worst = std::max(worst, std::fabs(got - want));
    }
  }
  ASSERT_GT(brightest, 0.1);
  EXPECT_LT(worst, 0.015 * brightest) << GetParam();  // the image spans lit centre and dark rim
}

}  // namespace

namespace {

// glTF sampler wrap modes: a quad whose u runs from 0 to 2 over a texture whose left half is red
// and right half green shows R G R G (repeat), R G G G (clamp to edge) or R G G R (mirrored
// repeat) at the image's eighth points, and G R G R with a KHR_texture_transform offset of 0.5.
TEST_P(Analytic, TextureWrapModes) {
  const char* names[] = {"repeat", "clamp", "mirror", "repeat, offset by half a texture"};
  const char want[4][5] = {"RGRG", "RGGG", "RGGR", "GRGR"};
  for (uint32_t mode : {0u, 1u, 2u, 3u}) {
    Scene scene;
    Texture tex;
    tex.width = tex.height = 4;
    for (int i = 0; i < 16; ++i) tex.rgba.push_back(i % 4 < 2 ? 0xff0000ffu : 0xff00ff00u);
    tex.sampler = (mode == 3 ? TEX_WRAP_REPEAT : mode) | (TEX_WRAP_REPEAT << 2);
    if (mode == 3) tex.uv_transform[2] = 0.5f;  // KHR_texture_transform offset
    scene.textures.push_back(tex);
    uint32_t mat = add_diffuse_material(scene, {0, 0, 0}, {1, 1, 1});
    scene.materials[mat].emissive_tex = 0;
    add_quad(scene, {-1, -1, 0}, {2, 0, 0}, {0, 2, 0}, mat);
    set_quad_uvs(scene, 2.0f);
    scene.camera = quad_camera();
    RenderSettings s;
    s.width = s.height = 40;
    s.spp = 2;
    s.max_depth = 1;
    Image img = resolve(tests::render_on(GetParam(), scene, s));
    ASSERT_FALSE(img.rgb.empty());
    std::string got;
    for (int x : {5, 15, 25, 35}) {
      const float* p = &img.rgb[(size_t(20) * s.width + x) * 3];
      got += p[0] > 0.99f && p[1] < 0.01f ? 'R' : (p[1] > 0.99f && p[0] < 0.01f ? 'G' : '?');
    }
    EXPECT_EQ(got, want[mode]) << names[mode] << " on " << GetParam();
  }
}

}  // namespace

namespace {

// Normal maps in glTF's tangent space (+X along +u, +Y up the image, +Z out of the surface): a
// Lambertian quad (normal +z) under a directional light arriving 45 degrees off the normal is
// lit rho / pi * E * cos; a normal map tilted 45 degrees towards the light makes the cosine 1,
// one tilted away makes it 0, and a flat map changes nothing.
TEST_P(Analytic, NormalMapTiltsShadingNormal) {
  struct Case {
    const char* name;
    uint8_t r, g, b;     // the normal map texel
    Float3 light_from;   // direction towards the light
    double cos_want;
  };
  const double c45 = std::sqrt(0.5);
  // 218 = 255 * (0.5 + 0.5 * sin 45 deg), rounded.
  const Case cases[] = {
      {"flat", 128, 128, 255, {float(c45), 0, float(c45)}, c45},
      {"tilted +x, light from +x", 218, 128, 218, {float(c45), 0, float(c45)}, 1.0},
      {"tilted +y (image up), light from +y", 128, 218, 218, {0, float(c45), float(c45)}, 1.0},
      {"tilted -x, light from +x", 37, 128, 218, {float(c45), 0, float(c45)}, 0.0},
  };
  const float rho = 0.8f, sun = 2.0f;
  for (const Case& c : cases) {
    Scene scene;
    Texture tex;
    tex.width = tex.height = 2;
    tex.rgba.assign(4, uint32_t(c.r) | (uint32_t(c.g) << 8) | (uint32_t(c.b) << 16) | 0xff000000u);
    scene.textures.push_back(tex);
    uint32_t mat = add_diffuse_material(scene, {rho, rho, rho});
    scene.materials[mat].normal_tex = 0;
    add_quad(scene, {-1, -1, 0}, {2, 0, 0}, {0, 2, 0}, mat);
    set_quad_uvs(scene);
    kt::Light l{};
    l.type = LIGHT_DIRECTIONAL;
    for (int a = 0; a < 3; ++a) {
      l.direction[a] = -c.light_from[a];
      l.intensity[a] = sun;
    }
    scene.punctual_lights.push_back(l);
    Camera cam;
    cam.position = {0, 0, 3};
    cam.yfov = 0.3f;
    scene.camera = cam;
    RenderSettings s;
    s.width = s.height = 8;
    s.spp = 4;
    s.max_depth = 2;
    Image img = resolve(tests::render_on(GetParam(), scene, s));
    ASSERT_FALSE(img.rgb.empty());
    // 8-bit texels: the unit normal is good to a few parts in a thousand.
    double want = rho / kPi * sun * c.cos_want;
    EXPECT_NEAR(img.rgb[(4 * s.width + 4) * 3], want, 0.01 * rho / kPi * sun) << c.name << " on " << GetParam();
  }
}

}  // namespace

namespace {

// glTF alpha modes in front of a uniform sky of radiance 1, on a black surface: MASK cuts the
// texture's transparent half out exactly, BLEND lets (1 - alpha) of the rays through.
TEST_P(Analytic, AlphaMaskAndBlend) {
  auto make = [](uint32_t mode, float alpha_factor) {
    Scene scene;
    Texture tex;
    tex.width = tex.height = 4;
    for (int i = 0; i < 16; ++i) tex.rgba.push_back(i % 4 < 2 ? 0x00ffffffu : 0xffffffffu);  // left half alpha 0
    scene.textures.push_back(tex);
    uint32_t mat = add_diffuse_material(scene, {0, 0, 0});
    scene.materials[mat].flags |= mode;
    scene.materials[mat].base_color[3] = alpha_factor;
    if (mode == MAT_ALPHA_MASK) scene.materials[mat].base_color_tex = 0;
    add_quad(scene, {-1, -1, 0}, {2, 0, 0}, {0, 2, 0}, mat);
    set_quad_uvs(scene);
    scene.background = {1, 1, 1};
    scene.camera = quad_camera();
    return scene;
  };
  RenderSettings s;
  s.width = s.height = 32;
  s.spp = 16;
  s.max_depth = 4;
  Image mask = resolve(tests::render_on(GetParam(), make(MAT_ALPHA_MASK, 1.0f), s));
  ASSERT_FALSE(mask.rgb.empty());
  EXPECT_FLOAT_EQ(mask.rgb[(16 * 32 + 4) * 3], 1.0f);   // the cut-out half shows the sky
  EXPECT_FLOAT_EQ(mask.rgb[(16 * 32 + 27) * 3], 0.0f);  // the opaque half is black
  Image blend = resolve(tests::render_on(GetParam(), make(MAT_ALPHA_BLEND, 0.25f), s));
  ASSERT_FALSE(blend.rgb.empty());
  double sum = 0;
  for (size_t i = 0; i < blend.rgb.size(); i += 3) sum += blend.rgb[i];
  EXPECT_NEAR(sum / (s.width * s.height), 0.75, 0.02) << GetParam();
}

}  // namespace

namespace {

// Sidedness: every surface reflects on both sides (as Cycles renders it); a single-sided emitter
// emits only in front, a double-sided one on both sides. A Lambertian quad of albedo a under a
// uniform sky of radiance 1 shows a from either side, plus its emission Le where it emits.
TEST_P(Analytic, SidednessOfReflectionAndEmission) {
  const float a = 0.5f, le = 2.0f;
  for (bool double_sided : {false, true}) {
    for (float cam_z : {2.0f, -2.0f}) {  // front (the quad faces +z) and back
      Scene scene;
      add_quad(scene, {-1, -1, 0}, {2, 0, 0}, {0, 2, 0}, add_diffuse_material(scene, {a, a, a}, {le, le, le}, double_sided));
      scene.background = {1, 1, 1};
      Camera cam;
      cam.position = {0, 0, cam_z};
      cam.forward = {0, 0, -cam_z};
      cam.yfov = 0.3f;
      scene.camera = cam;
      RenderSettings s;
      s.width = s.height = 8;
      s.spp = 8;
      s.max_depth = 3;
      Image img = resolve(tests::render_on(GetParam(), scene, s));
      ASSERT_FALSE(img.rgb.empty());
      bool emits = double_sided || cam_z > 0;
      double want = a + (emits ? le : 0.0f);
      // Each path sees the sky after one bounce (a flat quad does not see itself), so every
      // sample is exact but for the emitter's own light arriving by next-event estimation: none.
      EXPECT_NEAR(img.rgb[(4 * 8 + 4) * 3], want, 1e-5)
          << (double_sided ? "double" : "single") << "-sided, seen from " << (cam_z > 0 ? "front" : "back");
    }
  }
}

}  // namespace

namespace {

// Thin-walled transmission (KHR_materials_transmission without a volume): a smooth white glass
// pane seen head-on in front of an emitter of radiance Le, under a black sky, shows the emitter
// through it: Le * base * (1 - F) with F = ((ior - 1) / (ior + 1))^2 at normal incidence. An
// opaque pane hides it.
TEST_P(Analytic, ThinGlassShowsWhatIsBehindIt) {
  for (float transmission : {1.0f, 0.0f}) {
    Scene scene;
    const float base = 0.9f, le = 2.0f;
    add_quad(scene, {-5, -5, -2}, {10, 0, 0}, {0, 10, 0}, add_diffuse_material(scene, {0, 0, 0}, {le, le, le}));
    uint32_t glass = add_diffuse_material(scene, {base, base, base});
    kt::Material& g = scene.materials[glass];
    g.specular = 1;
    g.roughness = 0;  // clamped to the smoothest lobe the kernels allow
    g.transmission = transmission;
    g.f0 = 0.04f;     // IOR 1.5
    add_quad(scene, {-1, -1, 0}, {2, 0, 0}, {0, 2, 0}, glass);
    Camera cam;
    cam.position = {0, 0, 3};
    cam.yfov = 0.05f;
    scene.camera = cam;
    RenderSettings s;
    s.width = s.height = 4;
    s.spp = 64;
    s.max_depth = 4;
    Image img = resolve(tests::render_on(GetParam(), scene, s));
    ASSERT_FALSE(img.rgb.empty());
    double mean = 0;
    for (size_t i = 0; i < img.rgb.size(); i += 3) mean += img.rgb[i] / 16.0;
    double want = transmission > 0 ? le * base * (1 - 0.04) : 0.0;
    EXPECT_NEAR(mean, want, 0.01 * le) << "transmission " << transmission << " on " << GetParam();
  }
}

}  // namespace
