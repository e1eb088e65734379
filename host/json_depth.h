// How deep a JSON text nests arrays and objects, counted in one pass without recursion (strings
// skipped), so a document can be refused before a recursive parser or writer overflows its stack.
#pragma once

#include <algorithm>
#include <string_view>

namespace strata {

inline int json_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace strata
