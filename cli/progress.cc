#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace strata::cli {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), tty_(isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressBar::update(uint64_t done, uint64_t total) {
  int percent = total ? static_cast<int>(done * 100 / total) : 100;
  auto now = std::chrono::steady_clock::now();
  // Without a terminal, print a line per 10% rather than redrawing.
  if (!tty_ && (percent / 10 == last_percent_ / 10)) return;
  if (tty_ && percent == last_percent_ && now - last_ < std::chrono::milliseconds(200)) return;
  last_percent_ = percent;
  last_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  const int width = 30;
  int filled = percent * width / 100;
  std::string bar(filled, '#');
  bar.append(width - filled, '.');
  std::fprintf(stderr, "%s%s [%s] %3d%% %llu/%llu  %.1fs%s", tty_ ? "\r" : "", label_.c_str(), bar.c_str(), percent,
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), elapsed,
               tty_ ? "" : "\n");
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace strata::cli
