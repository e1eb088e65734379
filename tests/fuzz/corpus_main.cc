// strata_fuzz_corpus: every fuzz target in one executable, without libFuzzer, for the regression
// tests (one ctest per target runs it over tests/fuzz/corpus/<target>/).
//
//   strata_fuzz_corpus TARGET PATH...     each file (of each directory) once through TARGET
//   strata_fuzz_corpus --list             the targets
//   strata_fuzz_corpus --write-seeds DIR  the generated seed corpora as DIR/<target>/<name>
//
// An input that crashes a target, or breaks a property it checks, ends the run abnormally.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>

#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/seeds.h"

namespace strata::fuzz {
namespace {

std::map<std::string, TargetFn>& targets() {
  static std::map<std::string, TargetFn> all;
  return all;
}

}  // namespace

bool register_target(const char* name, TargetFn fn) {
  targets()[name] = fn;
  return true;
}

}  // namespace strata::fuzz

namespace fs = std::filesystem;
using namespace strata::fuzz;

namespace {

int usage() {
  std::fprintf(stderr, "usage: strata_fuzz_corpus TARGET PATH... | --list | --write-seeds DIR\n");
  return 2;
}

int write_seeds(const fs::path& dir) {
  size_t count = 0;
  for (const auto& [target, corpus] : make_seeds()) {
    fs::create_directories(dir / target);
    for (const auto& [name, bytes] : corpus) {
      std::ofstream out(dir / target / name, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!out) {
        std::fprintf(stderr, "cannot write %s\n", (dir / target / name).c_str());
        return 1;
      }
      ++count;
    }
  }
  std::printf("%zu seeds written under %s\n", count, dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string first = argv[1];
  if (first == "--list") {
    for (const auto& [name, fn] : targets()) std::printf("%s\n", name.c_str());
    return 0;
  }
  if (first == "--write-seeds") return argc == 3 ? write_seeds(argv[2]) : usage();
  auto target = targets().find(first);
  if (target == targets().end()) {
    std::fprintf(stderr, "no fuzz target '%s' (see --list)\n", first.c_str());
    return 2;
  }
  if (argc < 3) return usage();
  std::vector<fs::path> inputs;
  for (int i = 2; i < argc; ++i) {
    fs::path p = argv[i];
    if (fs::is_directory(p)) {
      for (const auto& entry : fs::directory_iterator(p))
        if (entry.is_regular_file()) inputs.push_back(entry.path());
    } else if (fs::is_regular_file(p)) {
      inputs.push_back(p);
    } else {
      std::fprintf(stderr, "%s: no such file or directory\n", p.c_str());
      return 2;
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "%s: no inputs in %s\n", first.c_str(), argv[2]);
    return 1;
  }
  for (const fs::path& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "%s: %s (%zu bytes)\n", first.c_str(), p.filename().c_str(), bytes.size());
    // Its own allocation of exactly its size, as libFuzzer passes an input.
    std::unique_ptr<uint8_t[]> copy(new uint8_t[std::max<size_t>(bytes.size(), 1)]);
    std::copy(bytes.begin(), bytes.end(), copy.get());
    target->second(copy.get(), bytes.size());
  }
  std::printf("%s: %zu inputs, no crash\n", first.c_str(), inputs.size());
  return 0;
}
