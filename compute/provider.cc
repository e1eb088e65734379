#include "compute/provider.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "network/clock.h"
#include "compute/task_messages.h"

namespace strata::compute {

using network::BlobId;
using network::FrameType;
using network::NodeId;
using compute::TaskProposal;
using compute::TaskReply;
using Clock = std::chrono::steady_clock;

struct Provider::Impl {
  Impl(network::StreamNode& n, network::BlobStore& s, network::BlobService& b, OfferBook& o, const Families& f, Options opt)
      : node(n), store(s), blobs(b), book(o), families(f), options(std::move(opt)) {}

  struct Work {
    NodeId requestor{};
    TaskProposal proposal;
    Family* family = nullptr;  // the one that runs its kernel
  };

  network::StreamNode& node;
  network::BlobStore& store;
  network::BlobService& blobs;
  OfferBook& book;
  const Families& families;
  Options options;
  std::vector<std::unique_ptr<Device>> devices;
  std::unique_ptr<DevicePeers> peers;    // set when they share samples
  std::map<const Family*, ProviderContext> contexts;  // what each family's runners are lent

  mutable std::mutex mutex;
  std::condition_variable changed;       // work queued, or stopping
  std::condition_variable announce_wake;  // stopping (the announcer has its own, so no work wake-up goes to it)
  std::deque<Work> queue;
  std::set<std::pair<NodeId, std::string>> withdrawn;  // jobs their requestors cancelled
  size_t running = 0;
  std::map<const Device*, uint64_t> memory_in_use;  // the scene needs of the subtasks running on each device
  bool stopping = false;
  Counts counts;
  compute::Offer offer;
  std::vector<std::thread> threads;

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // A device's memory, or no limit when the device does not say.
  static uint64_t known_memory(const Device& d) { return d.info().memory_bytes ? d.info().memory_bytes : UINT64_MAX; }

  size_t slots() const { return peers ? 1 : std::max<uint32_t>(options.slots_per_device, 1); }
  size_t capacity() const { return (peers ? 1 : devices.size()) * (slots() + options.queue_per_device); }

  void reply(const NodeId& to, TaskReply r) { (void)node.transport().send(to, FrameType::kTaskReply, encode(r)); }

  void refuse(const NodeId& to, const TaskProposal& p, const std::string& why) {
    {
      std::lock_guard lock(mutex);
      ++counts.refused;
    }
    log("refused subtask " + std::to_string(p.subtask()) + " of job " + p.job_id() + ": " + why);
    reply(to, TaskReply{p.job_id(), p.subtask(), std::nullopt, why});
  }

  // The requestor withdrew a job: its queued subtasks go, and what is rendering for it is not
  // delivered.
  Status cancel(const network::PeerInfo& from, const network::FrameView& frame) {
    auto c = compute::decode_task_cancel(frame.payload);
    if (!c.is_ok()) return c.status();
    std::lock_guard lock(mutex);
    size_t before = queue.size();
    std::erase_if(queue, [&](const Work& w) { return w.requestor == from.id && w.proposal.job_id() == c->job_id; });
    counts.cancelled += before - queue.size();
    withdrawn.insert({from.id, c->job_id});
    return Status::ok();
  }

