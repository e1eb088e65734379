// OpenCL program: the compat header and the shared sources, inlined into the binary at build
// time by kernels/opencl/embed.cc.
#include "opencl/compat.h"
#include "common/math.h"
#include "common/rng.h"
#include "common/selftest.h"
#include "common/hashes.h"
#include "proof/hash.h"
#include "proof/ed25519.h"
#include "render/types.h"
#include "render/texture.h"
#include "render/intersect.h"
#include "render/shading.h"
#include "render/pathtrace.h"
