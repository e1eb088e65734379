// A one-line progress bar on stderr, redrawn in place when stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace strata::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  void update(uint64_t done, uint64_t total);
  void finish();

 private:
  std::string label_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_;
  int last_percent_ = -1;
};

}  // namespace strata::cli
