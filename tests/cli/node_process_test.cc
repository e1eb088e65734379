// `strata node` as separate processes on loopback: a node bootstraps to another and both sides
// authenticate; a node keeps retrying an absent bootstrap peer; SIGTERM stops a node cleanly.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>

#include "tests/test_support.h"

namespace {

// A strata process whose stdout is read line by line with a deadline.
class NodeProcess {
 public:
  explicit NodeProcess(std::vector<std::string> args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      std::string binary = strata::tests::strata_binary();
      std::vector<char*> argv{binary.data()};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    fd_ = fds[0];
  }
  ~NodeProcess() {
    if (pid_ > 0 && !waited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }

  // Reads until a line matches `pattern` (returns its match) or the deadline passes ("").
  std::smatch wait_for(const std::string& pattern, int timeout_ms = 10000) {
    std::regex re(pattern);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      size_t nl;
      while ((nl = buffer_.find('\n')) != std::string::npos) {
        lines_.push_back(buffer_.substr(0, nl));
        buffer_.erase(0, nl + 1);
        std::smatch m;
        if (std::regex_search(lines_.back(), m, re)) return m;
      }
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
      if (left <= 0) return {};
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, left) <= 0) return {};
      char buf[4096];
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) return {};
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

  // Sends SIGTERM and returns the exit code.
  int terminate() {
    kill(pid_, SIGTERM);
    return wait_exit();
  }
  // Waits for the process to end by itself.
  int wait_exit() {
    int status = 0;
    waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool waited_ = false;
  std::string buffer_;
  std::vector<std::string> lines_;
};

TEST(NodeProcess, BootstrapAuthenticatesAndStopsCleanly) {
  std::string base = strata::tests::scratch_dir();
  NodeProcess a({"node", "--data", base + "/a", "--listen", "127.0.0.1:0"});
  auto listening = a.wait_for("node ([0-9a-f]{64}) listening on 127\\.0\\.0\\.1:([0-9]+)");
  ASSERT_FALSE(listening.empty());
  std::string a_id = listening[1], a_port = listening[2];
  NodeProcess b({"node", "--data", base + "/b", "--bootstrap", "127.0.0.1:" + a_port});
  auto b_listening = b.wait_for("node ([0-9a-f]{64}) listening");
  ASSERT_FALSE(b_listening.empty());
  auto peer = b.wait_for("peer ([0-9a-f]{64}) connected");
  ASSERT_FALSE(peer.empty()) << "b never reached a";
  EXPECT_EQ(peer[1], a_id);
  EXPECT_NE(std::string(b_listening[1]), a_id);
  EXPECT_EQ(b.terminate(), 0);
  EXPECT_EQ(a.terminate(), 0);
  // The identity is kept: a restarted node has the same id.
  NodeProcess again({"node", "--data", base + "/a"});
  auto relisten = again.wait_for("node ([0-9a-f]{64}) listening");
  ASSERT_FALSE(relisten.empty());
  EXPECT_EQ(relisten[1], a_id);
  EXPECT_EQ(again.terminate(), 0);
}

TEST(NodeProcess, AbsentBootstrapPeerIsRetriedWithBackoff) {
  NodeProcess n({"node", "--data", strata::tests::scratch_dir() + "/c", "--bootstrap", "127.0.0.1:1"});
  ASSERT_FALSE(n.wait_for("retrying in 500 ms").empty());
  ASSERT_FALSE(n.wait_for("retrying in 1000 ms", 5000).empty());
  EXPECT_EQ(n.terminate(), 0);
}

TEST(NodeProcess, BadArgumentsAreNamed) {
  NodeProcess n({"node", "--data", strata::tests::scratch_dir() + "/d", "--listen", "nowhere"});
  EXPECT_EQ(n.wait_exit(), 1);
  NodeProcess m({"node", "--data", strata::tests::scratch_dir() + "/e", "--bootstrap", "no-port"});
  EXPECT_EQ(m.wait_exit(), 1);
}

}  // namespace
