// The compute layer end to end in one process: a requestor node and provider nodes on loopback
// (cpu backend). A render job completes and equals the same render done locally within float
// rounding; a provider that accepts work and never answers, a provider that leaves mid-job and a
// requestor restarted mid-job each still end with the complete, correct image, and no accepted
// subtask is redone or counted twice.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rocksdb/db.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <thread>

#include "compute/scene_package.h"
#include "compute/render/result_chunks.h"
#include "network/clock.h"
#include "network/node_db.h"
#include "compute/task_messages.h"
#include "tests/compute/compute_support.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::compute;
using compute::JobState;
using tests::eventually;

std::string demo_scene() { return tests::source_dir() + "/scenes/demo.gltf"; }

render::RenderSettings small_settings(uint32_t spp = 8) {
  render::RenderSettings s;
  s.width = 64;
  s.height = 48;
  s.spp = spp;
  s.seed = 7;
  return s;
}

JobSpec upload(ComputeNode& requestor, const render::RenderSettings& settings) {
  auto files = render::SceneFiles::read_folder(demo_scene());
  EXPECT_TRUE(files.is_ok()) << files.status().to_string();
  auto manifest = store_scene(requestor.blobs(), *files);
  EXPECT_TRUE(manifest.is_ok());
  JobSpec spec;
  spec.spec = render_spec(network::to_string(*manifest), settings);
  return spec;
}

// Peer exchange may have connected them already.
void connect(ComputeNode& from, ComputeNode& to) {
  auto peer = from.stream_node().transport().connect("127.0.0.1", to.stream_node().transport().port());
  if (!peer.is_ok()) {
    EXPECT_NE(peer.status().message().find("already connected"), std::string::npos) << peer.status().to_string();
  }
}

bool offers_seen(ComputeNode& n, size_t count) {
  return eventually([&] { return n.offers().offers(network::now_ms()).size() >= count; }, 5000);
}

JobStatus wait_done(ComputeNode& requestor, const std::string& job, int timeout_ms = 120000) {
  JobStatus last;
  eventually(
      [&] {
        auto st = requestor.requestor().status(job);
        if (st.is_ok()) last = *st;
        return st.is_ok() && st->job.state != JobState::kRunning;
      },
      timeout_ms);
  return last;
}

// A requestor and two providers, connected, the requestor holding both offers.
struct Cluster {
  std::unique_ptr<ComputeNode> r, p1, p2;
};
Cluster start_cluster(uint8_t seed, const std::string& requestor_dir = "") {
  Cluster c;
  c.r = tests::start_compute_node({.seed = seed, .data_dir = requestor_dir});
  c.p1 = tests::start_compute_node({.seed = uint8_t(seed + 1), .provide = true});
  c.p2 = tests::start_compute_node({.seed = uint8_t(seed + 2), .provide = true});
  connect(*c.p1, *c.r);
  connect(*c.p2, *c.r);
  EXPECT_TRUE(offers_seen(*c.r, 2));
  return c;
}

void expect_matches_local(const JobStatus& st, const render::RenderSettings& settings) {
  ASSERT_EQ(st.job.state, JobState::kDone) << st.job.error;
  auto image = render::read_pfm(st.output("linear_image"));
  ASSERT_TRUE(image.is_ok()) << image.status().to_string();
  render::Image local = tests::local_render(demo_scene(), settings);
  // Subtasks split by sample ranges sum a pixel's samples in another grouping than one pass.
  EXPECT_LT(tests::max_relative_difference(*image, local), 1e-5);
}

