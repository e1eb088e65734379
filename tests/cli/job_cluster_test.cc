// Jobs across separate node processes on loopback, driven by `strata submit` as a user would.
// Render: the image equals the same render done locally by `strata render` within float
// rounding, also when a provider is killed mid-job, when a provider stops answering (SIGSTOP:
// connected but silent) and when the requestor's node is killed and restarted mid-job. Proof: the
// output equals `strata proof verify` run locally, byte for byte, with a provider killed mid-job
// and a dishonest one flipping one verdict in a hundred.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include <sodium.h>

#include <fstream>
#include <random>

#include "host/render/image_io.h"
#include "host/text_codec.h"
#include "network/api_client.h"
#include "network/api_token.h"
#include "tests/cli/strata_process.h"
#include "tests/compute/compute_support.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using strata::tests::NodeProcess;
using json = nlohmann::json;

const char* kSize = "128x96";
const char* kSpp = "64";

struct Node {
  std::unique_ptr<NodeProcess> process;
  std::string transport_port, api_port;
  std::string data;
};

Node start_node(const std::string& data, std::vector<std::string> extra, const std::string& listen = "0",
                const std::string& api = "0") {
  std::vector<std::string> args{"node", "--data", data, "--listen", "127.0.0.1:" + listen, "--api", "127.0.0.1:" + api};
  args.insert(args.end(), extra.begin(), extra.end());
  Node n{std::make_unique<NodeProcess>(args), "", "", data};
  auto m = n.process->wait_for(R"(listening on 127\.0\.0\.1:(\d+))");
  EXPECT_FALSE(m.empty()) << "node did not start";
  if (!m.empty()) n.transport_port = m[1];
  auto a = n.process->wait_for(R"(API listening on http://127\.0\.0\.1:(\d+)/)");
  if (!a.empty()) n.api_port = a[1];
  return n;
}

Node start_requestor(const std::string& data, const std::string& listen = "0", const std::string& api = "0") {
  // Small subtasks, so there are many, and a short deadline, so silence is noticed quickly.
  return start_node(data, {"--subtask-seconds", "0.05", "--min-deadline", "3"}, listen, api);
}

Node start_provider(const std::string& data, const Node& requestor, const std::string& score = "1e6") {
  Node p = start_node(data, {"--provide", "--device", "cpu", "--score", score, "--bootstrap",
                             "127.0.0.1:" + requestor.transport_port});
  EXPECT_FALSE(p.process->wait_for("providing cpu").empty());
  return p;
}

// A rig whose two devices share each subtask's samples.
Node start_rig(const std::string& data, const Node& requestor) {
  Node p = start_node(data, {"--provide", "--device", "cpu,opencl", "--share-samples", "--score", "2e6", "--bootstrap",
                             "127.0.0.1:" + requestor.transport_port});
  EXPECT_FALSE(p.process->wait_for(R"(the devices share each subtask's samples \(transfers: host)").empty());
  return p;
}

// The node's API with the token from its data directory, as any client calls it.
strata::network::ApiAddress api_of(const Node& n) {
  auto token = strata::network::read_api_token(n.data + "/api.token");
  EXPECT_TRUE(token.is_ok()) << token.status().to_string();
  return {{"127.0.0.1", static_cast<uint16_t>(std::stoi(n.api_port))}, token.is_ok() ? *token : ""};
}

json job_status(const Node& n, const std::string& job) {
  auto r = strata::network::http_request(api_of(n), "GET",
                                         "/api/v1/jobs/" + job);
  if (!r.is_ok() || r->status != 200) return json();
  return json::parse(r->body, nullptr, false);
}

std::string submit_job(NodeProcess& submit) {
  auto m = submit.wait_for(R"(job ([0-9a-f]{16}): )", 60000);
  EXPECT_FALSE(m.empty()) << "no job line from strata submit";
  return m.empty() ? "" : std::string(m[1]);
}

bool accepted_at_least(const Node& requestor, const std::string& job, int n) {
  return strata::tests::eventually(
      [&] {
        json st = job_status(requestor, job);
        return st.is_object() && st["subtasks"].value("accepted", 0) >= n;
      },
      60000);
}

// The local render of the same job, by the strata binary.
void expect_equals_local_render(const std::string& image, const std::string& dir) {
  std::string local = dir + "/local.pfm";
  NodeProcess render({"render", "--size", kSize, "--spp", kSpp, "--device", "cpu", "-o", local});
  ASSERT_EQ(render.wait_exit(), 0);
  auto a = strata::render::read_pfm(image), b = strata::render::read_pfm(local);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  EXPECT_LT(strata::tests::max_relative_difference(*a, *b), 1e-5);
}

