// The fuzz targets' seed corpora, made with the project's encoders (tests/fuzz/seeds.cc).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace strata::fuzz {

using Corpus = std::map<std::string, std::vector<uint8_t>>;  // input name -> bytes
using Seeds = std::map<std::string, Corpus>;                 // target -> its corpus

Seeds make_seeds();

}  // namespace strata::fuzz
