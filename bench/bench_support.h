// Shared by the benchmarks that render the demo scene.
#pragma once

#include <cstdlib>
#include <string>

namespace strata::bench {

// The demo scene: in the source tree this was built from, or under STRATA_SOURCE_DIR (another
// machine, such as a lent GPU one).
inline std::string demo_scene_path() {
  const char* env = std::getenv("STRATA_SOURCE_DIR");
  return std::string(env && *env ? env : STRATA_SOURCE_DIR) + "/scenes/demo.gltf";
}

}  // namespace strata::bench
