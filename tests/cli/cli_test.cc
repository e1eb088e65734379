// The strata executable end to end: its commands, summaries and error messages.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "tests/test_support.h"

namespace {

struct CommandResult {
  int code;
  std::string output;
};

CommandResult run(const std::string& args, const std::string& env = "") {
  std::string cmd = env + " " + strata::tests::strata_binary() + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  CommandResult r{-1, {}};
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string kDemo = strata::tests::source_dir() + "/scenes/demo.gltf";

TEST(Cli, DevicesListsCpuAndOpenclAndExplainsCuda) {
  CommandResult r = run("devices");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("cpu:0"), std::string::npos) << r.output;
  if (strata::tests::opencl_required()) {
    EXPECT_NE(r.output.find("opencl:0"), std::string::npos) << r.output;
  }
  if (!strata::tests::cuda_present()) {
    EXPECT_NE(r.output.find("cuda    unavailable: "), std::string::npos) << r.output;
  }
}

TEST(Cli, RenderWritesPngAndPfmAndSummarizes) {
  std::string png = strata::tests::scratch_dir() + "/cli.png", pfm = strata::tests::scratch_dir() + "/cli.pfm";
  CommandResult r = run("render " + kDemo + " -o " + png + " --linear " + pfm + " --size 32x24 --spp 2 --device cpu --seed 3");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::file_size(png) > 100);
  EXPECT_EQ(std::filesystem::file_size(pfm), std::string("PF\n32 24\n-1.0\n").size() + 32 * 24 * 12);
  EXPECT_NE(r.output.find("samples/s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rays/s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cpu:0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("100%"), std::string::npos) << r.output;
}

TEST(Cli, RenderErrorsNameTheProblem) {
  std::string out = " -o " + strata::tests::scratch_dir() + "/x.png";
  struct Case {
    std::string args, needle;
  } cases[] = {
      {"render " + kDemo + out + " --size 0x5", "--size"},
      {"render " + kDemo + out + " --size 64", "--size"},
      {"render " + kDemo + out + " --spp 0", "samples per pixel"},
      {"render " + kDemo + out + " --device tpu", "tpu"},
      {"render /nonexistent.gltf" + out, "no such file"},
      {"render " + kDemo + " -o " + strata::tests::scratch_dir() + "/x.jpg", "unknown image format"},
      {"render " + kDemo + out + " --background 1,2", "three numbers"},
  };
  for (const Case& c : cases) {
    CommandResult r = run(c.args);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.needle), std::string::npos) << c.args << "\n" << r.output;
  }
}

}  // namespace

namespace {

// With no OpenCL platform installed (an empty ICD directory), the backend reports why it is
// unavailable; `--device opencl` fails with that reason and `auto` still renders on the cpu.
TEST(Cli, MissingOpenclPlatformIsReportedNotFatal) {
  std::string empty = strata::tests::scratch_dir() + "/no-icds";
  std::filesystem::create_directories(empty);
  std::string env = "OCL_ICD_VENDORS=" + empty;
  CommandResult devices = run("devices", env);
  EXPECT_EQ(devices.code, 0) << devices.output;
  EXPECT_NE(devices.output.find("opencl  unavailable: no OpenCL platform found"), std::string::npos) << devices.output;
  EXPECT_NE(devices.output.find("cpu:0"), std::string::npos) << devices.output;
  std::string out = " -o " + strata::tests::scratch_dir() + "/noicd.png --size 16x12 --spp 1";
  CommandResult forced = run("render " + kDemo + out + " --device opencl", env);
  EXPECT_EQ(forced.code, 1) << forced.output;
  EXPECT_NE(forced.output.find("no OpenCL platform"), std::string::npos) << forced.output;
  if (!strata::tests::cuda_present()) {
    CommandResult fallback = run("render " + kDemo + out + " --device auto", env);
    EXPECT_EQ(fallback.code, 0) << fallback.output;
    EXPECT_NE(fallback.output.find("cpu:0"), std::string::npos) << fallback.output;
  }
}

}  // namespace

namespace {

TEST(Cli, BenchRenderReportsRatesAndExportsScenes) {
  CommandResult r = run("bench render --devices cpu --triangles 1000 --size 32x24 --spp 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("samples/s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cpu:0            1082"), std::string::npos) << r.output;
  std::string dir = strata::tests::scratch_dir() + "/bench-export";
  CommandResult e = run("bench render --triangles 1000 --export " + dir);
  ASSERT_EQ(e.code, 0) << e.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/bench_1000.obj"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/bench_1000.mtl"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/bench_1000.args"));
  CommandResult bad = run("bench render --size 0x0");
  EXPECT_EQ(bad.code, 1) << bad.output;
}

}  // namespace
