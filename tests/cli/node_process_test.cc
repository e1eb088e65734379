// `strata node` as separate processes on loopback: a node bootstraps to another and both sides
// authenticate; a node keeps retrying an absent bootstrap peer; SIGTERM stops a node cleanly.
#include <gtest/gtest.h>

#include "tests/cli/strata_process.h"
#include "tests/test_support.h"

namespace {

using strata::tests::NodeProcess;

TEST(NodeProcess, BootstrapAuthenticatesAndStopsCleanly) {
  std::string base = strata::tests::scratch_dir();
  NodeProcess a({"node", "--data", base + "/a", "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0"});
  auto listening = a.wait_for("node ([0-9a-f]{64}) listening on 127\\.0\\.0\\.1:([0-9]+)");
  ASSERT_FALSE(listening.empty());
  std::string a_id = listening[1], a_port = listening[2];
  NodeProcess b({"node", "--data", base + "/b", "--api", "127.0.0.1:0", "--bootstrap", "127.0.0.1:" + a_port});
  auto b_listening = b.wait_for("node ([0-9a-f]{64}) listening");
  ASSERT_FALSE(b_listening.empty());
  auto peer = b.wait_for("peer ([0-9a-f]{64}) connected");
  ASSERT_FALSE(peer.empty()) << "b never reached a";
  EXPECT_EQ(peer[1], a_id);
  EXPECT_NE(std::string(b_listening[1]), a_id);
  EXPECT_EQ(b.terminate(), 0);
  EXPECT_EQ(a.terminate(), 0);
  // The identity is kept: a restarted node has the same id.
  NodeProcess again({"node", "--data", base + "/a", "--api", "127.0.0.1:0"});
  auto relisten = again.wait_for("node ([0-9a-f]{64}) listening");
  ASSERT_FALSE(relisten.empty());
  EXPECT_EQ(relisten[1], a_id);
  EXPECT_EQ(again.terminate(), 0);
}

TEST(NodeProcess, AbsentBootstrapPeerIsRetriedWithBackoff) {
  NodeProcess n({"node", "--data", strata::tests::scratch_dir() + "/c", "--api", "127.0.0.1:0", "--bootstrap", "127.0.0.1:1"});
  ASSERT_FALSE(n.wait_for("retrying in 500 ms").empty());
  ASSERT_FALSE(n.wait_for("retrying in 1000 ms", 5000).empty());
  EXPECT_EQ(n.terminate(), 0);
}

// A bootstrap peer that goes away is dialled again until it is back.
TEST(NodeProcess, LostBootstrapPeerIsDialledAgain) {
  std::string base = strata::tests::scratch_dir();
  NodeProcess a({"node", "--data", base + "/ra", "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0"});
  auto listening = a.wait_for("node ([0-9a-f]{64}) listening on 127\\.0\\.0\\.1:([0-9]+)");
  ASSERT_FALSE(listening.empty());
  std::string a_id = listening[1], a_port = listening[2];
  NodeProcess b({"node", "--data", base + "/rb", "--api", "127.0.0.1:0", "--bootstrap", "127.0.0.1:" + a_port});
  ASSERT_FALSE(b.wait_for("peer " + a_id + " connected").empty());
  a.kill9();
  ASSERT_FALSE(b.wait_for("peer " + a_id + " at 127\\.0\\.0\\.1:" + a_port + " lost").empty());
  ASSERT_FALSE(b.wait_for("retrying in 500 ms").empty());
  NodeProcess again({"node", "--data", base + "/ra", "--listen", "127.0.0.1:" + a_port, "--api", "127.0.0.1:0"});
  ASSERT_FALSE(again.wait_for("listening").empty());
  EXPECT_FALSE(b.wait_for("peer " + a_id + " connected", 15000).empty());
  EXPECT_EQ(b.terminate(), 0);
  EXPECT_EQ(again.terminate(), 0);
}

TEST(NodeProcess, BadArgumentsAreNamed) {
  NodeProcess n({"node", "--data", strata::tests::scratch_dir() + "/d", "--listen", "nowhere"});
  EXPECT_EQ(n.wait_exit(), 1);
  NodeProcess m({"node", "--data", strata::tests::scratch_dir() + "/e", "--bootstrap", "no-port"});
  EXPECT_EQ(m.wait_exit(), 1);
  NodeProcess roles({"node", "--data", strata::tests::scratch_dir() + "/f", "--roles", "relay,gpu"});
  EXPECT_EQ(roles.wait_exit(), 1);
  NodeProcess api({"node", "--data", strata::tests::scratch_dir() + "/g", "--api", "localhost"});
  EXPECT_EQ(api.wait_exit(), 1);
  NodeProcess slots({"node", "--data", strata::tests::scratch_dir() + "/h", "--provide", "--device", "cpu", "--slots", "0"});
  EXPECT_EQ(slots.wait_exit(), 1);
  for (std::string price : {"render/pathtrace-v1=99999999999999999999999", "render/pathtrace-v1=", "=5",
                            "render/pathtrace-v1=-1", "render/pathtrace-v1=5x"}) {
    NodeProcess bad({"node", "--data", strata::tests::scratch_dir() + "/i", "--provide", "--device", "cpu",
                     "--kernel-price", price});
    EXPECT_EQ(bad.wait_exit(), 1) << price;
  }
}

}  // namespace