// strata submit finishes, the job is done with every subtask accepted (some of them after a
// reassignment, when `reassigned`), and its image is the local render's.
void expect_finished(NodeProcess& submit, const Node& requestor, const std::string& job, const std::string& dir,
                     bool reassigned) {
  ASSERT_FALSE(submit.wait_for("^image: ", 120000).empty()) << "strata submit did not finish";
  EXPECT_EQ(submit.wait_exit(), 0);
  json st = job_status(requestor, job);
  EXPECT_EQ(st.value("state", ""), "done");
  EXPECT_EQ(st["subtasks"].value("accepted", 0), st["subtasks"].value("total", -1));
  if (reassigned) {
    EXPECT_GT(st.value("reassigned", 0), 0) << st.dump();
  }
  expect_equals_local_render(dir + "/out.pfm", dir);
}

std::unique_ptr<NodeProcess> submit(const Node& requestor, const std::string& output) {
  return std::make_unique<NodeProcess>(std::vector<std::string>{
      "submit", "render", "--size", kSize, "--spp", kSpp, "-o", output, "--api", "127.0.0.1:" + requestor.api_port, "--data", requestor.data});
}

// One of the providers is a rig of two devices sharing each subtask's samples, so every subtask
// is cut into two pieces, whoever renders it.
TEST(JobCluster, ProviderKilledMidJob) {
  std::string dir = strata::tests::scratch_dir() + "/job-cluster-kill";
  Node r = start_requestor(dir + "/r");
  Node p1 = start_provider(dir + "/p1", r), p2 = start_provider(dir + "/p2", r), p3 = start_rig(dir + "/p3", r);
  // The job's pieces follow the rigs the requestor knows of when it is submitted.
  ASSERT_TRUE(strata::tests::eventually(
      [&] {
        auto o = strata::network::http_request(api_of(r), "GET",
                                               "/api/v1/offers");
        return o.is_ok() && json::parse(o->body, nullptr, false).size() == 3;
      },
      30000));
  auto s = submit(r, dir + "/out.pfm");
  std::string job = submit_job(*s);
  EXPECT_EQ(job_status(r, job).value("sample_pieces", 0), 2);
  ASSERT_TRUE(accepted_at_least(r, job, 1));
  p1.process->kill9();
  expect_finished(*s, r, job, dir, true);
  // A provider that did work holds receipts from the requestor for it.
  NodeProcess receipts({"receipts", "--api", "127.0.0.1:" + p2.api_port, "--token-file", p2.data + "/api.token"});
  auto owed = receipts.wait_for(R"("owed":(\d+))");
  ASSERT_FALSE(owed.empty()) << "no receipts at provider 2";
  EXPECT_GT(std::stoull(owed[1]), 0u);
  EXPECT_EQ(receipts.wait_exit(), 0);
}

TEST(JobCluster, ProviderThatStopsAnswering) {
  std::string dir = strata::tests::scratch_dir() + "/job-cluster-silent";
  Node r = start_requestor(dir + "/r");
  Node p1 = start_provider(dir + "/p1", r), p2 = start_provider(dir + "/p2", r);
  auto s = submit(r, dir + "/out.pfm");
  std::string job = submit_job(*s);
  ASSERT_TRUE(accepted_at_least(r, job, 1));
  p1.process->signal(SIGSTOP);  // connected, silent
  expect_finished(*s, r, job, dir, true);
  p1.process->signal(SIGCONT);
}

TEST(JobCluster, RequestorRestartedMidJob) {
  std::string dir = strata::tests::scratch_dir() + "/job-cluster-restart";
  Node r = start_requestor(dir + "/r");
  Node p1 = start_provider(dir + "/p1", r), p2 = start_provider(dir + "/p2", r);
  auto s = submit(r, dir + "/out.pfm");
  std::string job = submit_job(*s);
  ASSERT_TRUE(accepted_at_least(r, job, 2));
  r.process->kill9();
  // The same node comes back where it was; providers dial it again, and strata submit waits.
  Node again = start_requestor(dir + "/r", r.transport_port, r.api_port);
  // It says so before it says where it listens.
  const auto& lines = again.process->lines();
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) { return l.find("resumed") != std::string::npos; }));
  expect_finished(*s, again, job, dir, false);
}

