// Stream storage: resend queries against what was stored, persistence across reopening, and no
// acknowledged message lost when the writing process is killed with SIGKILL.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "network/stream/stream_store.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;

Identity publisher() { return tests::test_identity(9); }

StreamMessage message(const std::string& stream, uint32_t partition, uint64_t ts, uint32_t seq) {
  StreamMessage m;
  m.stream_id = stream;
  m.partition = partition;
  m.ref = {ts, seq};
  m.chain_id = "c";
  m.content_type = "text/plain";
  std::string text = "message " + std::to_string(ts) + "." + std::to_string(seq);
  m.payload.assign(text.begin(), text.end());
  m.sign(publisher());
  return m;
}

std::vector<MessageRef> refs(const std::vector<StreamMessage>& ms) {
  std::vector<MessageRef> out;
  for (const auto& m : ms) out.push_back(m.ref);
  return out;
}

TEST(StreamStore, ResendQueriesAndPersistence) {
  std::string dir = tests::scratch_dir() + "/store-a";
  {
    auto store = StreamStore::open(dir);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    // Stored out of order, across two partitions and a neighbouring stream.
    for (uint64_t ts : {30, 10, 20, 40, 50}) ASSERT_TRUE((*store)->put(message("s", 0, ts, 0)).is_ok());
    ASSERT_TRUE((*store)->put(message("s", 0, 20, 1)).is_ok());
    ASSERT_TRUE((*store)->put(message("s", 1, 25, 0)).is_ok());
    ASSERT_TRUE((*store)->put(message("s2", 0, 15, 0)).is_ok());
  }
  auto store = StreamStore::open(dir);  // everything survives reopening
  ASSERT_TRUE(store.is_ok());
  auto last3 = (*store)->last("s", 0, 3);
  ASSERT_TRUE(last3.is_ok());
  EXPECT_EQ(refs(*last3), (std::vector<MessageRef>{{30, 0}, {40, 0}, {50, 0}}));
  auto from = (*store)->from("s", 0, {20, 1});
  ASSERT_TRUE(from.is_ok());
  EXPECT_EQ(refs(*from), (std::vector<MessageRef>{{20, 1}, {30, 0}, {40, 0}, {50, 0}}));
  auto range = (*store)->range("s", 0, {20, 0}, {30, 0});
  ASSERT_TRUE(range.is_ok());
  EXPECT_EQ(refs(*range), (std::vector<MessageRef>{{20, 0}, {20, 1}, {30, 0}}));
  EXPECT_EQ(range->front().payload, (std::vector<uint8_t>{'m', 'e', 's', 's', 'a', 'g', 'e', ' ', '2', '0', '.', '0'}));
  // Open-ended ranges: up to the largest position there is, and ending at a timestamp's last sequence.
  auto to_end = (*store)->range("s", 0, {40, 0}, {UINT64_MAX, UINT32_MAX});
  ASSERT_TRUE(to_end.is_ok());
  EXPECT_EQ(refs(*to_end), (std::vector<MessageRef>{{40, 0}, {50, 0}}));
  auto whole_ms = (*store)->range("s", 0, {0, 0}, {20, UINT32_MAX});
  ASSERT_TRUE(whole_ms.is_ok());
  EXPECT_EQ(refs(*whole_ms).back(), (MessageRef{20, 1}));
  auto other = (*store)->last("s", 1, 10);
  ASSERT_TRUE(other.is_ok());
  EXPECT_EQ(refs(*other), (std::vector<MessageRef>{{25, 0}}));
  auto empty = (*store)->last("nothing", 0, 10);
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ((*store)->range("s", 0, {30, 0}, {20, 0}).status().code(), StatusCode::kInvalidArgument);
}

