// Log lines that can come in floods (dropped connections, refused messages): at most `burst`
// lines go out per `interval`; the others are counted and said in one line when the next
// interval lets a line through. A peer that resets 2,000 connections costs a few lines, not 2,000.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

namespace strata::network {

class RateLimitedLog {
 public:
  using Sink = std::function<void(const std::string&)>;
  explicit RateLimitedLog(Sink sink, size_t burst = 20, std::chrono::milliseconds interval = std::chrono::seconds(10))
      : sink_(std::move(sink)), burst_(burst), interval_(interval) {}

  // Thread-safe.
  void operator()(const std::string& line) {
    std::string suppressed;
    {
      std::lock_guard lock(mutex_);
      auto now = std::chrono::steady_clock::now();
      if (now - window_start_ >= interval_) {
        if (dropped_ > 0) suppressed = "(" + std::to_string(dropped_) + " more lines like these were left out)";
        window_start_ = now;
        in_window_ = 0;
        dropped_ = 0;
      }
      if (in_window_ >= burst_) {
        ++dropped_;
        return;
      }
      ++in_window_;
    }
    if (!suppressed.empty()) sink_(suppressed);
    sink_(line);
  }

 private:
  Sink sink_;
  size_t burst_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point window_start_{};
  size_t in_window_ = 0;
  size_t dropped_ = 0;
};

}  // namespace strata::network