// Signatures as JSON lines: most valid, some broken in one bit, and a few lines that are not
// claims at all (bad hex, a short key, not JSON), which both commands report by number.
std::string signature_lines(size_t n) {
  std::mt19937 rng(11);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i % 997 == 5) {
      out += i % 2 ? "{\"public_key\": \"zz\", \"message\": \"\", \"signature\": \"\"}\n" : "not json\n";
      continue;
    }
    uint8_t pk[32], sk[64], sig[64];
    std::array<uint8_t, 32> seed{};
    for (auto& b : seed) b = static_cast<uint8_t>(rng());
    crypto_sign_seed_keypair(pk, sk, seed.data());
    std::vector<uint8_t> message(rng() % 100);
    for (auto& b : message) b = static_cast<uint8_t>(rng());
    crypto_sign_detached(sig, nullptr, message.data(), message.size(), sk);
    if (i % 5 == 1) sig[i % 64] ^= 1;
    std::span<const uint8_t> key(pk, i % 1999 == 7 ? 31 : 32);
    out += json{{"public_key", strata::to_hex(key)}, {"message", strata::to_hex(message)},
                {"signature", strata::to_hex(std::span<const uint8_t>(sig, 64))}}.dump() + "\n";
  }
  return out;
}

// Flips the verdict of every item whose index in the job is 7 mod 100.
void flip_one_in_a_hundred(const strata::compute::ProofTask& task, strata::compute::ProofResult& result) {
  for (size_t i = 0; i < result.outputs.size(); ++i) {
    if ((task.first + i) % 100 == 7) result.outputs[i] ^= 1;
  }
}

TEST(JobCluster, ProofJobWithAKilledAndADishonestProvider) {
  std::string dir = strata::tests::scratch_dir() + "/job-cluster-proof";
  Node r = start_requestor(dir + "/r");
  // Claimed speeds low enough that the job is cut into many batches.
  Node p1 = start_provider(dir + "/p1", r, "3000"), p2 = start_provider(dir + "/p2", r, "3000");
  // The dishonest provider is this test process, the cheapest of the three.
  auto cheat = strata::tests::start_compute_node({.seed = 244, .provide = true, .price = 10, .alter_proof = flip_one_in_a_hundred});
  ASSERT_TRUE(cheat);
  (void)cheat->stream_node().transport().connect("127.0.0.1", static_cast<uint16_t>(std::stoi(r.transport_port)));
  ASSERT_TRUE(strata::tests::eventually(
      [&] {
        auto o = strata::network::http_request(api_of(r), "GET", "/api/v1/offers");
        return o.is_ok() && json::parse(o->body, nullptr, false).size() == 3;
      },
      30000));
  std::string input = strata::tests::write_file("job-cluster-proof/claims.jsonl", signature_lines(8000));
  std::string output = dir + "/out.jsonl", local = dir + "/local.jsonl";
  NodeProcess s({"submit", "proof", "verify", input, "-o", output, "--api", "127.0.0.1:" + r.api_port, "--data", r.data});
  std::string job = submit_job(s);
  ASSERT_TRUE(accepted_at_least(r, job, 1));
  p1.process->kill9();
  ASSERT_FALSE(s.wait_for("^output: ", 120000).empty()) << "strata submit did not finish";
  EXPECT_EQ(s.wait_exit(), 1);  // some lines were not claims, as the local command says too
  json st = job_status(r, job);
  EXPECT_EQ(st.value("state", ""), "done");
  EXPECT_EQ(st.value("family", ""), "proof");
  EXPECT_GT(st.value("reassigned", 0), 0) << st.dump();
  EXPECT_GE(st["verification"].value("rejected", 0), 1) << st.dump();
  // The same command run here, on this machine's cpu backend.
  std::string command = strata::tests::strata_binary() + " proof verify " + input + " --device cpu > " + local;
  EXPECT_EQ(WEXITSTATUS(std::system(command.c_str())), 1);
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  std::string mine = read(output), theirs = read(local);
  EXPECT_GT(std::count(theirs.begin(), theirs.end(), '\n'), 7900);
  EXPECT_TRUE(mine == theirs) << "the job's output differs from the local command's";
}

TEST(JobCluster, CommandErrorsAreNamed) {
  // Each says why on stderr (shown in the test's output) and fails.
  // A token, so that each fails for its own reason.
  std::string token = strata::tests::write_file("cli-errors/api.token", std::string(64, '1'));
  NodeProcess kind({"submit", "video", "--api", "127.0.0.1:1", "--token-file", token});
  EXPECT_NE(kind.wait_exit(), 0);
  NodeProcess size({"submit", "render", "--size", "0x5", "--api", "127.0.0.1:1", "--token-file", token});
  EXPECT_NE(size.wait_exit(), 0);
  NodeProcess format({"submit", "render", "-o", "x.jpg", "--api", "127.0.0.1:1", "--token-file", token});
  EXPECT_NE(format.wait_exit(), 0);
  NodeProcess nobody({"submit", "render", "--api", "127.0.0.1:1", "--token-file", token});
  EXPECT_NE(nobody.wait_exit(), 0);
  NodeProcess missing({"submit", "render", "/nonexistent/scene.gltf", "--api", "127.0.0.1:1", "--token-file", token});
  EXPECT_NE(missing.wait_exit(), 0);
  NodeProcess cancel({"cancel", "abc", "--api", "127.0.0.1:1", "--token-file", token});
  EXPECT_NE(cancel.wait_exit(), 0);
  NodeProcess op({"submit", "proof", "sign", "x.jsonl", "--api", "127.0.0.1:1", "--token-file", token});
  EXPECT_NE(op.wait_exit(), 0);
  NodeProcess no_file({"submit", "proof", "hash", "/nonexistent.jsonl", "--api", "127.0.0.1:1", "--token-file", token});
  EXPECT_NE(no_file.wait_exit(), 0);
  NodeProcess prove({"submit", "proof", "hash", token, "--prove", "1", "--api", "127.0.0.1:1", "--token-file", token});
  EXPECT_NE(prove.wait_exit(), 0);
}

}  // namespace

