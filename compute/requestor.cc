#include "compute/requestor.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "ledger/receipt.h"
#include "network/clock.h"
#include "network/json_text.h"
#include "network/node_db.h"
#include "compute/task_messages.h"
#include "verifier/reputation.h"

namespace strata::compute {

using json = nlohmann::json;
using network::BlobId;
using network::FrameType;
using compute::JobRecord;
using compute::JobState;
using network::NodeId;
using compute::PlannedTask;
using compute::SubtaskRecord;
using compute::SubtaskState;

namespace {

// The longest a subtask may be out, whatever its work and its provider's claimed speed.
constexpr std::chrono::milliseconds kMaxDeadline = std::chrono::hours(24);

std::string new_job_id(const network::Identity& identity, const JobSpec& spec) {
  std::random_device rd;
  std::string seed = network::to_hex(identity.public_key()) + spec.family + spec.spec.dump() + std::to_string(network::now_ms()) + ":" +
                     std::to_string(rd()) + std::to_string(rd());
  BlobId h = network::blob_id_of(std::span(reinterpret_cast<const uint8_t*>(seed.data()), seed.size()));
  return network::to_hex(h).substr(0, 16);
}

}  // namespace

struct Requestor::Impl {
  Impl(network::StreamNode& n, network::BlobStore& s, network::BlobService& b, compute::JobStore& j, OfferBook& o,
       verifier::ReputationStore& rep, const Families& f, Options opt)
      : node(n),
        store(s),
        blobs(b),
        jobs(j),
        book(o),
        reputation(rep),
        families(f),
        options(std::move(opt)),
        context{s, options.image_dir, options.work_dir} {}

  struct Run {
    JobRecord job;
    std::vector<SubtaskRecord> subtasks;  // mirrors the store
    std::set<NodeId> publishers;          // allowed on the result stream
    compute::Demand demand;
    uint64_t subscription = 0;
    size_t accepted = 0;
    // The family's side of the job. Accepted results are accumulated into its output strictly in
    // subtask order (so the output's bits are the same however results arrived); later ones wait
    // until their turn.
    std::shared_ptr<FamilyJob> family;
    uint32_t merged = 0;
    std::map<uint32_t, std::vector<uint8_t>> waiting;
    std::set<uint32_t> agreed;  // assigned subtasks whose provider has signed the agreement
    std::map<uint32_t, compute::Agreement> agreements;  // the current assignment's, as proposed
    std::set<NodeId> caught;  // providers caught with a wrong result in this job: none of its work
    // Providers on which each subtask's input failed: on two, the job fails (not the providers).
    std::map<uint32_t, std::set<NodeId>> bad_input_on;
    // Redundancy: each checked original's twins (job.twin_of the other way round).
    std::map<uint32_t, std::vector<uint32_t>> twins;
    uint32_t original_of(uint32_t index) const {
      auto it = job.twin_of.find(index);
      return it == job.twin_of.end() ? index : it->second;
    }
    // The original and its twins, or the subtask alone.
    std::vector<uint32_t> group(uint32_t index) const {
      uint32_t o = original_of(index);
      std::vector<uint32_t> g{o};
      if (auto it = twins.find(o); it != twins.end()) g.insert(g.end(), it->second.begin(), it->second.end());
      return g;
    }
    bool checked(uint32_t original) const { return twins.count(original) > 0; }
    uint32_t originals() const { return job.originals ? job.originals : uint32_t(subtasks.size()); }
    bool complete() const {
      if (accepted != subtasks.size()) return false;
      for (const auto& [o, t] : twins) {
        if (!job.resolved.count(o)) return false;
      }
      return true;
    }
  };
  struct Fetch {
    std::string job_id;
    NodeId provider{};
    compute::TaskResult result;
  };
  struct Proposal {
    NodeId provider{};
    std::string stream;
    std::set<NodeId> publishers;  // non-empty: the stream's publishers must become these first
    std::vector<uint8_t> frame;
  };
  using Event = std::pair<std::string, json>;  // (job, progress event)

  network::StreamNode& node;
  network::BlobStore& store;
  network::BlobService& blobs;
  compute::JobStore& jobs;
  OfferBook& book;
  verifier::ReputationStore& reputation;
  const Families& families;
  Options options;
  JobContext context;  // what the families' jobs may use

  std::mutex mutex;  // runs, backoff; never held while calling into the node
  std::map<std::string, Run> runs;
  std::map<NodeId, uint64_t> backoff_until;  // providers that refused or failed, rested a moment


  // Verification, one result at a time (the device is shared by the fetch threads).
  std::mutex verify_mutex;
  std::unique_ptr<Device> verify_device;

  std::mutex fetch_mutex;
  std::condition_variable fetch_ready;
  std::deque<Fetch> fetches;
  bool stopping = false;
  std::vector<std::thread> threads;
  std::condition_variable stop_signal;

  void log(const std::string& line) {
    if (options.log) options.log(line);
  }

  // A durable write whose failure cannot undo what happened (a count, a state already in force
  // here) is reported, never dropped.
  void report_failed_write(const Status& s, const std::string& what) {
    if (!s.is_ok()) log("cannot record " + what + ": " + s.message());
  }

  void publish_events(const std::vector<Event>& events) {
    for (const auto& [job, event] : events) {
      std::string text = network::dump_json(event);
      (void)node.publish(compute::job_progress_stream(job), 0, "application/json",
                         std::vector<uint8_t>(text.begin(), text.end()));
    }
  }

  // Fails the job for good, with the reason, in the store and the mirror (under `mutex`); the
  // caller closes the run once it has let go of the lock.
  void fail_job(Run& run, const std::string& reason) {
    log("job " + run.job.id + ": failed: " + reason);
    if (Status s = jobs.set_state(run.job.id, JobState::kFailed, reason); !s.is_ok()) {
      log("job " + run.job.id + ": cannot record its failure: " + s.message());
    }
    run.job.state = JobState::kFailed;
    run.job.error = reason;
  }