// A read stops at its bound, on messages or on payload bytes, and says it was cut short; one that
// got all it asked for was not.
TEST(StreamStore, ReadsStopAtTheirBound) {
  auto store = StreamStore::open(tests::scratch_dir() + "/store-bound");
  ASSERT_TRUE(store.is_ok());
  for (uint64_t ts = 10; ts < 20; ++ts) ASSERT_TRUE((*store)->put(message("s", 0, ts, 0)).is_ok());  // 12-byte payloads
  bool cut = false;
  auto three = (*store)->from("s", 0, {0, 0}, ReadBound{3, SIZE_MAX}, &cut);
  ASSERT_TRUE(three.is_ok());
  EXPECT_EQ(refs(*three), (std::vector<MessageRef>{{10, 0}, {11, 0}, {12, 0}}));
  EXPECT_TRUE(cut);
  auto by_bytes = (*store)->range("s", 0, {0, 0}, {UINT64_MAX - 1, 0}, ReadBound{SIZE_MAX, 30}, &cut);
  ASSERT_TRUE(by_bytes.is_ok());
  EXPECT_EQ(by_bytes->size(), 2u);  // 24 of 30 bytes; a third would be 36
  EXPECT_TRUE(cut);
  auto newest = (*store)->last("s", 0, 4, ReadBound{4, SIZE_MAX}, &cut);
  ASSERT_TRUE(newest.is_ok());
  EXPECT_EQ(refs(*newest), (std::vector<MessageRef>{{16, 0}, {17, 0}, {18, 0}, {19, 0}}));
  EXPECT_FALSE(cut);  // four asked, four given
  auto newest_bounded = (*store)->last("s", 0, 8, ReadBound{5, SIZE_MAX}, &cut);
  ASSERT_TRUE(newest_bounded.is_ok());
  EXPECT_EQ(newest_bounded->size(), 5u);
  EXPECT_TRUE(cut);
  auto all = (*store)->from("s", 0, {0, 0}, ReadBound{10, 120}, &cut);
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ(all->size(), 10u);
  EXPECT_FALSE(cut);  // exactly at both bounds, with nothing more
}

// The writer of AcknowledgedMessagesSurviveKill9, run as a separate process (this test binary
// started again with STRATA_STORE_WRITER set), so the killed process is a fresh one.
TEST(StreamStore, WriterProcess) {
  const char* dir = std::getenv("STRATA_STORE_WRITER");
  const char* ack_fd = std::getenv("STRATA_STORE_ACK_FD");
  if (!dir || !ack_fd) GTEST_SKIP() << "helper process of AcknowledgedMessagesSurviveKill9";
  int fd = std::atoi(ack_fd);
  auto store = StreamStore::open(dir);
  if (!store.is_ok()) _exit(2);
  for (uint32_t i = 0;; ++i) {
    if (!(*store)->put(message("s", 0, 1000 + i, 0)).is_ok()) _exit(3);
    // Acknowledge only after put() returned.
    if (write(fd, &i, sizeof i) != sizeof i) _exit(4);
  }
}

TEST(StreamStore, AcknowledgedMessagesSurviveKill9) {
  std::string dir = tests::scratch_dir() + "/store-kill";
  int pipe_fd[2];
  ASSERT_EQ(pipe(pipe_fd), 0);
  std::string self(4096, '\0');
  ssize_t len = readlink("/proc/self/exe", self.data(), self.size());
  ASSERT_GT(len, 0);
  self.resize(static_cast<size_t>(len));
  std::string dir_env = "STRATA_STORE_WRITER=" + dir, fd_env = "STRATA_STORE_ACK_FD=" + std::to_string(pipe_fd[1]);
  std::string filter = "--gtest_filter=StreamStore.WriterProcess";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fd[0]);
    char* argv[] = {self.data(), filter.data(), nullptr};
    char* envp[] = {dir_env.data(), fd_env.data(), nullptr};
    execve(self.c_str(), argv, envp);
    _exit(127);
  }
  close(pipe_fd[1]);
  uint32_t acked = 0, last_acked = 0;
  while (acked < 50 && read(pipe_fd[0], &last_acked, sizeof last_acked) == sizeof last_acked) ++acked;
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(pipe_fd[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited with " << WEXITSTATUS(status);
  ASSERT_EQ(acked, 50u);
  auto store = StreamStore::open(dir);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  auto all = (*store)->from("s", 0, {0, 0});
  ASSERT_TRUE(all.is_ok()) << all.status().to_string();
  ASSERT_GE(all->size(), size_t(last_acked) + 1);
  for (uint32_t i = 0; i <= last_acked; ++i) EXPECT_EQ((*all)[i].ref.timestamp, 1000u + i);
}

TEST(StreamStore, UnopenableDirectoryIsAClearError) {
  std::string file = tests::write_file("not-a-dir", "x");
  auto store = StreamStore::open(file + "/db");
  ASSERT_FALSE(store.is_ok());
  EXPECT_NE(store.status().message().find("opening"), std::string::npos) << store.status().message();
}

}  // namespace