namespace {

// JSON events in order with jitter, some late, a malformed line now and then.
std::string analytics_events(size_t n) {
  std::mt19937_64 rng(9);
  std::string out;
  int64_t now = 1700000000000;
  for (size_t i = 0; i < n; ++i) {
    now += int64_t(rng() % 6);
    const int64_t t = now - int64_t(rng() % 900);
    if (i % 211 == 3) {
      out += "{\"ts\": \"late\", \"user\": \"u1\", \"v\": 1}\n";
      continue;
    }
    out += "{\"ts\": " + std::to_string(t) + ", \"user\": \"u" + std::to_string(rng() % 50) + "\", \"v\": " +
           std::to_string(int64_t(rng() % 2001) - 1000) + "." + std::to_string(rng() % 10) + "}\n";
  }
  return out;
}

// A file's window and group lines sorted, and its late reports added up per window.
std::pair<std::vector<std::string>, std::map<int64_t, uint64_t>> windows_of_file(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> windows;
  std::map<int64_t, uint64_t> late;
  for (std::string line; std::getline(in, line);) {
    json m = json::parse(line, nullptr, false);
    if (!m.is_object()) {
      ADD_FAILURE() << path << ": a line that is not JSON: " << line;
      continue;
    }
    if (m["type"] == "late") late[m["window_start"]] += m["late_events"].get<uint64_t>();
    else windows.push_back(m.dump());
  }
  std::sort(windows.begin(), windows.end());
  return {windows, late};
}

}  // namespace

// strata submit analytics over a file of events, with a provider killed mid-job: the job ends
// with the windows that strata analytics run gives on this machine.
TEST(JobCluster, AnalyticsJobWithAKilledProviderEqualsTheLocalQuery) {
  const std::string dir = strata::tests::scratch_dir() + "/job-cluster-analytics";
  Node r = start_node(dir + "/r", {"--min-deadline", "3", "--analytics-batch-events", "3000"});
  Node p1 = start_provider(dir + "/p1", r), p2 = start_provider(dir + "/p2", r);
  const std::string input = strata::tests::write_file("job-cluster-analytics/events.jsonl", analytics_events(80000));
  const std::string output = dir + "/out.jsonl", local = dir + "/local.jsonl";
  const std::vector<std::string> query = {"--window", "sliding:3s/1s", "--group-by", "user", "--value", "v",
                                          "--agg", "count,sum,min,max,mean,var,p99,top5", "--lateness", "200ms"};
  std::vector<std::string> args = {"submit", "analytics", input, "-o", output, "--api", "127.0.0.1:" + r.api_port,
                                   "--data", r.data};
  args.insert(args.end(), query.begin(), query.end());
  NodeProcess s(args);
  const std::string job = submit_job(s);
  ASSERT_TRUE(accepted_at_least(r, job, 1));
  p1.process->kill9();
  ASSERT_FALSE(s.wait_for("^output: ", 120000).empty()) << "strata submit did not finish";
  EXPECT_EQ(s.wait_exit(), 0);
  json st = job_status(r, job);
  EXPECT_EQ(st.value("state", ""), "done");
  EXPECT_EQ(st.value("family", ""), "analytics");
  EXPECT_GT(st["subtasks"].value("total", 0), 10) << st.dump();
  std::vector<std::string> run = {"analytics", "run", "--input-file", input, "--output-file", local, "--device", "cpu"};
  run.insert(run.end(), query.begin(), query.end());
  NodeProcess here(run);
  ASSERT_EQ(here.wait_exit(), 0);
  const auto theirs = windows_of_file(local);
  EXPECT_GT(theirs.first.size(), 1000u);
  EXPECT_FALSE(theirs.second.empty());
  EXPECT_TRUE(windows_of_file(output) == theirs) << "the job's windows differ from the local query's";
}
