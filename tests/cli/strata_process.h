// A strata process for the multi-process tests: started with arguments, its stdout read line by
// line with deadlines, stopped with SIGTERM or killed.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace strata::tests {

// A strata process whose stdout is read line by line with a deadline.
class NodeProcess {
 public:
  explicit NodeProcess(std::vector<std::string> args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test, even one that crashes
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

  // The next line of output, or "" at the deadline or the end of output.
  std::string next_line(int timeout_ms = 10000) {
    auto m = wait_for(".*", timeout_ms);
    return m.empty() ? "" : lines_.back();
  }
  // Ends the process at once, as a crash or power loss would.
  void kill9() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    waited_ = true;
  }
  // Sends a signal (SIGSTOP: the process stays connected and answers nothing).
  void signal(int sig) { kill(pid_, sig); }
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

}  // namespace strata::tests
