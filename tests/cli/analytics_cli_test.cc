// strata analytics run end to end over a file of JSON events: windows with closed-form
// aggregates, late and malformed lines counted by reason while the rest are aggregated, the
// results equal on the cpu and opencl backends, and flags that are wrong refused by name.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/test_support.h"

namespace {

using json = nlohmann::json;
using namespace strata;

struct CliRun {
  int code = -1;
  std::vector<json> lines;  // the output file's
  std::string error;        // standard error
};

CliRun analytics(const std::string& args) {
  const std::string out = tests::write_file("analytics-cli/out.jsonl", "");
  const std::string err = tests::write_file("analytics-cli/err.txt", "");
  const std::string cmd = tests::strata_binary() + " analytics run " + args + " --output-file " + out + " 2>" + err;
  CliRun r;
  const int status = std::system(cmd.c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream lines(out), errors(err);
  for (std::string line; std::getline(lines, line);) r.lines.push_back(json::parse(line, nullptr, false));
  std::stringstream e;
  e << errors.rdbuf();
  r.error = e.str();
  return r;
}

TEST(AnalyticsCli, WindowsOfAFileHaveTheirClosedForms) {
  // Five 10 s windows; in each, key "a" takes 1..10 and key "b" the values 2 and 4. Then one
  // late event, and three malformed lines.
  std::string events;
  for (int w = 0; w < 5; ++w) {
    for (int i = 1; i <= 10; ++i) {
      events += "{\"ts\": " + std::to_string(1700000000000 + w * 10000 + i * 700) + ", \"user\": \"a\", \"v\": " +
                std::to_string(i) + "}\n";
    }
    events += "{\"ts\": " + std::to_string(1700000000000 + w * 10000 + 1) + ", \"user\": \"b\", \"v\": 2}\n";
    events += "{\"ts\": " + std::to_string(1700000000000 + w * 10000 + 2) + ", \"user\": \"b\", \"v\": 4.0}\n";
  }
  events += "{\"ts\": 1700000000005, \"user\": \"a\", \"v\": 100}\n";  // late: its window closed long ago
  events += "{\"ts\": 1700000041000, \"user\": \"a\"}\nnot json\n\n{\"ts\": \"soon\", \"user\": \"a\", \"v\": 1}\n";
  const std::string file = tests::write_file("analytics-cli/events.jsonl", events);
  std::vector<json> first;
  for (const std::string& device : tests::test_device_ids()) {
    CliRun r = analytics("--input-file " + file + " --window tumbling:10s --group-by user --value v "
                      "--agg count,sum,min,max,mean,var,top1 --device " + device);
    ASSERT_EQ(r.code, 0) << r.error;
    int windows = 0, late = 0;
    for (const json& m : r.lines) {
      ASSERT_TRUE(m.is_object());
      if (m["type"] == "window") {
        ++windows;
        EXPECT_EQ(m["events"], 12);
        EXPECT_EQ(m["keys"], 2);
        EXPECT_EQ(m["top"], json::parse(R"([{"key": "a", "count": 10}])"));
      } else if (m["type"] == "group" && m["key"] == "a") {
        EXPECT_EQ(m["count"], 10);
        EXPECT_EQ(m["sum"], 55.0);
        EXPECT_EQ(m["min"], 1.0);
        EXPECT_EQ(m["max"], 10.0);
        EXPECT_EQ(m["mean"], 5.5);
        EXPECT_DOUBLE_EQ(m["var"].get<double>(), 55.0 / 6.0);
      } else if (m["type"] == "group") {
        EXPECT_EQ(m["sum"], 6.0);
        EXPECT_EQ(m["var"], 2.0);
      } else if (m["type"] == "late") {
        ++late;
        EXPECT_EQ(m["window_start"], 1700000000000);
        EXPECT_EQ(m["late_events"], 1);
      }
    }
    EXPECT_EQ(windows, 5);
    EXPECT_EQ(late, 1);
    const json totals = json::parse(r.error, nullptr, false);
    ASSERT_TRUE(totals.is_object()) << r.error;
    EXPECT_EQ(totals["events"], 64);  // the blank line is not an event
    EXPECT_EQ(totals["aggregated"], 60);
    EXPECT_EQ(totals["late_events"], 1);
    EXPECT_EQ(totals["malformed"], json::parse(R"({"missing_value": 1, "not_json": 1, "bad_time": 1})"));
    if (first.empty()) first = r.lines;
    EXPECT_EQ(r.lines, first) << device;
  }
}

TEST(AnalyticsCli, WrongFlagsAreRefusedByName) {
  const std::string file = tests::write_file("analytics-cli/one.jsonl", "{\"ts\": 1, \"user\": \"a\", \"v\": 1}\n");
  const std::string base = " --group-by user --value v --device cpu";
  auto refused = [&](const std::string& args, const std::string& words) {
    CliRun r = analytics(args + base);
    EXPECT_EQ(r.code, 1) << args;
    EXPECT_NE(r.error.find(words), std::string::npos) << args << ": " << r.error;
  };
  refused("--input-file " + file + " --window session:0s", "session:0s");
  refused("--input-file " + file + " --window session:30s --agg count,top3", "a session window holds one key");
  refused("--input-file " + file + " --window tumbling:10", "tumbling:10");
  refused("--input-file " + file + " --window sliding:60s/7s", "whole number of slides");
  refused("--input-file " + file + " --window tumbling:1s --agg count,p101", "a quantile is pN from p0 to p100");
  refused("--input-file " + file + " --window tumbling:1s --lateness soon", "--lateness");
  refused("--input-file " + file + " --window tumbling:1s --scale 13", "scale");
  refused("--input-file /nonexistent/events --window tumbling:1s", "cannot open /nonexistent/events");
  refused("--input metrics --window tumbling:1s", "not supported yet");
  refused("--window tumbling:1s", "--input-file");
  CliRun ok = analytics("--input-file " + file + " --window tumbling:1s" + base);
  EXPECT_EQ(ok.code, 0) << ok.error;
  ASSERT_EQ(ok.lines.size(), 2u);
  EXPECT_EQ(ok.lines[1]["mean"], 1.0);
}

}  // namespace
