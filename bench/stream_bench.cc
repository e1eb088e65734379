// The stream layer against NATS, in one run on loopback: one publisher, several subscribers,
// 100-byte and 4 KiB payloads. For each it reports messages per second (publisher to every
// subscriber, with a bounded window of messages in flight) and the latency percentiles at a
// fixed, moderate rate, through a NATS server (Debian's nats-server, started here) and through
// Strata nodes, first with signatures off (the transport alone, a benchmark-only setting), then
// with every hop verifying Ed25519 signatures (messages signed by the client beforehand, so the
// timed run is the nodes' work), set against the rate at which this machine's cores verify
// signatures with libsodium, measured in the same run.
//
//   stream_bench [--subscribers K] [--messages N] [--signed-messages N] [--topology star|hub]
//                [--sizes 100,4096] [--latency-messages N] [--only nats|open|signed] [--nats PATH]
//                [--verify-device auto|cpu|opencl|none]
//
// Topologies: star, the publisher's node is connected to each subscriber's node (the message
// crosses one node-to-node hop, as it crosses the NATS server once); hub, the publisher's node
// and the subscribers' nodes all connect to one relay node (two hops, like NATS's
// client-server-client).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "network/stream/stream_node.h"

namespace {

using namespace strata;
using namespace strata::network;
using Clock = std::chrono::steady_clock;

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

struct Options {
  int subscribers = 3;
  size_t messages = 1000000;       // transport runs, 100-byte payloads (a quarter of it for 4 KiB)
  size_t signed_messages = 60000;  // with signatures (long enough that start and end do not matter)
  size_t latency_messages = 2000;
  int latency_rate = 2000;  // messages per second in the latency phase
  std::string topology = "star";
  std::string nats = "";
  std::string sizes = "100,4096";
  bool run_nats = true, run_open = true, run_signed = true;
  std::string verify_device = "auto";  // StreamNode::Options::verify_device ("none": one at a time)
};

// What every subscriber records: how many messages arrived and, in the latency phase, how long
// each took (payload: send time in ns, then the message number).
struct Receivers {
  explicit Receivers(int n) : count(n), latencies(n) {
    for (auto& c : count) c.n = 0;
  }
  struct alignas(64) Counter {  // one cache line each: subscribers do not slow each other down
    std::atomic<uint64_t> n;
  };
  std::vector<Counter> count;
  std::vector<std::vector<uint32_t>> latencies;  // ns, each written by its own subscriber only
  std::atomic<bool> record{false};

  void on_message(int sub, const uint8_t* data, size_t size) {
    if (size >= 8 && record.load(std::memory_order_relaxed)) {
      uint64_t sent = 0;
      std::memcpy(&sent, data, 8);
      latencies[sub].push_back(static_cast<uint32_t>(std::min<uint64_t>(now_ns() - sent, UINT32_MAX)));
    }
    count[sub].n.fetch_add(1, std::memory_order_release);
  }
  uint64_t min_count() const {
    uint64_t m = UINT64_MAX;
    for (const auto& c : count) m = std::min<uint64_t>(m, c.n.load(std::memory_order_acquire));
    return m;
  }
  void reset() {
    for (auto& c : count) c.n = 0;
    for (auto& l : latencies) l.clear();
  }
};

// A message system under test: publish from one thread, deliveries reported to Receivers.
class Bus {
 public:
  virtual ~Bus() = default;
  virtual bool publish(const std::vector<uint8_t>& payload) = 0;
  virtual void flush() {}
  // Before the throughput run: anything the publisher does ahead of time (signing, for Strata).
  virtual void prepare(size_t /*messages*/, size_t /*size*/) {}
};

struct Measurement {
  double rate = 0;  // messages per second (each delivered to every subscriber)
  double p50_us = 0, p99_us = 0;
  bool ok = false;
};

// Throughput with at most `window` messages in flight, then latency at a fixed rate.
Measurement measure(Bus& bus, Receivers& rx, size_t size, size_t messages, const Options& o) {
  Measurement r;
  size_t window = std::max<size_t>(64, (4u << 20) / size);  // about 4 MiB in flight
  std::vector<uint8_t> payload(size, 0x5a);
  bus.prepare(messages, size);
  rx.reset();
  auto start = Clock::now();
  for (size_t i = 0; i < messages; ++i) {
    if (i >= window && i - rx.min_count() >= window) {
      bus.flush();
      auto wait_start = Clock::now();
      while (i - rx.min_count() >= window / 2) {  // refill half a window at a time
        std::this_thread::sleep_for(std::chrono::microseconds(200));  // sleeping leaves the cores to the system
        if (Clock::now() - wait_start > std::chrono::seconds(10)) {
          std::fprintf(stderr, "stalled at %zu of %zu (slowest subscriber has %llu)\n", i, messages,
                       static_cast<unsigned long long>(rx.min_count()));
          return r;  // lost messages
        }
      }
    }
    uint64_t t = now_ns();
    std::memcpy(payload.data(), &t, 8);
    std::memcpy(payload.data() + 8, &i, 8);
    if (!bus.publish(payload)) return r;
  }
  bus.flush();
  auto wait_start = Clock::now();
  while (rx.min_count() < messages) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling must not steal the cores
    if (Clock::now() - wait_start > std::chrono::seconds(10)) {
      std::fprintf(stderr, "stalled: subscribers have");
      for (const auto& c : rx.count) std::fprintf(stderr, " %llu", static_cast<unsigned long long>(c.n.load()));
      std::fprintf(stderr, " of %zu\n", messages);
      return r;
    }
  }
  r.rate = messages / std::chrono::duration<double>(Clock::now() - start).count();