  Status handle(const network::PeerInfo& from, const network::FrameView& frame) {
    if (frame.type == FrameType::kTaskCancel) return cancel(from, frame);
    if (frame.type != FrameType::kTaskProposal) return invalid_argument("the provider handles task proposals only");
    auto proposal = compute::decode_task_proposal(frame.payload);
    if (!proposal.is_ok()) return proposal.status();  // malformed or forged: the peer is dropped
    TaskProposal& p = *proposal;
    if (network::node_id_of(p.agreement.requestor) != from.id) {
      return invalid_argument("task proposal: signed by another key than the peer's");
    }
    if (p.agreement.provider != node.identity().public_key()) {
      refuse(from.id, p, "the agreement names another provider");
      return Status::ok();
    }
    // Only the families offered have runners: one known but not offered (not chosen, or failing
    // its self-test here) is refused like an unknown one.
    Family* family = families.by_kernel(p.demand.kernel);
    if (!family || !contexts.count(family)) {
      refuse(from.id, p, "this provider does not run the kernel '" + p.demand.kernel + "'");
      return Status::ok();
    }
    if (Status task = family->check_task(p); !task.is_ok()) {
      refuse(from.id, p, "the task: " + task.message());
      return Status::ok();
    }
    if (p.agreement.price < price_of(p.demand.kernel)) {
      refuse(from.id, p, "the price " + std::to_string(p.agreement.price) + " is under this provider's " +
                             std::to_string(price_of(p.demand.kernel)) + " per 10^9 work units of " + p.demand.kernel);
      return Status::ok();
    }
    if (p.agreement.deadline <= network::now_ms()) {
      refuse(from.id, p, "the deadline has already passed");
      return Status::ok();
    }
    // Devices that share each subtask all hold the scene: the smallest must fit it.
    uint64_t memory = peers ? UINT64_MAX : 0;
    for (const auto& d : devices) memory = peers ? std::min(memory, known_memory(*d)) : std::max(memory, known_memory(*d));
    if (p.demand.min_memory_bytes > memory) {
      refuse(from.id, p, "the job needs " + std::to_string(p.demand.min_memory_bytes >> 20) +
                             " MiB of device memory; this provider's " + (peers ? "smallest" : "largest") +
                             " device has " + std::to_string(memory >> 20) + " MiB");
      return Status::ok();
    }
    std::unique_lock lock(mutex);
    if (stopping || queue.size() + running >= capacity()) {
      lock.unlock();
      refuse(from.id, p, "all " + std::to_string(capacity()) + " places are taken");
      return Status::ok();
    }
    p.agreement.sign_as_provider(node.identity());
    ++counts.accepted;
    TaskReply accepted{p.job_id(), p.subtask(), p.agreement, ""};
    queue.push_back(Work{from.id, std::move(p), family});
    lock.unlock();
    changed.notify_all();  // not every worker's devices may have the memory it needs
    reply(from.id, std::move(accepted));
    return Status::ok();
  }

  uint64_t price_of(const std::string& kernel) const {
    auto it = options.kernel_prices.find(kernel);
    return it == options.kernel_prices.end() ? options.price : it->second;
  }

  // A finished subtask on its way out: kept and announced by the delivery thread while the device
  // goes on with the next one.
  struct Delivery {
    Work work;
    TaskOutput output;
    double seconds = 0;
    std::string device;
  };
  std::deque<Delivery> deliveries;
  std::condition_variable delivery_ready;

  // What a worker keeps between its subtasks: a runner per family, made when first needed.
  using Runners = std::map<const Family*, std::unique_ptr<TaskRunner>>;

  // Runs one subtask on the worker's devices: one, or all of them sharing it.
  Status run(std::span<Device* const> mine, Runners& runners, const Work& work, Delivery& out) {
    std::unique_ptr<TaskRunner>& runner = runners[work.family];
    if (!runner) runner = work.family->runner(contexts.at(work.family));
    auto start = Clock::now();
    auto output = runner->run(mine, work.proposal, work.requestor);
    if (!output.is_ok()) return output.status();
    out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    out.output = std::move(*output);
    for (Device* d : mine) {
      if (!out.device.empty()) out.device += '+';
      out.device += d->info().id();
    }
    return Status::ok();
  }

