// Scenes built in code: spheres and quads for the analytic tests, the benchmark scenes of
// growing triangle count, and an OBJ writer so that other renderers can load the same geometry.
#pragma once

#include <string>

#include "host/render/scene.h"

namespace strata::render {

// A Lambertian material (no specular layer) of the given albedo and emitted radiance.
uint32_t add_diffuse_material(Scene& scene, Float3 albedo, Float3 emission = {}, bool double_sided = true);

// A UV sphere of `rings` latitude bands and 2*rings longitude segments, smooth normals, outward.
void add_sphere(Scene& scene, Float3 center, float radius, uint32_t rings, uint32_t material);

// The parallelogram p, p+u, p+u+v, p+v; its front faces the side of cross(u, v).
void add_quad(Scene& scene, Float3 p, Float3 u, Float3 v, uint32_t material);

// The inside of a sphere of radius 2 that emits `emission` and reflects `albedo` (Lambertian)
// everywhere, seen from an off-centre camera. Its radiance is uniform: emission times
// (1 - albedo^D) / (1 - albedo) for paths of at most D segments.
Scene make_emitting_enclosure(float albedo, float emission, uint32_t rings);

// A ground plane with a grid of spheres totalling about `triangles` triangles, a sun-like
// directional light and a uniform sky, framed by its camera.
Scene make_bench_scene(uint32_t triangles);

// Writes the geometry (and an .mtl beside it with Kd and Ke per material).
Status write_obj(const Scene& scene, const std::string& path);

}  // namespace strata::render