TEST(ComputeCluster, RenderJobMatchesTheLocalRender) {
  auto [r, p1, p2] = start_cluster(31);
  render::RenderSettings settings = small_settings();
  auto job = r->requestor().submit(upload(*r, settings));
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  JobStatus st = wait_done(*r, job->id);
  EXPECT_EQ(st.accepted, st.total);
  EXPECT_GE(st.total, 4u);  // at least two subtasks per provider
  expect_matches_local(st, settings);
  EXPECT_GT(p1->provider()->counts().completed, 0u);
  EXPECT_GT(p2->provider()->counts().completed, 0u);
  // Every accepted subtask was paid for with a receipt at the agreed price (100 per gigasample):
  // each provider's newest receipt totals its share, the two shares the whole job, and the
  // requestor's books agree.
  uint64_t owed_total = 0;
  for (ComputeNode* p : {p1.get(), p2.get()}) {
    ASSERT_TRUE(eventually([&] {
      auto owed = p->receipts().owed();
      return owed.is_ok() && owed->size() == 1 && owed->front().receipts == p->provider()->counts().completed;
    }));
    auto owed = p->receipts().owed();
    const auto& o = owed->front();
    EXPECT_EQ(o.requestor, r->stream_node().identity().public_key());
    auto all = p->receipts().from(o.requestor);
    ASSERT_TRUE(all.is_ok());
    uint64_t sum = 0;
    for (size_t i = 0; i < all->size(); ++i) {
      EXPECT_EQ((*all)[i].sequence, i + 1);
      sum += (*all)[i].amount;
      EXPECT_EQ((*all)[i].cumulative, sum);
    }
    EXPECT_EQ(o.latest.cumulative, sum);
    EXPECT_EQ(r->reputation().get(p->stream_node().identity().node_id()).paid, sum);
    owed_total += sum;
  }
  EXPECT_EQ(owed_total, 100 * uint64_t(settings.width) * settings.height * settings.spp);
  // Any row of a result can be fetched from its provider alone and checked against the result's
  // commitment: here a row of p1's last receipted result, against the root of the copy the
  // requestor accepted.
  auto owed = p1->receipts().owed();
  const ledger::PaymentReceipt& last = owed->front().latest;
  auto accepted = compute::decode_render_result(*r->blobs().get(last.result));
  ASSERT_TRUE(accepted.is_ok());
  verifier::Digest root = compute::render_commitment(*accepted);
  uint32_t chunks = static_cast<uint32_t>(compute::render_chunk_count(*accepted));
  network::NodeId p1_id = p1->stream_node().identity().node_id();
  auto row = r->chunks().fetch(p1_id, last.result, chunks - 1, root, chunks);
  ASSERT_TRUE(row.is_ok()) << row.status().to_string();
  EXPECT_EQ(*row, compute::render_chunk(*accepted, chunks - 1));
  verifier::Digest other_root = root;
  other_root[3] ^= 1;
  auto refused = r->chunks().fetch(p1_id, last.result, 1, other_root, chunks);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("do not lead to the announced root"), std::string::npos);
  EXPECT_EQ(r->chunks().fetch(p1_id, last.result, chunks, root, chunks).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r->chunks().fetch(p1_id, network::blob_id_of(std::vector<uint8_t>{1}), 0, root, chunks).status().code(),
            StatusCode::kNotFound);
  // Results are the requestor's: another node, even one that published some, cannot subscribe to
  // them (to copy a twin's, say).
  auto peek = p1->stream_node().subscribe(compute::job_results_stream(job->id), 0, [](const network::StreamMessage&) {});
  EXPECT_FALSE(peek.is_ok());
  // A finished job stays finished, and its state survives in the list.
  EXPECT_FALSE(r->requestor().cancel(job->id).is_ok());
  auto all = r->requestor().list();
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].job.state, JobState::kDone);
}

// The cpu device under another index, reporting `memory` bytes: a small device beside a large one.
class SmallDevice final : public tests::WrappedDevice {
 public:
  explicit SmallDevice(uint64_t memory) {
    info_.index = 7;
    info_.memory_bytes = memory;
  }
};