  // Keeps the result for the requestor to fetch and announces it with its commitment. A result
  // can be made again, so it is not synced to disk: a crash loses it and the subtask is reassigned.
  Status deliver(const Delivery& d) {
    const TaskProposal& p = d.work.proposal;
    const std::vector<uint8_t>& bytes = d.output.bytes;
    auto id = store.put(bytes, network::BlobStore::Durability::kBuffered);
    if (!id.is_ok()) return id.status();
    compute::TaskResult announce{p.job_id(), p.subtask(), *id, bytes.size(), d.seconds * 1000.0, d.device};
    announce.merkle_root = d.output.commitment.merkle_root;
    announce.chunks = d.output.commitment.chunks;
    if (options.alter_announcement) options.alter_announcement(announce);
    std::vector<uint8_t> payload = encode(announce);
    // The requestor adds this provider to the stream's publishers before proposing; its metadata
    // may still be on its way.
    Status published;
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto m = node.publish(compute::job_results_stream(p.job_id()), 0, compute::kTaskResultContentType, payload);
      published = m.status();
      if (published.is_ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return published;
  }

  void fail(const Work& work, const std::string& where, const Status& s) {
    const TaskProposal& p = work.proposal;
    {
      std::lock_guard lock(mutex);
      ++counts.failed;
    }
    log("subtask " + std::to_string(p.subtask()) + " of job " + p.job_id() + " failed" + where + ": " + s.message());
    // Invalid input (a scene that does not load, a task that does not fit it) is the job's
    // fault; the requestor counts it against the job, not against this provider.
    reply(work.requestor,
          TaskReply{p.job_id(), p.subtask(), std::nullopt, s.message(), s.code() == StatusCode::kInvalidArgument});
  }

  void delivery_loop() {
    for (;;) {
      Delivery d;
      {
        std::unique_lock lock(mutex);
        delivery_ready.wait(lock, [&] { return stopping || !deliveries.empty(); });
        if (stopping) return;
        d = std::move(deliveries.front());
        deliveries.pop_front();
        if (withdrawn.count({d.work.requestor, d.work.proposal.job_id()})) {
          ++counts.cancelled;
          continue;
        }
      }
      if (Status s = status_of([&] { return deliver(d); }, "delivering the result"); !s.is_ok()) {
        fail(d.work, " to be delivered", s);
        continue;
      }
      std::lock_guard lock(mutex);
      ++counts.completed;
      counts.kernel_seconds += d.seconds;
    }
  }

  // Whether `w` may start on `mine` now: each device's memory holds its scene beside the scenes of
  // the subtasks already running there. The proposal was accepted because some device can.
  bool fits_now(const std::vector<Device*>& mine, const Work& w) const {
    uint64_t need = w.proposal.demand.min_memory_bytes;
    for (const Device* d : mine) {
      auto it = memory_in_use.find(d);
      uint64_t used = it == memory_in_use.end() ? 0 : it->second;
      if (need > known_memory(*d) || used > known_memory(*d) - need) return false;
    }
    return true;
  }

  void work_loop(std::vector<Device*> mine) {
    Runners runners;
    for (;;) {
      Delivery d;
      uint64_t need = 0;
      {
        std::unique_lock lock(mutex);
        std::deque<Work>::iterator next;
        auto ready = [&] {
          next = std::find_if(queue.begin(), queue.end(), [&](const Work& w) { return fits_now(mine, w); });
          return stopping || next != queue.end();
        };
        // With several slots a device's memory is counted by what runs on it, so an idle worker
        // frees what its runners keep (a scene) before it waits.
        if (!ready() && slots() > 1 && !runners.empty()) {
          lock.unlock();
          for (auto& [family, runner] : runners) runner->idle();
          lock.lock();
        }
        changed.wait(lock, ready);
        if (stopping) return;
        d.work = std::move(*next);
        queue.erase(next);
        need = d.work.proposal.demand.min_memory_bytes;
        for (const Device* device : mine) memory_in_use[device] += need;
        ++running;
        counts.most_running = std::max(counts.most_running, static_cast<uint32_t>(running));
      }
      auto peers = node.transport().peers();
      bool requestor_here = std::any_of(peers.begin(), peers.end(), [&](const auto& p) { return p.id == d.work.requestor; });
      Status s = d.work.proposal.agreement.deadline <= network::now_ms()
                     ? unavailable("the deadline passed before a device was free")
                 : !requestor_here ? unavailable("the requestor left the network")
                                   : status_of([&] { return run(mine, runners, d.work, d); }, "the subtask");
      {
        std::lock_guard lock(mutex);
        --running;
        for (const Device* device : mine) memory_in_use[device] -= need;
        if (s.is_ok()) deliveries.push_back(std::move(d));
      }
      changed.notify_all();  // memory came free
      if (s.is_ok()) {
        delivery_ready.notify_one();
      } else {
        fail(d.work, " on " + mine[0]->info().id() + (mine.size() > 1 ? " and the rig's other devices" : ""), s);
      }
    }
  }

  void announce_loop() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      offer.expires_at = network::now_ms() + static_cast<uint64_t>(options.offer_lifetime.count());
      offer.sign(node.identity());
      compute::Offer copy = offer;
      lock.unlock();
      book.announce(copy);
      lock.lock();
      announce_wake.wait_for(lock, options.announce_interval, [&] { return stopping; });
    }
  }
};

Provider::Provider(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Provider::~Provider() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->changed.notify_all();
  impl_->announce_wake.notify_all();
  impl_->delivery_ready.notify_all();
  for (auto& t : impl_->threads) t.join();
}

