// The structs shared with the render kernels (kernels/render/types.h), in namespace strata::kt,
// with their layout pinned down: the kernels rely on these exact sizes and offsets.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::kt {
#include "host/kernel_shared_begin.h"
#include "kernels/render/types.h"
#include "host/kernel_shared_end.h"

static_assert(sizeof(BvhNode) == 128);
static_assert(sizeof(Tri) == 40);
static_assert(sizeof(TriShading) == 80);
static_assert(sizeof(Material) == 80);
static_assert(sizeof(TexInfo) == 48);
static_assert(sizeof(Light) == 64);
static_assert(sizeof(RenderParams) == 128);
static_assert(offsetof(Light, intensity) == 48);
static_assert(offsetof(Material, flags) == 52);
static_assert(offsetof(RenderParams, seed) == 76);
static_assert(offsetof(RenderParams, rr_depth) == 120);
static_assert(offsetof(TriShading, light) == 64);
}  // namespace strata::kt
