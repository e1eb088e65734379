#include <charconv>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <algorithm>
#include <map>
#include <optional>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "host/analytics/aggregate.h"
#include "compute/compute_node.h"
#include "compute/jobs_api.h"
#include "host/device.h"
#include "network/transport/address.h"
#include "network/api_server.h"
#include "network/api_token.h"
#include "network/private_file.h"
#include "network/rate_limited_log.h"
#include "network/transport/identity.h"

namespace strata::cli {
namespace {

struct NodeOptions {
  std::string data_dir = "strata-node";
  std::string listen = "127.0.0.1:0";
  std::string api = "127.0.0.1:7701";
  std::vector<std::string> api_hosts;
  std::vector<std::string> bootstrap;
  std::vector<std::string> roles = {"relay", "storage"};
  bool provide = false;
  bool share_samples = false;
  std::vector<std::string> devices = {"auto"};
  uint64_t price = 100;
  uint32_t queue = 2;
  uint32_t slots = 1;
  double score = 0;
  std::vector<std::string> kernel_prices;  // KERNEL=PRICE
  std::vector<std::string> families;       // offered; empty: all
  double subtask_seconds = 2.0;
  size_t analytics_batch_events = size_t(1) << 18;
  double min_deadline_seconds = 30.0;
  std::string verify_device = "auto";
};

int fail(const std::string& what) {
  std::fprintf(stderr, "strata node: %s\n", what.c_str());
  return 1;
}

int run_node(const NodeOptions& o) {
  auto listen = network::parse_host_port(o.listen, true);
  if (!listen.is_ok()) return fail("--listen " + listen.status().message());
  std::vector<network::HostPort> bootstrap;
  for (const std::string& b : o.bootstrap) {
    auto peer = network::parse_host_port(b);
    if (!peer.is_ok()) return fail("--bootstrap " + peer.status().message());
    bootstrap.push_back(*peer);
  }
  auto api_address = network::parse_host_port(o.api, true);
  if (!api_address.is_ok()) return fail("--api " + api_address.status().message());
  bool storage = false;
  for (const std::string& role : o.roles) {
    if (role == "storage") {
      storage = true;
    } else if (role != "relay") {
      return fail("--roles: unknown role '" + role + "' (known: relay, storage)");
    }
  }
  if (Status s = network::make_private_directory(o.data_dir); !s.is_ok()) return fail(s.message());
  auto identity = network::Identity::load_or_create(o.data_dir);
  if (!identity.is_ok()) return fail(identity.status().message());

  // Termination signals are taken synchronously by this thread (sigwait) below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  compute::ComputeNode::Options options;
  options.data_dir = o.data_dir;
  options.storage = storage;
  // What the node refuses and whom it drops goes to stderr as it happens; what its provider and
  // requestor do goes to stdout.
  // Rate-limited: a flood of bad connections or messages costs a few lines.
  auto to_stderr = std::make_shared<network::RateLimitedLog>([](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  });
  options.stream.transport.on_drop = [to_stderr](const std::string& what) { (*to_stderr)("dropped peer " + what); };
  options.stream.transport.log = [to_stderr](const std::string& what) { (*to_stderr)("peer port: " + what); };
  options.stream.on_refuse = [to_stderr](const std::string& what) { (*to_stderr)("refused from " + what); };
  options.stream.verify_device = o.verify_device == "none" ? std::string() : o.verify_device;
  options.stream.transport.listen_host = listen->host;
  options.stream.transport.listen_port = listen->port;
  auto log = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  options.provider.log = log;
  options.requestor.log = log;
  if (!(o.subtask_seconds > 0) || !(o.min_deadline_seconds > 0)) {
    return fail("--subtask-seconds and --min-deadline must be positive");
  }
  options.families.render.plan.target_seconds = o.subtask_seconds;
  options.families.proof.plan.target_seconds = o.subtask_seconds;
  if (o.analytics_batch_events == 0 || o.analytics_batch_events > analytics::kMaxBatchEvents) {
    return fail("--analytics-batch-events from 1 to " + std::to_string(analytics::kMaxBatchEvents));
  }
  options.families.analytics.batch_events = o.analytics_batch_events;
  options.requestor.min_deadline = std::chrono::milliseconds(static_cast<int64_t>(o.min_deadline_seconds * 1000));
  if (o.provide) {
    for (const std::string& spec : o.devices) {
      auto device = open_device(spec);
      if (!device.is_ok()) return fail("--device " + spec + ": " + device.status().message());
      options.provide.push_back(std::move(*device));
    }
    options.provider.price = o.price;
    options.provider.families = {o.families.begin(), o.families.end()};
    for (const std::string& kp : o.kernel_prices) {
      size_t eq = kp.find('=');
      uint64_t price = 0;
      const char* end = kp.data() + kp.size();
      bool parsed = eq != std::string::npos && eq > 0 && eq + 1 < kp.size();
      if (parsed) {
        auto [ptr, ec] = std::from_chars(kp.data() + eq + 1, end, price);
        parsed = ec == std::errc() && ptr == end;  // a number past 2^64 is refused, not read as 0
      }
      if (!parsed) return fail("--kernel-price '" + kp + "' must be KERNEL=PRICE (a whole number per 10^9 work units, below 2^64)");
      options.provider.kernel_prices[kp.substr(0, eq)] = price;
    }
    options.provider.queue_per_device = o.queue;
    if (o.slots == 0 || o.slots > 64) return fail("--slots must be between 1 and 64");
    options.provider.slots_per_device = o.slots;
    options.provider.score = o.score;
    options.provider.share_samples = o.share_samples;
  }
  auto compute_node = compute::ComputeNode::start(*identity, std::move(options));
  if (!compute_node.is_ok()) return fail(compute_node.status().message());
  network::StreamNode& stream_node = (*compute_node)->stream_node();
  network::TransportNode* node = &stream_node.transport();
  auto token = network::load_or_create_api_token(o.data_dir);
  if (!token.is_ok()) return fail(token.status().message());
  network::ApiServer::Options api_options;
  api_options.token = *token;
  api_options.host_names = o.api_hosts;
  api_options.log = [to_stderr](const std::string& what) { (*to_stderr)("API port: " + what); };
  api_options.host = api_address->host;
  api_options.port = api_address->port;
  api_options.upload_paths = {"blobs"};
  api_options.routes = compute::jobs_routes(**compute_node);
  api_options.stream_alias = compute::jobs_stream_alias;
  auto api = network::ApiServer::start(stream_node, api_options);
  if (!api.is_ok()) return fail(api.status().message());
  std::printf("node %s listening on %s:%u (data %s, roles %s)\n", network::to_hex(identity->node_id()).c_str(),
              listen->host.c_str(), static_cast<unsigned>(node->port()), o.data_dir.c_str(), storage ? "relay,storage" : "relay");
  std::printf("API listening on http://%s:%u/api/v1/ (token in %s/%s)\n", api_address->host.c_str(),
              static_cast<unsigned>((*api)->port()), o.data_dir.c_str(), network::kApiTokenFile);
  if (compute::Provider* provider = (*compute_node)->provider()) {
    compute::Offer offer = provider->offer();
    std::string devices;
    for (const auto& d : offer.devices) devices += (devices.empty() ? "" : ", ") + d.backend + " " + d.name;
    std::printf("providing %s, %u subtasks at a time:\n", devices.c_str(), offer.max_subtasks);
    for (const compute::KernelOffer& k : offer.kernels) {
      std::printf("  %-20s %10.4g work units/s at %llu per 10^9\n", k.kernel.c_str(), k.speed,
                  static_cast<unsigned long long>(k.price));
    }
    if (!provider->transfer().empty()) {
      std::printf("the devices share each subtask's samples (transfers: %s)\n", provider->transfer().c_str());
    }
  }
  std::fflush(stdout);

  // Bootstrap peers are dialled until connected, backing off from 0.5 s to 30 s after failures,
  // and dialled again (the backoff starting over) when a connection to one is lost.
  std::mutex mutex;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::thread dialer([&] {
    using Clock = std::chrono::steady_clock;
    struct Dial {
      network::HostPort where;
      std::optional<network::NodeId> peer;  // while connected
      std::chrono::milliseconds backoff{0};
      Clock::time_point next{};
    };
    std::vector<Dial> dials;
    for (const auto& b : bootstrap) dials.push_back(Dial{b, std::nullopt, {}, {}});
    std::unique_lock lock(mutex);
    while (!stopping) {
      auto now = Clock::now();
      auto wake = now + std::chrono::seconds(1);  // how often a lost connection is noticed
      std::vector<network::PeerInfo> peers = node->peers();
      for (Dial& d : dials) {
        if (d.peer) {
          bool still = std::any_of(peers.begin(), peers.end(), [&](const auto& p) { return p.id == *d.peer; });
          if (still) continue;
          std::printf("peer %s at %s lost; dialling again\n", network::to_hex(*d.peer).c_str(), d.where.to_string().c_str());
          d.peer.reset();
          d.backoff = {};
          d.next = now;
        }
        if (now < d.next) {
          wake = std::min(wake, d.next);
          continue;
        }
        lock.unlock();
        auto peer = node->connect(d.where.host, d.where.port);
        lock.lock();
        if (peer.is_ok()) {
          d.peer = peer->id;
          d.backoff = {};
          std::printf("peer %s connected (%s)\n", network::to_hex(peer->id).c_str(), d.where.to_string().c_str());
        } else {
          d.backoff = d.backoff.count() == 0 ? std::chrono::milliseconds(500) : std::min(d.backoff * 2, std::chrono::milliseconds(30000));
          d.next = Clock::now() + d.backoff;
          wake = std::min(wake, d.next);
          std::printf("bootstrap %s: %s; retrying in %lld ms\n", d.where.to_string().c_str(), peer.status().message().c_str(),
                      static_cast<long long>(d.backoff.count()));
        }
        std::fflush(stdout);
      }
      stop_cv.wait_until(lock, wake, [&] { return stopping; });
    }
  });

  int sig = 0;
  sigwait(&signals, &sig);
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  stop_cv.notify_all();
  dialer.join();
  std::printf("node stopping (signal %d)\n", sig);
  std::fflush(stdout);
  return 0;
}

}  // namespace

Runner add_node_command(CLI::App& app) {
  auto o = std::make_shared<NodeOptions>();
  auto* cmd = app.add_subcommand("node", "Run a node: identity, transport, stream layer, jobs (and with --provide, the host scheduler) and its HTTP/WebSocket API");
  cmd->add_option("--data", o->data_dir, "Data directory (holds identity.key)");
  cmd->add_option("--listen", o->listen, "Listen address HOST:PORT (port 0: any free port)");
  cmd->add_option("--bootstrap", o->bootstrap, "Peers to connect to, HOST:PORT")->delimiter(',');
  cmd->add_option("--api", o->api, "HTTP/WebSocket API address HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--api-host", o->api_hosts,
                  "Names (or NAME:PORT) besides the API's address that clients may use in their Host header")
      ->delimiter(',');
  cmd->add_option("--roles", o->roles, "Roles: relay (always), storage (keep messages, answer resends)")
      ->capture_default_str()
      ->delimiter(',');
  cmd->add_flag("--provide", o->provide, "Offer this node's devices for render work (the host scheduler)");
  cmd->add_option("--device", o->devices, "Devices to provide: auto, cpu, opencl[:N], cuda[:N]")
      ->capture_default_str()
      ->delimiter(',');
  cmd->add_option("--price", o->price, "Price per 10^9 work units of every kernel (render: pixel-samples) when providing")->capture_default_str();
  cmd->add_option("--queue", o->queue, "Accepted subtasks waiting for each device, beyond those it runs")
      ->capture_default_str();
  cmd->add_option("--slots", o->slots,
                  "Subtasks each device renders at once, as far as its memory holds their scenes")
      ->capture_default_str();
  cmd->add_flag("--share-samples", o->share_samples,
                "All devices work on each subtask together, each rendering a share of its samples; the shares are "
                "summed on the first device (moved there with NCCL between CUDA GPUs)");
  cmd->add_option("--families", o->families, "The job families to offer when providing: render, proof, analytics (default: all)")
      ->delimiter(',');
  cmd->add_option("--kernel-price", o->kernel_prices,
                  "A price per 10^9 work units for one kernel, over --price, as KERNEL=PRICE (e.g. proof/ed25519-v1=5)")
      ->delimiter(',');
  cmd->add_option("--score", o->score, "Advertised speed in work units/s for every kernel (default: each measured at start)");
  cmd->add_option("--subtask-seconds", o->subtask_seconds, "Jobs submitted here: a subtask's time on the slowest provider")
      ->capture_default_str();
  cmd->add_option("--analytics-batch-events", o->analytics_batch_events,
                  "Analytics jobs submitted here: on-time events per subtask")
      ->capture_default_str();
  cmd->add_option("--verify-device", o->verify_device,
                  "Where peers' message signatures are checked in batches: auto (CUDA, else OpenCL, else libsodium "
                  "off the network thread), cpu, opencl[:N], cuda[:N]; none: one at a time on the network thread")
      ->capture_default_str();
  cmd->add_option("--min-deadline", o->min_deadline_seconds,
                  "Jobs submitted here: seconds a provider has at least for a subtask before it is reassigned")
      ->capture_default_str();
  return [o] { return run_node(*o); };
}

}  // namespace strata::cli