  // Back to pending, in the store and the mirror; an event says why.
  void release(Run& run, SubtaskRecord& r, const std::string& why, std::vector<Event>& events) {
    if (r.state != SubtaskState::kAssigned) return;
    if (Status s = jobs.release(run.job.id, r.task.index); !s.is_ok()) {
      log("job " + run.job.id + ": cannot release subtask " + std::to_string(r.task.index) + ": " + s.message());
      return;
    }
    r.state = SubtaskState::kPending;
    run.agreed.erase(r.task.index);
    run.agreements.erase(r.task.index);
    events.push_back({run.job.id, {{"event", "reassigned"}, {"subtask", r.task.index}, {"reason", why}}});
    log("job " + run.job.id + ": subtask " + std::to_string(r.task.index) + " goes back to be reassigned: " + why);
  }

  // The family's side of a stored job, read again from its spec.
  Result<std::shared_ptr<FamilyJob>> reopen(const JobRecord& job) {
    Family* family = families.by_name(job.family);
    if (!family) return invalid_argument("job " + job.id + " is of the family '" + job.family + "', unknown here");
    json spec = json::parse(job.spec, nullptr, false);
    if (!spec.is_object()) return internal_error("job " + job.id + ": its stored spec is damaged");
    auto opened = family->open(spec, context);
    if (!opened.is_ok()) return opened.status();
    return std::shared_ptr<FamilyJob>(std::move(*opened));
  }

  Status open_run(const JobRecord& job, Run& run) {
    run.job = job;
    if (!run.family) {
      auto family = reopen(job);
      if (!family.is_ok()) return family.status();
      run.family = std::move(*family);
    }
    auto subtasks = jobs.subtasks(job.id);
    if (!subtasks.is_ok()) return subtasks.status();
    run.subtasks = std::move(*subtasks);
    for (const SubtaskRecord& r : run.subtasks) run.accepted += r.state == SubtaskState::kAccepted;
    for (const auto& [twin, original] : job.twin_of) run.twins[original].push_back(twin);
    for (const std::string& stream : {compute::job_results_stream(job.id), compute::job_progress_stream(job.id)}) {
      auto known = node.registry().get(stream);
      if (known.is_ok()) {
        if (stream == compute::job_results_stream(job.id)) run.publishers = known->publishers;
        continue;
      }
      network::StreamMetadata m;
      m.id = stream;
      m.partitions = 1;
      m.public_subscribe = false;  // only this node: results are not for others to copy
      auto created = node.create_stream(std::move(m));
      if (!created.is_ok()) return created.status();
    }
    run.demand = demand_for(job);
    for (const SubtaskRecord& r : run.subtasks) run.demand.work += r.task.work;
    run.demand.sign(node.identity());
    std::string id = job.id;
    auto handle = node.subscribe(compute::job_results_stream(job.id), 0,
                                 [this, id](const network::StreamMessage& m) { on_result(id, m); });
    if (!handle.is_ok()) return handle.status();
    run.subscription = *handle;
    return Status::ok();
  }

  // The offers that can serve `demand`, best first: excluded providers dropped, then by price
  // over reliability (a provider that loses half its subtasks costs twice as much), the faster
  // first where that ties.
  std::vector<compute::Offer> rank(const compute::Demand& demand, const std::vector<compute::Offer>& offers, uint64_t now) {
    std::vector<std::pair<double, compute::Offer>> keyed;
    // The book's offers were checked when they arrived; this runs every scheduling round.
    for (compute::Offer& o : compute::match_offers(demand, offers, now, network::SignatureCheck::kSkip)) {
      verifier::ProviderRecord rec = reputation.get(network::node_id_of(o.provider));
      if (rec.excluded && options.exclude_caught) continue;
      keyed.emplace_back(double(o.find(demand.kernel)->price) / rec.reliability(), std::move(o));
    }
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<compute::Offer> out;
    for (auto& [cost, o] : keyed) out.push_back(std::move(o));
    return out;
  }

  // What a job asks of providers (unsigned, without its work, which the plan decides).
  compute::Demand demand_for(const JobRecord& job) const {
    compute::Demand d;
    d.requestor = node.identity().public_key();
    d.job_id = job.id;
    d.kernel = job.kernel;
    d.max_price = job.max_price;
    d.min_memory_bytes = job.min_memory;
    return d;
  }

  // The offers that can serve `demand` now from providers this node is connected to, best first.
  std::vector<compute::Offer> usable_offers(const compute::Demand& demand, uint64_t now) {
    std::set<NodeId> peers;
    for (const network::PeerInfo& p : node.transport().peers()) peers.insert(p.id);
    std::vector<compute::Offer> out;
    for (compute::Offer& o : rank(demand, book.offers(now), now)) {
      if (peers.count(network::node_id_of(o.provider))) out.push_back(std::move(o));
    }
    return out;
  }