Result<std::unique_ptr<Provider>> Provider::start(network::StreamNode& node, network::BlobStore& store,
                                                  network::BlobService& blobs, OfferBook& book, const Families& families,
                                                  std::vector<std::unique_ptr<Device>> devices, Options options) {
  if (devices.empty()) return invalid_argument("a provider needs at least one device");
  if (options.work_dir.empty()) return invalid_argument("a provider needs a work directory");
  auto impl = std::make_unique<Impl>(node, store, blobs, book, families, std::move(options));
  const Options& o = impl->options;
  // Devices that share work get shares by their speeds, so those are measured even with --score.
  const bool sharing = o.share_samples && devices.size() > 1;
  compute::Offer& offer = impl->offer;
  for (auto& device : devices) {
    if (Status s = self_test(*device); !s.is_ok()) return s;
    const strata::DeviceInfo& info = device->info();
    offer.devices.push_back({info.name, backend_name(info.backend), info.memory_bytes});
  }
  if (sharing) {
    std::vector<Device*> all;
    for (auto& d : devices) all.push_back(d.get());
    auto peers = DevicePeers::create(all);
    if (!peers.is_ok()) return peers.status();
    impl->peers = std::move(*peers);
    impl->log("the " + std::to_string(all.size()) + " devices share each subtask; transfers: " + impl->peers->method());
  }
  for (const auto& [kernel, price] : o.kernel_prices) {
    if (!families.by_kernel(kernel)) return invalid_argument("a price for the kernel '" + kernel + "', which no family runs");
  }
  for (const std::string& name : o.families) {
    if (!families.by_name(name)) {
      return invalid_argument("no job family '" + name + "' to offer (known: " + families.names() + ")");
    }
  }
  for (const auto& family : families.all()) {
    if (!o.families.empty() && !o.families.count(family->name())) continue;
    // A family whose known-answer self-test fails on a device is not offered; the others still are.
    Status tested;
    for (auto& device : devices) {
      tested = family->self_test(*device);
      if (!tested.is_ok()) break;
    }
    if (!tested.is_ok()) {
      impl->log("not offering the " + family->name() + " family's kernels: " + tested.message());
      continue;
    }
    ProviderContext context{blobs, impl->peers.get(), {}, o.log};
    // Devices that share tasks work on each together; a family that does not share runs on the first.
    const bool shared = sharing && family->shares_tasks_across_devices();
    const size_t used = sharing && !shared ? 1 : devices.size();
    for (const std::string& kernel : family->kernels()) {
      const bool by_shares = shared && kernel == family->kernels()[0];  // its speeds split the work
      double speed = o.score;
      for (size_t d = 0; d < used; ++d) {
        if (o.score > 0 && !by_shares) continue;
        auto measured = family->speed(*devices[d], kernel);
        if (!measured.is_ok()) return measured.status();
        if (o.score <= 0) speed += *measured;
        if (by_shares) context.speeds.push_back(*measured);
      }
      offer.kernels.push_back({kernel, speed, impl->price_of(kernel)});
    }
    impl->contexts.emplace(family.get(), std::move(context));
  }
  if (offer.kernels.empty()) return unavailable("no family passed its self-tests on these devices");
  impl->devices = std::move(devices);
  offer.offer_id = network::to_hex(node.identity().node_id()).substr(0, 16);
  offer.max_subtasks = static_cast<uint32_t>(impl->capacity());
  if (impl->peers) offer.sample_pieces = std::min<uint32_t>(static_cast<uint32_t>(impl->devices.size()), compute::kMaxTaskPieces);
  Impl* raw = impl.get();
  if (raw->peers) {
    std::vector<Device*> all(raw->peers->devices().begin(), raw->peers->devices().end());
    raw->threads.emplace_back([raw, all] { raw->work_loop(all); });
  } else {
    for (auto& device : raw->devices) {
      for (size_t slot = 0; slot < raw->slots(); ++slot) {
        raw->threads.emplace_back([raw, d = device.get()] { raw->work_loop({d}); });
      }
    }
  }
  raw->threads.emplace_back([raw] { raw->announce_loop(); });
  raw->threads.emplace_back([raw] { raw->delivery_loop(); });
  return std::unique_ptr<Provider>(new Provider(std::move(impl)));
}

Status Provider::handle(const network::PeerInfo& from, const network::FrameView& frame) { return impl_->handle(from, frame); }

compute::Offer Provider::offer() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->offer;
}

std::string Provider::transfer() const { return impl_->peers ? impl_->peers->method() : std::string(); }

Provider::Counts Provider::counts() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counts;
}

}  // namespace strata::compute