// A provider with a device too small for the scene beside one large enough takes the job (its
// largest device fits it) and runs every subtask on the large one: none fails for memory.
TEST(ComputeCluster, SubtasksGoOnlyToDevicesWithTheMemory) {
  auto r = tests::start_compute_node({.seed = 36});
  auto p = tests::start_compute_node({.seed = 37, .provide = true, .make_devices = [] {
    std::vector<std::unique_ptr<Device>> devices;
    devices.push_back(std::make_unique<SmallDevice>(512 << 10));  // 512 KiB: under the demo scene
    devices.push_back(tests::open_or_die("cpu"));
    return devices;
  }});
  connect(*p, *r);
  ASSERT_TRUE(offers_seen(*r, 1));
  render::RenderSettings settings = small_settings();
  auto job = r->requestor().submit(upload(*r, settings));
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  EXPECT_GT(job->min_memory, uint64_t(512) << 10);
  JobStatus st = wait_done(*r, job->id);
  ASSERT_EQ(st.job.state, JobState::kDone) << st.job.error;
  EXPECT_EQ(st.reassigned, 0u);
  EXPECT_EQ(p->provider()->counts().failed, 0u);
  EXPECT_EQ(p->provider()->counts().completed, st.total);
  expect_matches_local(st, settings);
}

// Slots: a device renders several subtasks at once when its memory holds their scenes, and only
// one at a time when it holds one scene but not two.
TEST(ComputeCluster, SeveralSubtasksRunOnADeviceWhenItsMemoryAllows) {
  render::RenderSettings settings = small_settings();
  settings.spp = 64;  // subtasks long enough to overlap
  auto prepared = render::prepare_scene(demo_scene());
  ASSERT_TRUE(prepared.is_ok());
  uint64_t need = prepared->gpu.device_bytes() + 32 * 32 * (4 * sizeof(float) + sizeof(uint32_t));  // tiles of 32
  for (bool roomy : {true, false}) {
    auto r = tests::start_compute_node({.seed = uint8_t(roomy ? 38 : 40)});
    auto p = tests::start_compute_node({.seed = uint8_t(roomy ? 39 : 41), .provide = true, .slots = 3,
                                        .make_devices = [&] {
                                          std::vector<std::unique_ptr<Device>> devices;
                                          devices.push_back(std::make_unique<SmallDevice>(roomy ? 4 * need : need + need / 2));
                                          return devices;
                                        }});
    EXPECT_EQ(p->provider()->offer().max_subtasks, 3u + 2u);  // three slots and a queue of two
    connect(*p, *r);
    ASSERT_TRUE(offers_seen(*r, 1));
    auto job = r->requestor().submit(upload(*r, settings));
    ASSERT_TRUE(job.is_ok()) << job.status().to_string();
    EXPECT_EQ(job->min_memory, need);
    JobStatus st = wait_done(*r, job->id);
    ASSERT_EQ(st.job.state, JobState::kDone) << st.job.error;
    Provider::Counts c = p->provider()->counts();
    EXPECT_EQ(c.failed, 0u);
    EXPECT_EQ(c.completed, st.total);
    if (roomy) {
      EXPECT_GE(c.most_running, 2u) << "memory for three scenes";
      EXPECT_LE(c.most_running, 3u);
    } else {
      EXPECT_EQ(c.most_running, 1u) << "memory for one scene";
    }
    expect_matches_local(st, settings);
  }
}