  Result<JobRecord> submit(const JobSpec& spec) {
    if (!(spec.redundancy >= 0 && spec.redundancy <= 1)) {
      return invalid_argument("redundancy " + std::to_string(spec.redundancy) +
                              " must be a share of the subtasks from 0 to 1");
    }
    Family* family = families.by_name(spec.family);
    if (!family) return invalid_argument("unknown job family '" + spec.family + "' (known: " + families.names() + ")");
    if (!spec.spec.is_object()) return invalid_argument("a job's spec must be a JSON object");
    auto opened = family->open(spec.spec, context);
    if (!opened.is_ok()) return opened.status();
    std::shared_ptr<FamilyJob> family_job(std::move(*opened));
    JobRecord job;
    job.id = new_job_id(node.identity(), spec);
    job.family = spec.family;
    job.kernel = family_job->kernel();
    job.max_price = spec.max_price;
    job.redundancy = spec.redundancy;
    job.created_at = network::now_ms();
    job.min_memory = family_job->min_memory();

    std::vector<ProviderSpeed> speeds;
    for (const compute::Offer& o : usable_offers(demand_for(job), network::now_ms())) {
      speeds.push_back({o.find(job.kernel)->speed, o.sample_pieces});
    }
    if (speeds.empty()) {
      return unavailable("no connected provider offers " + job.kernel + " at or under " + std::to_string(job.max_price) +
                         " per 10^9 work units with " + std::to_string(job.min_memory >> 20) + " MiB of device memory");
    }
    if (job.redundancy > 0 && speeds.size() < 2) {
      return unavailable("redundancy needs at least two connected providers, since twins never share one; " +
                         std::to_string(speeds.size()) + " offers this job's work");
    }
    auto plan = family_job->plan(job.id, speeds);
    if (!plan.is_ok()) return plan.status();
    job.spec = family_job->spec().dump();
    // Redundancy: the checked subtasks are drawn from the job id, and their twins (the same work
    // under other indices) follow the originals; providers cannot tell which is which.
    job.originals = static_cast<uint32_t>(plan->size());
    for (uint32_t i = 0; i < job.originals && job.redundancy > 0; ++i) {
      std::string key = job.id + ":" + std::to_string(i);
      BlobId h = network::blob_id_of(std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
      uint64_t draw = 0;
      for (int b = 0; b < 8; ++b) draw = (draw << 8) | h[b];
      if (double(draw) / 18446744073709551616.0 < job.redundancy) {
        auto twin = family_job->twin((*plan)[i], static_cast<uint32_t>(plan->size()));
        if (!twin.is_ok()) return twin.status();
        job.twin_of[twin->index] = i;
        plan->push_back(std::move(*twin));
      }
    }
    STRATA_RETURN_IF_ERROR(jobs.create(job, *plan));
    Run run;
    run.family = std::move(family_job);
    STRATA_RETURN_IF_ERROR(open_run(job, run));
    size_t total = run.subtasks.size();
    {
      std::lock_guard lock(mutex);
      runs[job.id] = std::move(run);
    }
    publish_events({{job.id, {{"event", "submitted"}, {"total", total}, {"providers", speeds.size()}}}});
    log("job " + job.id + ": " + std::to_string(total) + " subtasks over " + std::to_string(speeds.size()) +
        " providers");
    return job;
  }

  // One round: overdue and orphaned assignments back to pending, pending subtasks proposed to
  // providers with room.
  void tick() {
    uint64_t now = network::now_ms();
    std::set<NodeId> peers;
    for (const network::PeerInfo& p : node.transport().peers()) peers.insert(p.id);
    std::vector<compute::Offer> offers = book.offers(now);
    std::vector<Proposal> proposals;
    std::vector<Event> events;
    Receipts receipts;
    std::vector<std::string> to_finish, to_close;
    {
      std::lock_guard lock(mutex);
      // Twins accepted before a restart, not yet compared.
      for (auto& [id, run] : runs) {
        if (run.job.state != JobState::kRunning) continue;
        bool settled_any = false;
        for (const auto& [original, twins] : std::map<uint32_t, std::vector<uint32_t>>(run.twins)) {
          if (run.job.resolved.count(original)) continue;
          std::vector<uint32_t> g = run.group(original);
          if (std::all_of(g.begin(), g.end(), [&](uint32_t m) { return run.subtasks[m].state == SubtaskState::kAccepted; })) {
            resolve_twins(run, original, events, receipts);
            settled_any = true;
          }
        }
        if (settled_any) {
          merge_ready(run);
          if (run.job.state == JobState::kFailed) {
            to_close.push_back(id);
            events.push_back({id, {{"event", "failed"}, {"error", run.job.error}}});
          } else if (run.complete()) {
            to_finish.push_back(id);
          }
        }
      }
      std::map<NodeId, size_t> in_flight;
      for (auto& [id, run] : runs) {
        for (SubtaskRecord& r : run.subtasks) {
          if (r.state != SubtaskState::kAssigned) continue;
          if (!peers.count(r.provider)) {
            NodeId gone = r.provider;
            release(run, r, "provider " + network::short_id(gone) + " left the network", events);
            report_failed_write(reputation.record(gone, verifier::ReputationStore::Outcome::kFailure).status(), "a failure");
          } else if (r.deadline <= now) {
            NodeId late = r.provider;
            release(run, r, "provider " + network::short_id(late) + " missed the deadline", events);
            report_failed_write(reputation.record(late, verifier::ReputationStore::Outcome::kTimeout).status(), "a timeout");
            backoff_until[late] = now + 5000;
          } else {
            ++in_flight[r.provider];
          }
        }
      }
      for (auto& [id, run] : runs) {
        if (run.accepted == run.subtasks.size()) continue;
        std::vector<compute::Offer> ranked;
        for (const compute::Offer& o : rank(run.demand, offers, now)) {
          NodeId provider = network::node_id_of(o.provider);
          if (peers.count(provider) && backoff_until[provider] <= now && !run.caught.count(provider)) ranked.push_back(o);
        }
        for (SubtaskRecord& r : run.subtasks) {
          if (r.state != SubtaskState::kPending) continue;
          // Twins of one subtask go to different providers, or they prove nothing.
          std::set<NodeId> in_group;
          for (uint32_t m : run.group(r.task.index)) {
            if (m != r.task.index && run.subtasks[m].state != SubtaskState::kPending) in_group.insert(run.subtasks[m].provider);
          }
          // Nor does its input go back to a provider it already failed on: the next one decides.
          if (auto bad = run.bad_input_on.find(run.original_of(r.task.index)); bad != run.bad_input_on.end()) {
            in_group.insert(bad->second.begin(), bad->second.end());
          }
          const compute::Offer* chosen = nullptr;
          for (const compute::Offer& o : ranked) {
            if (in_group.count(network::node_id_of(o.provider))) continue;
            if (in_flight[network::node_id_of(o.provider)] < o.max_subtasks) {
              chosen = &o;
              break;
            }
          }
          if (!chosen) break;
          NodeId provider = network::node_id_of(chosen->provider);
          double expected_ms = 1000.0 * double(r.task.work) / chosen->find(run.job.kernel)->speed;
          // Capped: an offer claiming a tiny speed must not buy a deadline that never comes.
          double allowed_ms = std::clamp(options.deadline_factor * expected_ms, double(options.min_deadline.count()),
                                         double(kMaxDeadline.count()));
          uint64_t deadline = now + static_cast<uint64_t>(allowed_ms);
          if (Status s = jobs.assign(run.job.id, r.task.index, provider, deadline); !s.is_ok()) {
            log("job " + run.job.id + ": cannot assign subtask " + std::to_string(r.task.index) + ": " + s.message());
            break;
          }
          r.state = SubtaskState::kAssigned;
          r.provider = provider;
          r.deadline = deadline;
          ++r.attempts;
          ++in_flight[provider];

          compute::Agreement agreement;
          agreement.job_id = run.job.id;
          agreement.provider = chosen->provider;
          agreement.subtasks = {r.task.index};
          agreement.price = chosen->find(run.job.kernel)->price;
          agreement.deadline = deadline;
          Proposal p;
          p.provider = provider;
          p.stream = compute::job_results_stream(run.job.id);
          if (run.publishers.insert(provider).second) p.publishers = run.publishers;
          compute::TaskProposal proposal = compute::make_proposal(std::move(agreement), r.task.bytes, run.demand, node.identity());
          run.agreements[r.task.index] = proposal.agreement;
          p.frame = encode(proposal);
          proposals.push_back(std::move(p));
        }
      }
    }
    for (auto& [to, bytes] : receipts) (void)node.transport().send(to, FrameType::kReceipt, std::move(bytes));
    for (const std::string& id : to_close) close_run(id);
    publish_events(events);
    for (const std::string& id : to_finish) finish(id);
    for (Proposal& p : proposals) {
      // The provider may publish results only once the stream says so; the metadata goes out
      // first on the same connection.
      if (!p.publishers.empty()) {
        auto m = node.set_permissions(p.stream, p.publishers, {}, false);
        if (!m.is_ok()) log("cannot add a publisher to " + p.stream + ": " + m.status().message());
      }
      (void)node.transport().send(p.provider, FrameType::kTaskProposal, std::move(p.frame));
    }
  }

  Status handle(const network::PeerInfo& from, const network::FrameView& frame) {
    if (frame.type != FrameType::kTaskReply) return invalid_argument("the requestor handles task replies only");
    auto reply = compute::decode_task_reply(frame.payload);
    if (!reply.is_ok()) return reply.status();
    if (reply->agreement) {
      if (network::node_id_of(reply->agreement->provider) != from.id ||
          reply->agreement->requestor != node.identity().public_key()) {
        return invalid_argument("task reply: the agreement is not between this node and the peer");
      }
      // Agreed; the result will come on the stream.
      std::lock_guard lock(mutex);
      auto it = runs.find(reply->job_id);
      if (it != runs.end() && reply->subtask < it->second.subtasks.size()) {
        const SubtaskRecord& r = it->second.subtasks[reply->subtask];
        if (r.state == SubtaskState::kAssigned && r.provider == from.id) it->second.agreed.insert(reply->subtask);
      }
      return Status::ok();
    }
    std::vector<Event> events;
    std::string job_failed;
    {
      std::lock_guard lock(mutex);
      auto it = runs.find(reply->job_id);
      if (it == runs.end() || reply->subtask >= it->second.subtasks.size()) return Status::ok();
      SubtaskRecord& r = it->second.subtasks[reply->subtask];
      if (r.state != SubtaskState::kAssigned || r.provider != from.id) return Status::ok();
      // A refusal is a provider's right; failing what it agreed to counts against it, unless
      // the input was at fault: then two providers failing on it fail the job, so no subtask
      // goes round for ever.
      Run& run = it->second;
      bool failed = run.agreed.count(reply->subtask) > 0;
      release(run, r, "provider " + network::short_id(from.id) + ": " + reply->error, events);
      if (failed && reply->bad_input) {
        std::set<NodeId>& on = run.bad_input_on[run.original_of(reply->subtask)];
        on.insert(from.id);
        if (on.size() >= 2) {
          fail_job(run, "subtask " + std::to_string(reply->subtask) + " failed on two providers: " + reply->error);
          job_failed = run.job.error;
        }
      } else if (failed) {
        report_failed_write(reputation.record(from.id, verifier::ReputationStore::Outcome::kFailure).status(), "a failure");
      }
      backoff_until[from.id] = network::now_ms() + 1000;
    }
    if (!job_failed.empty()) {
      close_run(reply->job_id);
      events.push_back({reply->job_id, {{"event", "failed"}, {"error", job_failed}}});
    }
    publish_events(events);
    return Status::ok();
  }

  void on_result(const std::string& job_id, const network::StreamMessage& m) {
    if (m.content_type != compute::kTaskResultContentType) return;
    auto result = compute::decode_task_result(m.payload);
    if (!result.is_ok() || result->job_id != job_id) {
      log("job " + job_id + ": ignored a malformed result announcement from " + network::short_id(m.publisher_id()));
      return;
    }
    {
      std::lock_guard lock(fetch_mutex);
      fetches.push_back({job_id, m.publisher_id(), std::move(*result)});
    }
    fetch_ready.notify_one();
  }

  // Fetches an announced result, checks it against its subtask, and accepts it.
  void take(const Fetch& f) {
    {
      std::lock_guard lock(mutex);
      auto it = runs.find(f.job_id);
      if (it == runs.end() || f.result.subtask >= it->second.subtasks.size()) return;
      const SubtaskRecord& r = it->second.subtasks[f.result.subtask];
      if (r.state != SubtaskState::kAssigned || r.provider != f.provider) return;  // late, or someone else's
    }
    PlannedTask task;
    std::shared_ptr<FamilyJob> family;
    {
      std::lock_guard lock(mutex);
      auto it = runs.find(f.job_id);
      if (it == runs.end()) return;
      task = it->second.subtasks[f.result.subtask].task;
      family = it->second.family;
    }
    // Bounded before a byte is fetched: no larger than a result of this task can be.
    uint64_t bound = family->max_result_bytes(task);
    Result<std::vector<uint8_t>> bytes =
        f.result.result_bytes > bound
            ? Result<std::vector<uint8_t>>(invalid_argument("the result is announced at " + std::to_string(f.result.result_bytes) +
                                                            " bytes; one of this task's is at most " + std::to_string(bound)))
            : blobs.fetch(f.provider, f.result.result_id, std::chrono::seconds(10), bound);
    Status problem = bytes.status();
    // A result that does not decode, does not answer its subtask, does not match its id or the
    // commitment its provider announced under its signature is the provider's fault as much as
    // one the verifier catches: a rejection either way, so the subtask never goes back to the
    // same provider again and again. An unreachable result is not counted here (the provider may
    // have left; deadlines and failures deal with that).
    if (problem.is_ok()) problem = family->check(task, *bytes, {f.result.merkle_root, f.result.chunks});
    bool wrong = !problem.is_ok() && problem.code() == StatusCode::kInvalidArgument;
    if (problem.is_ok() && options.verify) {
      auto verdict = verify(*family, task, *bytes);
      if (!verdict.is_ok()) {
        // Our own failure (the input, the device), not the provider's: the subtask goes back.
        problem = unavailable("cannot verify it here: " + verdict.status().message());
      } else {
        report_failed_write(jobs.add_verification(f.job_id, verdict->work_checked, verdict->passed ? 0 : 1),
                            "the verification of job " + f.job_id);
        if (!verdict->passed) {
          problem = invalid_argument("the verifier caught it: " + verdict->reason);
          wrong = true;
        }
      }
    }
    std::vector<Event> events;
    Receipts receipts;
    bool complete = false, failed = false;
    std::string failure;
    {
      std::lock_guard lock(mutex);
      auto it = runs.find(f.job_id);
      if (it == runs.end()) return;
      Run& run = it->second;
      SubtaskRecord& r = run.subtasks[f.result.subtask];
      if (r.state != SubtaskState::kAssigned || r.provider != f.provider) return;
      if (!problem.is_ok()) {
        release(run, r, "result from " + network::short_id(f.provider) + " refused: " + problem.message(), events);
        if (wrong) {
          run.caught.insert(f.provider);
          report_failed_write(
              reputation.record(f.provider, verifier::ReputationStore::Outcome::kRejected, problem.message()).status(),
              "a rejection");
          events.push_back({f.job_id, {{"event", "rejected"}, {"subtask", r.task.index},
                                       {"provider", network::short_id(f.provider)}, {"reason", problem.message()}}});
        }
      } else {
        std::string commitment = network::to_string(f.result.result_id);
        const compute::Agreement& agreement = run.agreements[r.task.index];
        SubtaskRecord accepted = r;
        accepted.state = SubtaskState::kAccepted;
        accepted.commitment = commitment;
        accepted.price = agreement.price;
        accepted.agreement_hash = network::to_hex(compute::agreement_hash(agreement));
        accepted.provider_key = network::to_hex(agreement.provider);
        // Accepted and paid for in one write: a crash between the two can no more lose a
        // payment than pay twice. A checked subtask is paid when its twins are settled.
        network::Transition t(jobs.database());
        Status staged = jobs.accept(f.job_id, r.task.index, f.provider, commitment, accepted.price,
                                    accepted.agreement_hash, accepted.provider_key, &t);
        if (staged.is_ok() && !run.checked(run.original_of(r.task.index))) staged = pay(run, accepted, t, receipts);
        if (staged.is_ok()) staged = t.commit("accepting subtask " + std::to_string(r.task.index) + " of job " + f.job_id);
        if (!staged.is_ok()) {
          receipts.clear();
          log("job " + f.job_id + ": cannot accept subtask " + std::to_string(r.task.index) + ": " + staged.message());
          return;
        }
        r = accepted;
        ++run.accepted;
        run.agreed.erase(r.task.index);
        run.agreements.erase(r.task.index);
        uint32_t original = run.original_of(r.task.index);
        const PlannedTask done = r.task;  // `r` may move: settling twins can add a subtask
        if (r.task.index == original) run.waiting.emplace(r.task.index, std::move(*bytes));
        if (!run.checked(original)) {
          // paid above, with the acceptance
        } else if (std::vector<uint32_t> g = run.group(original);
                   std::all_of(g.begin(), g.end(), [&](uint32_t m) { return run.subtasks[m].state == SubtaskState::kAccepted; })) {
          // Every twin is in: compare them (their payment waits for the verdict).
          resolve_twins(run, original, events, receipts);
        }
        merge_ready(run);
        json event = run.family->describe(done);
        event.update({{"subtask", done.index},
                      {"provider", network::short_id(f.provider)},
                      {"device", f.result.device},
                      {"kernel_ms", f.result.kernel_ms},
                      {"commitment", commitment},
                      {"accepted", run.accepted},
                      {"total", run.subtasks.size()}});
        events.push_back({f.job_id, std::move(event)});
        complete = run.complete();
        failed = run.job.state == JobState::kFailed;
        failure = run.job.error;
      }
    }
    if (failed) {
      close_run(f.job_id);
      events.push_back({f.job_id, {{"event", "failed"}, {"error", failure}}});
    }
    for (auto& [to, bytes] : receipts) (void)node.transport().send(to, FrameType::kReceipt, std::move(bytes));
    publish_events(events);
    if (complete) finish(f.job_id);
  }

  // This node's verification device, opened the first time (under verify_mutex).
  Result<Device*> verification_device() {
    if (!verify_device) {
      auto device = open_device(options.verify_device);
      if (!device.is_ok()) return device.status();
      verify_device = std::move(*device);
    }
    return verify_device.get();
  }

  // Spot-checks a result with its family's verifier on this node's verification device.
  Result<verifier::Verdict> verify(FamilyJob& family, const PlannedTask& task, std::span<const uint8_t> result) {
    std::lock_guard lock(verify_mutex);
    auto device = verification_device();
    if (!device.is_ok()) return device.status();
    // Drawn after the result is committed, from a source the provider cannot predict.
    std::random_device rd;
    uint64_t seed = (uint64_t(rd()) << 32) ^ rd();
    return family.verify(**device, task, result, seed);
  }

  using Receipts = std::vector<std::pair<NodeId, std::vector<uint8_t>>>;

  // Stages the payment for an accepted subtask at its agreed price in `t` (the provider's record,
  // with what it is owed) and adds the signed receipt, whose running total proves the whole, to
  // those to send once `t` commits.
  Status pay(Run& run, const SubtaskRecord& r, network::Transition& t, Receipts& receipts) {
    // The terms kept with the accepted record, checked before anything is counted, so receipt
    // numbers stay contiguous.
    auto result = network::parse_blob_id(r.commitment);
    auto agreement = network::parse_blob_id(r.agreement_hash);
    auto provider_key = network::parse_blob_id(r.provider_key);
    if (!result.is_ok() || !agreement.is_ok() || !provider_key.is_ok() || network::node_id_of(*provider_key) != r.provider) {
      return internal_error("cannot pay for subtask " + std::to_string(r.task.index) + ": its terms are missing");
    }
    unsigned __int128 exact = (unsigned __int128)r.price * r.task.work;
    uint64_t amount = exact > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(exact);
    auto paid = reputation.record(r.provider, verifier::ReputationStore::Outcome::kAccepted, "", amount, &t);
    if (!paid.is_ok()) return paid.status();
    ledger::PaymentReceipt receipt;
    receipt.job_id = run.job.id;
    receipt.provider = *provider_key;
    receipt.subtask = r.task.index;
    receipt.agreement_hash = *agreement;
    receipt.result = *result;
    receipt.amount = amount;
    receipt.cumulative = paid->paid;
    receipt.sequence = paid->receipts;
    receipt.issued_at = network::now_ms();
    receipt.sign(node.identity());
    receipts.push_back({r.provider, encode(receipt)});
    return Status::ok();
  }

  // Redundancy: with every twin of `original` accepted, the results are compared bit for bit. The
  // largest group of equal results, if at least two agree and no other group is as large, wins:
  // its providers are paid, the others rejected and excluded, and the original takes the winning
  // result if its own lost. Otherwise another provider computes the subtask again (up to five in
  // all), and failing that the job fails.
  void resolve_twins(Run& run, uint32_t original, std::vector<Event>& events, Receipts& receipts) {
    std::vector<uint32_t> members = run.group(original);
    std::vector<std::vector<uint8_t>> results;
    for (uint32_t m : members) {
      auto bytes = stored_result(run.subtasks[m]);
      if (!bytes.is_ok()) {
        log("job " + run.job.id + ": cannot read the result of subtask " + std::to_string(m) + ": " + bytes.status().message());
        return;
      }
      results.push_back(std::move(*bytes));
    }
    auto same = [&](size_t a, size_t b) { return run.family->same(results[a], results[b]); };
    std::vector<size_t> agree(members.size(), 0);
    for (size_t a = 0; a < members.size(); ++a) {
      for (size_t b = 0; b < members.size(); ++b) agree[a] += same(a, b) ? 1 : 0;
    }
    size_t best = std::max_element(agree.begin(), agree.end()) - agree.begin();
    size_t rivals = 0;  // results as widely shared as the best that differ from it
    for (size_t a = 0; a < members.size(); ++a) rivals += (agree[a] == agree[best] && !same(a, best)) ? 1 : 0;
    if (agree[best] < 2 || rivals > 0) {
      if (members.size() >= 5) {
        fail_job(run, "no two of five providers agree on subtask " + std::to_string(original));
        return;
      }
      auto twin = run.family->twin(run.subtasks[original].task, static_cast<uint32_t>(run.subtasks.size()));
      if (!twin.is_ok()) {
        log("job " + run.job.id + ": cannot make a twin of subtask " + std::to_string(original) + ": " + twin.status().message());
        return;
      }
      PlannedTask again = std::move(*twin);
      if (Status s = jobs.add_twins(run.job.id, {again}, {original}); !s.is_ok()) {
        log("job " + run.job.id + ": cannot add a twin of subtask " + std::to_string(original) + ": " + s.message());
        return;
      }
      SubtaskRecord r;
      r.task = again;
      run.subtasks.push_back(r);
      run.job.twin_of[again.index] = original;
      run.twins[original].push_back(again.index);
      events.push_back({run.job.id, {{"event", "disagreement"}, {"subtask", original}, {"twin", again.index}}});
      log("job " + run.job.id + ": the " + std::to_string(members.size()) + " results of subtask " + std::to_string(original) +
          " disagree; one more provider computes it (subtask " + std::to_string(again.index) + ")");
      return;
    }
    // The settlement, the winners' payments and the losers' rejections: one write.
    std::string winner;
    network::Transition t(jobs.database());
    Receipts settled;
    std::vector<Event> rejected;
    std::set<NodeId> losers;
    Status staged;
    for (size_t a = 0; a < members.size() && staged.is_ok(); ++a) {
      SubtaskRecord& r = run.subtasks[members[a]];
      if (same(a, best)) {
        if (winner.empty()) winner = r.commitment;
        staged = pay(run, r, t, settled);
      } else {
        std::string why = "its result for subtask " + std::to_string(original) + " differs from " +
                          std::to_string(agree[best]) + " other providers' identical ones";
        losers.insert(r.provider);
        staged = reputation.record(r.provider, verifier::ReputationStore::Outcome::kRejected, why, 0, &t).status();
        rejected.push_back({run.job.id, {{"event", "rejected"}, {"subtask", members[a]},
                                         {"provider", network::short_id(r.provider)}, {"reason", why}}});
      }
    }
    bool original_lost = !same(0, best);
    if (staged.is_ok()) {
      staged = jobs.resolve(run.job.id, original, original_lost ? winner : "", uint32_t(rejected.size()), &t);
    }
    if (staged.is_ok()) staged = t.commit("settling subtask " + std::to_string(original) + " of job " + run.job.id);
    if (!staged.is_ok()) {
      log("job " + run.job.id + ": cannot settle subtask " + std::to_string(original) + ": " + staged.message());
      return;
    }
    run.caught.insert(losers.begin(), losers.end());
    receipts.insert(receipts.end(), settled.begin(), settled.end());
    events.insert(events.end(), rejected.begin(), rejected.end());
    if (original_lost) {
      run.subtasks[original].commitment = winner;
      run.waiting[original] = results[best];  // the same work
    }
    run.job.resolved.insert(original);
  }

  // An accepted result, read back from the store by its commitment.
  Result<std::vector<uint8_t>> stored_result(const SubtaskRecord& r) {
    auto id = network::parse_blob_id(r.commitment);
    if (!id.is_ok()) return id.status();
    return store.get(*id);
  }

  // Accumulates the waiting results that are next in subtask order. A result that cannot be
  // added fails the job: an output with a hole in it is never called done.
  void merge_ready(Run& run) {
    for (auto it = run.waiting.find(run.merged); it != run.waiting.end(); it = run.waiting.find(run.merged)) {
      if (run.job.state != JobState::kRunning) return;
      if (run.checked(run.merged) && !run.job.resolved.count(run.merged)) break;  // its twins are still out
      if (Status m = run.family->accumulate(run.subtasks[run.merged].task, it->second); !m.is_ok()) {
        fail_job(run, "subtask " + std::to_string(run.merged) + " cannot be added to the output: " + m.message());
        return;
      }
      run.waiting.erase(it);
      ++run.merged;
    }
  }

  // Completes the output (results accepted before a restart are read back from the store, in
  // order) and has the family write it.
  void finish(const std::string& job_id) {
    Run run;
    {
      std::lock_guard lock(mutex);
      auto it = runs.find(job_id);
      if (it == runs.end()) return;
      merge_ready(it->second);
      run.job = it->second.job;
      run.subtasks = it->second.subtasks;
      run.family = it->second.family;
      run.merged = it->second.merged;
      run.waiting = std::move(it->second.waiting);
      run.twins = it->second.twins;
    }
    Status problem;
    for (size_t i = run.merged; i < run.originals() && problem.is_ok(); ++i) {
      if (!run.waiting.count(uint32_t(i))) {
        auto bytes = stored_result(run.subtasks[i]);
        if (!bytes.is_ok()) {
          problem = bytes.status();
          break;
        }
        run.waiting.emplace(uint32_t(i), std::move(*bytes));
      }
      merge_ready(run);
    }
    if (problem.is_ok() && run.job.state == JobState::kFailed) problem = internal_error(run.job.error);
    json output;
    if (problem.is_ok()) {
      std::lock_guard lock(verify_mutex);
      auto device = verification_device();
      auto written = device.is_ok() ? run.family->finish(job_id, **device) : Result<json>(device.status());
      problem = written.status();
      if (written.is_ok()) output = std::move(*written);
    }
    JobState state = problem.is_ok() ? JobState::kDone : JobState::kFailed;
    report_failed_write(jobs.set_state(job_id, state, problem.message(), problem.is_ok() ? output.dump() : ""),
                        "the end of job " + job_id);
    uint64_t elapsed_ms = network::now_ms() - run.job.created_at;
    json event = problem.is_ok() ? json{{"event", "done"}, {"ms", elapsed_ms}} : json{{"event", "failed"}, {"error", problem.message()}};
    if (problem.is_ok()) event.update(output);
    log("job " + job_id + (problem.is_ok() ? ": done, " + output.dump() : ": failed: " + problem.message()));
    close_run(job_id);
    publish_events({{job_id, event}});
  }

  void close_run(const std::string& job_id) {
    uint64_t subscription = 0;
    {
      std::lock_guard lock(mutex);
      auto it = runs.find(job_id);
      if (it == runs.end()) return;
      subscription = it->second.subscription;
      runs.erase(it);
    }
    node.unsubscribe(subscription);
  }

  Status cancel(const std::string& job_id) {
    auto job = jobs.job(job_id);
    if (!job.is_ok()) return job.status();
    STRATA_RETURN_IF_ERROR(jobs.set_state(job_id, JobState::kCancelled));
    // Providers holding its subtasks drop them rather than render for nothing.
    std::set<NodeId> holding;
    {
      std::lock_guard lock(mutex);
      if (auto it = runs.find(job_id); it != runs.end()) {
        for (const SubtaskRecord& r : it->second.subtasks) {
          if (r.state == SubtaskState::kAssigned) holding.insert(r.provider);
        }
      }
    }
    std::vector<uint8_t> withdraw = encode(compute::TaskCancel{job_id});
    for (const NodeId& p : holding) (void)node.transport().send(p, FrameType::kTaskCancel, withdraw);
    close_run(job_id);
    publish_events({{job_id, {{"event", "cancelled"}}}});
    log("job " + job_id + ": cancelled");
    return Status::ok();
  }

  Result<JobStatus> status(const std::string& job_id) {
    auto job = jobs.job(job_id);
    if (!job.is_ok()) return job.status();
    JobStatus st;
    st.job = *job;
    st.rejected = job->rejected;
    st.verified_work = job->verified_work;
    std::vector<SubtaskRecord> subtasks;
    std::optional<compute::Demand> demand;
    {
      std::lock_guard lock(mutex);
      if (auto it = runs.find(job_id); it != runs.end()) {
        subtasks = it->second.subtasks;
        demand = it->second.demand;
      }
    }
    if (demand) st.providers = usable_offers(*demand, network::now_ms()).size();
    if (subtasks.empty()) {
      auto stored = jobs.subtasks(job_id);
      if (!stored.is_ok()) return stored.status();
      subtasks = std::move(*stored);
    }
    st.total = subtasks.size();
    for (const SubtaskRecord& r : subtasks) {
      st.work += r.task.work;
      st.pending += r.state == SubtaskState::kPending;
      st.assigned += r.state == SubtaskState::kAssigned;
      st.accepted += r.state == SubtaskState::kAccepted;
      if (r.attempts > 1) st.reassigned += r.attempts - 1;
    }
    return st;
  }

  void dispatch_loop() {
    std::unique_lock lock(fetch_mutex);
    while (!stopping) {
      lock.unlock();
      report_failed(status_of([&] {
        tick();
        return Status::ok();
      }, "a scheduling round"));
      lock.lock();
      stop_signal.wait_for(lock, options.tick, [&] { return stopping; });
    }
  }

  void fetch_loop() {
    for (;;) {
      Fetch f;
      {
        std::unique_lock lock(fetch_mutex);
        fetch_ready.wait(lock, [&] { return stopping || !fetches.empty(); });
        if (stopping) return;
        f = std::move(fetches.front());
        fetches.pop_front();
      }
      report_failed(status_of([&] {
        take(f);
        return Status::ok();
      }, "taking a result of job " + f.job_id));
    }
  }

  // What no thread may let out (a broken invariant, memory) is logged; the thread goes on.
  void report_failed(const Status& s) {
    if (!s.is_ok()) log(s.message());
  }
};

std::string JobStatus::output(const std::string& key) const {
  json o = json::parse(job.output, nullptr, false);
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
}

Requestor::Requestor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Requestor::~Requestor() {
  {
    std::lock_guard lock(impl_->fetch_mutex);
    impl_->stopping = true;
  }
  impl_->fetch_ready.notify_all();
  impl_->stop_signal.notify_all();
  for (auto& t : impl_->threads) t.join();
  for (auto& [id, run] : impl_->runs) impl_->node.unsubscribe(run.subscription);
}

Result<std::unique_ptr<Requestor>> Requestor::start(network::StreamNode& node, network::BlobStore& store,
                                                    network::BlobService& blobs, compute::JobStore& jobs,
                                                    OfferBook& book, verifier::ReputationStore& reputation,
                                                    const Families& families, Options options) {
  if (options.image_dir.empty() || options.work_dir.empty()) {
    return invalid_argument("a requestor needs directories for finished outputs and for scratch work");
  }
  auto impl = std::make_unique<Impl>(node, store, blobs, jobs, book, reputation, families, std::move(options));
  // Jobs that were running when the node stopped: accepted results stay; assignments whose
  // answers may have been lost go back to pending.
  auto known = jobs.jobs();
  if (!known.is_ok()) return known.status();
  for (const JobRecord& job : *known) {
    if (job.state != JobState::kRunning) continue;
    Impl::Run run;
    if (Status s = impl->open_run(job, run); !s.is_ok()) {
      // Its input is gone or no longer reads: the job cannot go on, the node can.
      impl->log("job " + job.id + ": cannot resume it: " + s.message());
      (void)jobs.set_state(job.id, JobState::kFailed, "cannot resume it: " + s.message());
      continue;
    }
    std::vector<Impl::Event> events;
    for (SubtaskRecord& r : run.subtasks) impl->release(run, r, "the requestor restarted", events);
    bool complete = run.complete();
    impl->runs[job.id] = std::move(run);
    impl->log("job " + job.id + ": resumed, " + std::to_string(impl->runs[job.id].accepted) + " of " +
              std::to_string(impl->runs[job.id].subtasks.size()) + " subtasks already accepted");
    if (complete) impl->finish(job.id);
  }
  Impl* raw = impl.get();
  raw->threads.emplace_back([raw] { raw->dispatch_loop(); });
  for (int i = 0; i < 2; ++i) raw->threads.emplace_back([raw] { raw->fetch_loop(); });
  return std::unique_ptr<Requestor>(new Requestor(std::move(impl)));
}

Result<compute::JobRecord> Requestor::submit(const JobSpec& spec) { return impl_->submit(spec); }
Status Requestor::cancel(const std::string& job_id) { return impl_->cancel(job_id); }
Result<JobStatus> Requestor::status(const std::string& job_id) { return impl_->status(job_id); }
Result<std::vector<JobStatus>> Requestor::list() {
  auto all = impl_->jobs.jobs();
  if (!all.is_ok()) return all.status();
  std::vector<JobStatus> out;
  for (const JobRecord& j : *all) {
    auto st = impl_->status(j.id);
    if (st.is_ok()) out.push_back(std::move(*st));
  }
  return out;
}
Status Requestor::handle(const network::PeerInfo& from, const network::FrameView& frame) {
  return impl_->handle(from, frame);
}

}  // namespace strata::compute
