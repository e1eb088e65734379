// Floods of log lines (2,000 dropped connections) cost a few lines and a count, not 2,000.
#include <gtest/gtest.h>

#include <thread>

#include "network/rate_limited_log.h"

namespace {

TEST(RateLimitedLog, AFloodIsAFewLinesAndACount) {
  std::vector<std::string> out;
  strata::network::RateLimitedLog log([&](const std::string& line) { out.push_back(line); }, 20,
                                      std::chrono::milliseconds(200));
  for (int i = 0; i < 2000; ++i) log("dropped peer 127.0.0.1:" + std::to_string(40000 + i) + ": connection reset");
  EXPECT_EQ(out.size(), 20u);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  log("dropped peer 127.0.0.1:1: connection reset");
  ASSERT_EQ(out.size(), 22u);
  EXPECT_EQ(out[20], "(1980 more lines like these were left out)");
  EXPECT_EQ(out[21], "dropped peer 127.0.0.1:1: connection reset");
}

}  // namespace