TEST(ComputeCluster, SubmitErrorsNameTheProblem) {
  auto r = tests::start_compute_node({.seed = 34});
  JobSpec spec = upload(*r, small_settings());
  auto none = r->requestor().submit(spec);
  EXPECT_EQ(none.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(none.status().message().find("no connected provider"), std::string::npos) << none.status().message();
  JobSpec missing = spec;
  missing.spec["scene"] = std::string(64, 'a');
  EXPECT_EQ(r->requestor().submit(missing).status().code(), StatusCode::kNotFound);
  JobSpec bad = spec;
  bad.spec["scene"] = "zz";
  EXPECT_EQ(r->requestor().submit(bad).status().code(), StatusCode::kInvalidArgument);
  JobSpec redundant = spec;
  redundant.redundancy = 2;
  EXPECT_EQ(r->requestor().submit(redundant).status().code(), StatusCode::kInvalidArgument);
  JobSpec empty = spec;
  empty.spec["spp"] = 0;
  EXPECT_EQ(r->requestor().submit(empty).status().code(), StatusCode::kInvalidArgument);
  // A scene that cannot be rendered is refused at submit, with the importer's reason.
  std::string broken = "{\"asset\": {\"version\": \"2.0\"}, \"meshes\": 5}";
  auto broken_files = render::SceneFiles::from_files(
      "broken.gltf", {{"broken.gltf", std::vector<uint8_t>(broken.begin(), broken.end())}});
  ASSERT_TRUE(broken_files.is_ok());
  auto broken_scene = store_scene(r->blobs(), *broken_files);
  ASSERT_TRUE(broken_scene.is_ok());
  JobSpec bad_file = spec;
  bad_file.spec["scene"] = network::to_string(*broken_scene);
  auto refused = r->requestor().submit(bad_file);
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("broken.gltf"), std::string::npos) << refused.status().message();
  EXPECT_EQ(r->requestor().status("nope").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(r->requestor().cancel("nope").is_ok());
}

TEST(ComputeCluster, PriceAboveTheMaximumFindsNoProvider) {
  auto r = tests::start_compute_node({.seed = 35});
  auto p = tests::start_compute_node({.seed = 36, .provide = true, .price = 500});
  connect(*p, *r);
  ASSERT_TRUE(offers_seen(*r, 1));
  JobSpec spec = upload(*r, small_settings());
  spec.max_price = 499;
  EXPECT_EQ(r->requestor().submit(spec).status().code(), StatusCode::kUnavailable);
  spec.max_price = 500;
  auto job = r->requestor().submit(spec);
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  EXPECT_TRUE(r->requestor().cancel(job->id).is_ok());
  auto st = r->requestor().status(job->id);
  ASSERT_TRUE(st.is_ok());
  EXPECT_EQ(st->job.state, JobState::kCancelled);
}

// A cancelled job: its provider drops what it has queued for it and delivers nothing more of it.
TEST(ComputeCluster, CancelledJobsAreDroppedByProviders) {
  auto r = tests::start_compute_node({.seed = 46});
  auto p = tests::start_compute_node({.seed = 47, .provide = true});
  connect(*p, *r);
  ASSERT_TRUE(offers_seen(*r, 1));
  auto job = r->requestor().submit(upload(*r, small_settings(256)));
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  // Once it has delivered one and holds more than the one it is rendering.
  ASSERT_TRUE(eventually(
      [&] {
        auto c = p->provider()->counts();
        return c.completed >= 1 && c.accepted >= c.completed + c.failed + 2;
      },
      60000));
  ASSERT_TRUE(r->requestor().cancel(job->id).is_ok());
  ASSERT_TRUE(eventually([&] { return p->provider()->counts().cancelled >= 1; }, 5000));
  auto c = p->provider()->counts();
  // Everything it accepted was delivered, failed or dropped, but for at most the one rendering.
  EXPECT_LE(c.accepted, c.completed + c.failed + c.cancelled + 1);
  EXPECT_EQ(r->requestor().status(job->id)->job.state, JobState::kCancelled);
}

// A rogue provider: the cheapest offer, signs every agreement, never delivers.
struct SilentProvider {
  std::unique_ptr<network::TransportNode> transport;
  std::atomic<int> proposals{0};
  network::Identity identity = tests::test_identity(37);
  std::atomic<bool> stop{false};
  std::thread announcer;

  void start(uint16_t requestor_port) {
    auto t = network::TransportNode::start(
        identity, network::TransportNode::Options{},
        [this](const network::PeerInfo& from, const network::FrameView& f) -> Status {
          if (f.type != network::FrameType::kTaskProposal) return Status::ok();
          auto p = compute::decode_task_proposal(f.payload);
          if (!p.is_ok()) return p.status();
          ++proposals;
          p->agreement.sign_as_provider(identity);
          compute::TaskReply yes{p->job_id(), p->subtask(), p->agreement, ""};
          return transport->send(from.id, network::FrameType::kTaskReply, encode(yes));
        });
    ASSERT_TRUE(t.is_ok());
    transport = std::move(*t);
    auto peer = transport->connect("127.0.0.1", requestor_port);
    ASSERT_TRUE(peer.is_ok());
    announcer = std::thread([this, id = peer->id] {
      while (!stop) {
        compute::Offer o;
        o.offer_id = "silent";
        o.devices = {{"nothing", "cpu", 1ull << 34}};
        o.kernels = {{kRenderKernel, 1e9, 1}};
        o.max_subtasks = 4;
        o.expires_at = network::now_ms() + 5000;
        o.sign(identity);
        (void)transport->send(id, network::FrameType::kOffer, encode(o));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  }
  ~SilentProvider() {
    stop = true;
    if (announcer.joinable()) announcer.join();
    if (transport) transport->stop();
  }
};

TEST(ComputeCluster, ProviderThatNeverAnswersLosesItsSubtasks) {
  auto r = tests::start_compute_node({.seed = 38, .min_deadline = std::chrono::milliseconds(1500)});
  auto p = tests::start_compute_node({.seed = 39, .provide = true});
  connect(*p, *r);
  SilentProvider silent;
  silent.start(r->stream_node().transport().port());
  ASSERT_TRUE(offers_seen(*r, 2));
  render::RenderSettings settings = small_settings();
  auto job = r->requestor().submit(upload(*r, settings));
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  JobStatus st = wait_done(*r, job->id);
  EXPECT_GT(silent.proposals.load(), 0);
  EXPECT_GT(st.reassigned, 0u);
  expect_matches_local(st, settings);
}

TEST(ComputeCluster, ProviderLeavingMidJobLosesItsSubtasks) {
  auto [r, p1, p2] = start_cluster(40);
  render::RenderSettings settings = small_settings(64);
  auto job = r->requestor().submit(upload(*r, settings));
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  // Once it has delivered and still holds accepted work, it goes.
  ASSERT_TRUE(eventually(
      [&] {
        auto c = p1->provider()->counts();
        return c.completed >= 1 && c.accepted > c.completed + c.failed;
      },
      60000));
  p1.reset();
  JobStatus st = wait_done(*r, job->id);
  EXPECT_EQ(st.accepted, st.total);
  EXPECT_GT(st.reassigned, 0u);
  expect_matches_local(st, settings);
}

TEST(ComputeCluster, RequestorRestartedMidJobResumesWithoutRedoingAcceptedSubtasks) {
  std::string dir = tests::scratch_dir() + "/restarted-requestor";
  auto [r, p1, p2] = start_cluster(43, dir);
  render::RenderSettings settings = small_settings(64);
  auto job = r->requestor().submit(upload(*r, settings));
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  ASSERT_TRUE(eventually([&] { return r->requestor().status(job->id)->accepted >= 2; }, 60000));
  r.reset();
  // What the store holds as accepted when the requestor went down.
  std::map<uint32_t, std::string> accepted;
  {
    auto store = compute::JobStore::open(dir + "/db");  // the node's one database
    ASSERT_TRUE(store.is_ok());
    auto subtasks = (*store)->subtasks(job->id);
    ASSERT_TRUE(subtasks.is_ok());
    for (const auto& s : *subtasks) {
      if (s.state == compute::SubtaskState::kAccepted) accepted[s.task.index] = s.commitment;
    }
  }
  ASSERT_GE(accepted.size(), 2u);
  r = tests::start_compute_node({.seed = 43, .data_dir = dir});
  connect(*r, *p1);
  connect(*r, *p2);
  JobStatus st = wait_done(*r, job->id);
  expect_matches_local(st, settings);
  r.reset();
  auto store = compute::JobStore::open(dir + "/db");
  ASSERT_TRUE(store.is_ok());
  auto subtasks = (*store)->subtasks(job->id);
  ASSERT_TRUE(subtasks.is_ok());
  for (const auto& s : *subtasks) {
    EXPECT_EQ(s.state, compute::SubtaskState::kAccepted);
    if (accepted.count(s.task.index)) {
      EXPECT_EQ(s.commitment, accepted[s.task.index]) << "subtask " << s.task.index << " was redone";
      EXPECT_EQ(s.attempts, 1u) << "subtask " << s.task.index << " was assigned again";
    }
  }
}

// A node whose database holds a job of an earlier version (before job families) lists it, failed
// and without subtasks, beside the jobs it can read, and shows it on its own.
TEST(JobCluster, AJobOfAnEarlierVersionIsListedAsFailed) {
  std::string dir = tests::scratch_dir() + "/legacy-requestor";
  std::filesystem::create_directories(dir);
  {
    auto db = network::NodeDb::open(dir + "/db");
    ASSERT_TRUE(db.is_ok());
    network::StoreColumn column(*db, network::NodeDb::kJobs);
    rocksdb::WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(column.Put(sync, "job/old", R"({"id":"old","scene":"ab","state":0,"width":64,"height":48,"spp":8})").ok());
    ASSERT_TRUE(column.Put(sync, std::string("sub/old/\0\0\0\0", 12), R"({"index":0,"x":0,"y":0,"w":16,"h":16,"state":1})").ok());
  }
  auto r = tests::start_compute_node({.seed = 240, .data_dir = dir});
  auto all = r->requestor().list();
  ASSERT_TRUE(all.is_ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].job.id, "old");
  EXPECT_EQ((*all)[0].job.state, JobState::kFailed);
  EXPECT_EQ((*all)[0].total, 0u);
  auto one = r->requestor().status("old");
  ASSERT_TRUE(one.is_ok()) << one.status().to_string();
  EXPECT_NE(one->job.error.find("earlier version"), std::string::npos) << one->job.error;
}

uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

// A proposal that comes while the provider is still testing its devices is answered, not dropped:
// refused as early, so the requestor may try elsewhere at once.
TEST(ComputeCluster, AProposalDuringStartUpIsRefusedAsEarly) {
  std::promise<void> open;
  std::shared_future<void> gate = open.get_future().share();
  uint16_t port = free_port();
  std::unique_ptr<ComputeNode> p;
  std::thread starting([&] {
    p = tests::start_compute_node({.seed = 226, .provide = true, .make_devices = [&] {
      std::vector<std::unique_ptr<Device>> devices;
      // The cpu device, each launch waiting until `gate` opens: the provider held in its start-up
      // self-tests for as long as the test needs.
      devices.push_back(std::make_unique<tests::HookedCpuDevice>([gate](std::string_view) { gate.wait(); }));
      return devices;
    }, .listen_port = port});
  });
  network::Identity me = tests::test_identity(227);
  std::mutex mutex;
  std::vector<compute::TaskReply> replies;
  auto t = network::TransportNode::start(me, network::TransportNode::Options{},
                                         [&](const network::PeerInfo&, const network::FrameView& f) -> Status {
                                           if (f.type != network::FrameType::kTaskReply) return Status::ok();
                                           auto r = compute::decode_task_reply(f.payload);
                                           if (!r.is_ok()) return r.status();
                                           std::lock_guard lock(mutex);
                                           replies.push_back(*r);
                                           return Status::ok();
                                         });
  ASSERT_TRUE(t.is_ok());
  Result<network::PeerInfo> peer = invalid_argument("not yet");
  ASSERT_TRUE(eventually([&] {
    peer = (*t)->connect("127.0.0.1", port);
    return peer.is_ok();
  }));
  network::PublicKey key = tests::test_identity(226).public_key();
  uint64_t later = network::now_ms() + 60000;
  ASSERT_TRUE((*t)->send(peer->id, network::FrameType::kTaskProposal,
                         tests::encode_test_proposal({.provider = key, .price = 100, .deadline = later}, me))
                  .is_ok());
  bool answered = eventually([&] {
    std::lock_guard lock(mutex);
    return !replies.empty();
  });
  open.set_value();
  starting.join();
  ASSERT_TRUE(answered) << "a proposal during start-up went unanswered";
  EXPECT_NE(replies[0].error.find("still starting"), std::string::npos) << replies[0].error;
  EXPECT_FALSE(replies[0].agreement.has_value());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->provider()->counts().accepted, 0u);
  (*t)->stop();
}

}  // namespace