  rx.reset();
  rx.record = true;
  auto interval = std::chrono::nanoseconds(1000000000 / o.latency_rate);
  auto next = Clock::now();
  for (size_t i = 0; i < o.latency_messages; ++i) {
    next += interval;
    while (Clock::now() < next) std::this_thread::yield();
    uint64_t t = now_ns();
    std::memcpy(payload.data(), &t, 8);
    std::memcpy(payload.data() + 8, &i, 8);
    if (!bus.publish(payload)) return r;
    bus.flush();
  }
  wait_start = Clock::now();
  while (rx.min_count() < o.latency_messages) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (Clock::now() - wait_start > std::chrono::seconds(30)) return r;
  }
  rx.record = false;
  std::vector<uint32_t> all;
  for (const auto& l : rx.latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  r.p50_us = all[all.size() / 2] / 1000.0;
  r.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)] / 1000.0;
  r.ok = true;
  return r;
}

// ---- NATS: a server process and clients speaking its text protocol over plain sockets ----

int connect_tcp(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool send_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads protocol lines and message bodies from a NATS connection.
class NatsReader {
 public:
  explicit NatsReader(int fd) : fd_(fd) {}
  // The next line without CRLF; false when the connection ends.
  bool line(std::string& out) {
    for (;;) {
      auto crlf = std::search(buf_.begin() + pos_, buf_.end(), kCrlf, kCrlf + 2);
      if (crlf != buf_.end()) {
        out.assign(buf_.begin() + pos_, crlf);
        pos_ = static_cast<size_t>(crlf - buf_.begin()) + 2;
        return true;
      }
      if (!fill()) return false;
    }
  }
  // The next n bytes plus the CRLF after them; data() stays valid until the next call.
  const uint8_t* bytes(size_t n) {
    while (buf_.size() - pos_ < n + 2)
      if (!fill()) return nullptr;
    const uint8_t* p = reinterpret_cast<const uint8_t*>(buf_.data() + pos_);
    pos_ += n + 2;
    return p;
  }

 private:
  static constexpr char kCrlf[2] = {'\r', '\n'};
  bool fill() {
    if (pos_ > 0) {
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
      pos_ = 0;
    }
    char tmp[65536];
    ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.insert(buf_.end(), tmp, tmp + n);
    return true;
  }
  int fd_;
  std::vector<char> buf_;
  size_t pos_ = 0;
};

class NatsBus : public Bus {
 public:
  NatsBus(const std::string& server, int subscribers, Receivers& rx) : rx_(rx) {
    port_ = free_port();
    pid_ = fork();
    if (pid_ == 0) {
      int null = open("/dev/null", O_WRONLY);  // the server's log would drown the report
      dup2(null, STDERR_FILENO);
      dup2(null, STDOUT_FILENO);
      std::string port = std::to_string(port_);
      execl(server.c_str(), server.c_str(), "-a", "127.0.0.1", "-p", port.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int tries = 0; tries < 200 && pub_ < 0; ++tries) {
      pub_ = connect_tcp(port_);
      if (pub_ < 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (pub_ < 0) return;
    NatsReader info(pub_);
    std::string line;
    info.line(line);  // INFO
    std::string hello = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";
    send_all(pub_, hello.data(), hello.size());
    for (int i = 0; i < subscribers; ++i) {
      int fd = connect_tcp(port_);
      subs_.push_back(fd);
      std::string setup = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB bench 1\r\nPING\r\n";
      send_all(fd, setup.data(), setup.size());
      auto reader = std::make_shared<NatsReader>(fd);
      while (reader->line(line) && line != "PONG") {
      }
      threads_.emplace_back([this, fd, i, reader] { read_loop(fd, i, *reader); });
    }
    ready_ = true;
  }
  ~NatsBus() override {
    for (int fd : subs_) shutdown(fd, SHUT_RDWR);
    for (auto& t : threads_) t.join();
    for (int fd : subs_) close(fd);
    if (pub_ >= 0) close(pub_);
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool ready() const { return ready_; }

  bool publish(const std::vector<uint8_t>& payload) override {
    char head[64];
    int n = std::snprintf(head, sizeof head, "PUB bench %zu\r\n", payload.size());
    out_.insert(out_.end(), head, head + n);
    out_.insert(out_.end(), payload.begin(), payload.end());
    out_.push_back('\r');
    out_.push_back('\n');
    if (out_.size() >= 64 * 1024) flush();
    return true;
  }
  void flush() override {
    if (!out_.empty()) send_all(pub_, out_.data(), out_.size());
    out_.clear();
  }

 private:
  void read_loop(int fd, int index, NatsReader& reader) {
    std::string line;
    while (reader.line(line)) {
      if (line.rfind("MSG ", 0) == 0) {
        size_t size = std::stoul(line.substr(line.rfind(' ') + 1));
        const uint8_t* body = reader.bytes(size);
        if (!body) return;
        rx_.on_message(index, body, size);
      } else if (line == "PING") {
        send_all(fd, "PONG\r\n", 6);
      }
    }
  }
  Receivers& rx_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  int pub_ = -1;
  bool ready_ = false;
  std::vector<int> subs_;
  std::vector<std::thread> threads_;
  std::vector<char> out_;
};

// ---- Strata: a node per publisher and subscriber, on loopback ----

class StrataBus : public Bus {
 public:
  StrataBus(int subscribers, bool signatures, const std::string& topology, const std::string& verify_device,
            Receivers& rx)
      : signatures_(signatures) {
    StreamNode::Options o;
    o.signatures = signatures;
    o.verify_device = verify_device == "none" ? std::string() : verify_device;
    o.transport.peer_exchange = false;  // keep the chosen topology
    auto make = [&](uint8_t seed) {
      std::array<uint8_t, 32> key{};
      key.fill(seed);
      auto node = StreamNode::start(Identity::from_seed(key), o);
      if (!node.is_ok()) {
        std::fprintf(stderr, "stream_bench: %s\n", node.status().to_string().c_str());
        std::exit(1);
      }
      return std::move(node.value());
    };
    publisher_ = make(1);
    StreamMetadata meta;
    meta.id = "bench";
    meta.public_subscribe = true;
    if (!publisher_->create_stream(meta).is_ok()) std::exit(1);
    StreamNode* center = publisher_.get();
    if (topology == "hub") {
      relay_ = make(2);
      if (!relay_->transport().connect("127.0.0.1", publisher_->transport().port()).is_ok()) std::exit(1);
      center = relay_.get();
    }
    for (int i = 0; i < subscribers; ++i) {
      subs_.push_back(make(static_cast<uint8_t>(10 + i)));
      if (!subs_.back()->transport().connect("127.0.0.1", center->transport().port()).is_ok()) std::exit(1);
    }
    auto deadline = Clock::now() + std::chrono::seconds(10);
    for (int i = 0; i < subscribers; ++i) {
      while (!subs_[i]->registry().get("bench").is_ok() && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      auto handle = subs_[i]->subscribe("bench", 0, [&rx, i](const StreamMessage& m) {
        rx.on_message(i, m.payload.data(), m.payload.size());
      });
      if (!handle.is_ok()) std::exit(1);
    }
    while (center->peer_interest("bench", 0) < static_cast<size_t>(subscribers) && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    while (relay_ && publisher_->peer_interest("bench", 0) < 1 && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // With signatures, the throughput run publishes messages a client signed beforehand (as a
  // publisher holding its own key does, on its own machine): the publisher's node checks each
  // like every other hop, and the timed run is the nodes' work alone.
  void prepare(size_t messages, size_t size) override {
    presigned_.clear();
    next_ = 0;
    if (!signatures_) return;
    std::array<uint8_t, 32> seed{};
    seed.fill(1);  // the publisher node's key: the stream's owner
    Identity client = Identity::from_seed(seed);
    presigned_.resize(messages);
    uint64_t t0 = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    auto sign_range = [&](size_t from, size_t to) {
      for (size_t i = from; i < to; ++i) {
        StreamMessage& m = presigned_[i];
        m.stream_id = "bench";
        m.chain_id = "client";
        m.content_type = "application/octet-stream";
        m.ref = {t0, static_cast<uint32_t>(i)};
        m.has_prev = i > 0;
        if (m.has_prev) m.prev = {t0, static_cast<uint32_t>(i - 1)};
        m.payload.assign(size, 0x5a);
        std::memcpy(m.payload.data() + 8, &i, 8);
        m.sign(client);
      }
    };
    std::thread helper(sign_range, messages / 2, messages);
    sign_range(0, messages / 2);
    helper.join();
  }
  bool publish(const std::vector<uint8_t>& payload) override {
    if (next_ < presigned_.size()) {
      // A full queue refuses local messages at once: the client waits and offers it again.
      for (;;) {
        Status s = publisher_->publish_signed_queued(presigned_[next_]);
        if (s.code() != StatusCode::kUnavailable) {
          ++next_;
          return s.is_ok();
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
    return publisher_->publish("bench", 0, "application/octet-stream", payload).is_ok();
  }
  // Signature checks per message in the throughput run: the publisher's node, every subscriber's
  // node, and the relay's.
  int verifications_per_message() const { return 1 + static_cast<int>(subs_.size()) + (relay_ ? 1 : 0); }

 private:
  bool signatures_;
  std::unique_ptr<StreamNode> publisher_, relay_;
  std::vector<std::unique_ptr<StreamNode>> subs_;
  std::vector<StreamMessage> presigned_;
  size_t next_ = 0;
};

// libsodium's Ed25519 verification rate on every core, for messages of the given signed size.
double verify_rate(size_t signed_bytes, int threads) {
  std::vector<uint8_t> message(signed_bytes, 7);
  unsigned char pk[32], sk[64], sig[64];
  crypto_sign_keypair(pk, sk);
  crypto_sign_detached(sig, nullptr, message.data(), message.size(), sk);
  std::atomic<uint64_t> total{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (crypto_sign_verify_detached(sig, message.data(), message.size(), pk) != 0) std::abort();
        ++n;
      }
      total += n;
    });
  }
  auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& t : pool) t.join();
  return total / std::chrono::duration<double>(Clock::now() - start).count();
}

std::string find_nats(const std::string& given) {
  if (!given.empty()) return given;
  for (const char* p : {"/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

void print(const char* who, const Measurement& r) {
  if (!r.ok) {
    std::printf("  %-26s FAILED (messages lost or stalled)\n", who);
    return;
  }
  std::printf("  %-26s %10.0f msg/s   p50 %7.1f us   p99 %7.1f us\n", who, r.rate, r.p50_us, r.p99_us);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "stream_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--subscribers") o.subscribers = std::stoi(next());
    else if (a == "--messages") o.messages = std::stoul(next());
    else if (a == "--signed-messages") o.signed_messages = std::stoul(next());
    else if (a == "--topology") o.topology = next();
    else if (a == "--nats") o.nats = next();
    else if (a == "--only") {  // for profiling one system: nats, open or signed
      std::string only = next();
      o.run_nats = only == "nats";
      o.run_open = only == "open";
      o.run_signed = only == "signed";
    }
    else if (a == "--sizes") o.sizes = next();
    else if (a == "--latency-messages") o.latency_messages = std::stoul(next());
    else if (a == "--verify-device") o.verify_device = next();
    else {
      std::fprintf(stderr, "usage: stream_bench [--subscribers K] [--messages N] [--signed-messages N] "
                           "[--topology star|hub] [--sizes 100,4096] [--latency-messages N] "
                           "[--only nats|open|signed] [--nats PATH] [--verify-device auto|cpu|opencl|none]\n");
      return 2;
    }
  }
  if (o.subscribers < 1 || (o.topology != "star" && o.topology != "hub")) {
    std::fprintf(stderr, "stream_bench: need at least one subscriber and a topology of star or hub\n");
    return 2;
  }
  if (sodium_init() < 0) return 1;
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string nats = find_nats(o.nats);
  if (nats.empty()) {
    std::fprintf(stderr, "stream_bench: nats-server not found (scripts/setup.sh installs it; or --nats PATH)\n");
    return 1;
  }
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("stream_bench: 1 publisher, %d subscribers, topology %s, %d cores, loopback\n", o.subscribers,
              o.topology.c_str(), cores);
  bool all_ok = true;
  std::vector<size_t> sizes;
  for (size_t start = 0; start < o.sizes.size();) {
    size_t comma = o.sizes.find(',', start);
    if (comma == std::string::npos) comma = o.sizes.size();
    sizes.push_back(std::stoul(o.sizes.substr(start, comma - start)));
    start = comma + 1;
  }
  for (size_t size : sizes) {
    if (size < 16) {
      std::fprintf(stderr, "stream_bench: payloads carry a timestamp and a number: at least 16 bytes\n");
      return 2;
    }
    size_t n = size > 1000 ? o.messages / 4 : o.messages;
    std::printf("payload %zu B, %zu messages (latency: %zu at %d msg/s)\n", size, n, o.latency_messages, o.latency_rate);
    Measurement nats_r, ours, ours_signed;
    if (o.run_nats) {
      Receivers rx(o.subscribers);
      NatsBus bus(nats, o.subscribers, rx);
      if (!bus.ready()) {
        std::fprintf(stderr, "stream_bench: nats-server did not start\n");
        return 1;
      }
      nats_r = measure(bus, rx, size, n, o);
    }
    if (o.run_nats) print("nats", nats_r);
    if (o.run_open) {
      Receivers rx(o.subscribers);
      StrataBus bus(o.subscribers, false, o.topology, o.verify_device, rx);
      ours = measure(bus, rx, size, n, o);
    }
    if (o.run_open) print("strata, signatures off", ours);
    int per_message = 0;
    // The signed bytes: the payload plus the identification fields (about 150 bytes). The
    // machine's verify rate is taken just before and just after the signed run and averaged, so
    // drift in what the cores deliver affects both sides alike.
    size_t signed_size = size + 150;
    double capacity = 0;
    if (o.run_signed) {
      capacity = verify_rate(signed_size, cores);
      Receivers rx(o.subscribers);
      StrataBus bus(o.subscribers, true, o.topology, o.verify_device, rx);
      per_message = bus.verifications_per_message();
      ours_signed = measure(bus, rx, size, o.signed_messages, o);
      capacity = (capacity + verify_rate(signed_size, cores)) / 2;
    }
    if (o.run_signed) print("strata, signatures on", ours_signed);
    if (!(o.run_nats && o.run_open && o.run_signed)) continue;
    all_ok = all_ok && nats_r.ok && ours.ok && ours_signed.ok;
    if (!(nats_r.ok && ours.ok && ours_signed.ok)) continue;
    double achieved = ours_signed.rate * per_message;
    std::printf("  transport: throughput %.2f of nats (target >= 0.5), p99 %.2fx nats (target <= 2)\n",
                ours.rate / nats_r.rate, ours.p99_us / nats_r.p99_us);
    std::printf("  signatures: %d verifications per message (the publisher's node checks the client's signature "
                "too); libsodium verifies %.0f/s on %d cores\n",
                per_message, capacity, cores);
    std::printf("  signatures: %.0f msg/s x %d = %.0f verifications/s = %.2f of the verify rate (target >= 0.8)\n",
                ours_signed.rate, per_message, achieved, achieved / capacity);
  }
  return all_ok ? 0 : 1;
}
