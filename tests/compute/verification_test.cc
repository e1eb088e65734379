// Verification in the compute layer: a cheaper, dishonest provider's results are caught by the
// requestor's spot checks before they are accepted, the provider gets no more work, and the job
// still ends with the correct image from the honest provider. Five kinds of cheating: noise,
// fewer samples than agreed, a correct render under another seed, 1% of the pixels altered, and
// another subtask's result passed off as this one's. Honest providers on different backends are
// never rejected.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "compute/scene_package.h"
#include "network/clock.h"
#include "tests/compute/compute_support.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::compute;
using tests::eventually;
using Alter = std::function<void(const compute::RenderTask&, compute::RenderResult&, render::Renderer&)>;

std::string demo_scene() { return tests::source_dir() + "/scenes/demo.gltf"; }

std::map<std::string, Alter> cheats() {
  auto noise = [](const compute::RenderTask&, compute::RenderResult& r, render::Renderer&) {
    std::mt19937 rng(r.subtask);
    for (size_t i = 0; i < r.accum.rgbw.size(); ++i) {
      if (i % 4 != 3) r.accum.rgbw[i] = std::uniform_real_distribution<float>(0, 2)(rng) * r.sample_count;
    }
  };
  auto fewer = [](const compute::RenderTask& t, compute::RenderResult& r, render::Renderer& renderer) {
    if (t.sample_count < 2) return;
    render::AccumBuffer half = render::AccumBuffer::for_rect(t.tile);
    (void)renderer.render(t.settings(), t.tile, t.sample_begin, t.sample_count / 2, half);
    float scale = float(t.sample_count) / float(t.sample_count / 2);
    for (size_t i = 0; i < half.rgbw.size(); ++i) half.rgbw[i] *= scale;
    r.accum = half;
  };
  auto seed = [](const compute::RenderTask& t, compute::RenderResult& r, render::Renderer& renderer) {
    render::RenderSettings s = t.settings();
    s.seed += 1;
    render::AccumBuffer other = render::AccumBuffer::for_rect(t.tile);
    (void)renderer.render(s, t.tile, t.sample_begin, t.sample_count, other);
    r.accum = other;
  };
  auto one_percent = [](const compute::RenderTask&, compute::RenderResult& r, render::Renderer&) {
    size_t pixels = r.accum.rays.size();
    size_t bad = std::max<size_t>(1, (pixels + 99) / 100);
    std::mt19937 rng(r.subtask * 7 + 1);
    for (size_t k = 0; k < bad; ++k) {
      size_t p = std::uniform_int_distribution<size_t>(0, pixels - 1)(rng);
      r.accum.rgbw[p * 4] = std::nextafter(r.accum.rgbw[p * 4], 1e9f);
    }
  };
  // The previous subtask's result of the same size, passed off as this one's.
  auto previous = std::make_shared<std::map<std::pair<uint32_t, uint32_t>, render::AccumBuffer>>();
  auto mutex = std::make_shared<std::mutex>();
  auto reused = [previous, mutex](const compute::RenderTask&, compute::RenderResult& r, render::Renderer&) {
    std::lock_guard lock(*mutex);
    auto key = std::make_pair(r.accum.rect.w, r.accum.rect.h);
    render::AccumBuffer mine = r.accum;
    if (auto it = previous->find(key); it != previous->end()) {
      render::TileRect rect = r.accum.rect;
      r.accum = it->second;
      r.accum.rect = rect;
    }
    (*previous)[key] = mine;
  };
  return {{"noise", noise}, {"fewer samples", fewer}, {"another seed", seed}, {"1% of pixels", one_percent}, {"reused result", reused}};
}

JobSpec upload(ComputeNode& n, const render::RenderSettings& settings) {
  auto files = render::SceneFiles::read_folder(demo_scene());
  EXPECT_TRUE(files.is_ok());
  JobSpec spec;
  spec.spec = render_spec(network::to_string(*store_scene(n.blobs(), *files)), settings);
  return spec;
}

JobStatus run_job(ComputeNode& r, const render::RenderSettings& settings, double redundancy = 0) {
  JobSpec spec = upload(r, settings);
  spec.redundancy = redundancy;
  auto job = r.requestor().submit(spec);
  EXPECT_TRUE(job.is_ok()) << job.status().to_string();
  JobStatus st;
  EXPECT_TRUE(eventually(
      [&] {
        auto s = r.requestor().status(job->id);
        if (s.is_ok()) st = *s;
        return s.is_ok() && st.job.state != compute::JobState::kRunning;
      },
      120000));
  return st;
}

void connect(ComputeNode& from, ComputeNode& to) {
  (void)from.stream_node().transport().connect("127.0.0.1", to.stream_node().transport().port());
}

// Two providers connected to the requestor, whose book then holds both offers.
bool connected(ComputeNode& r, ComputeNode& a, ComputeNode& b) {
  connect(a, r);
  connect(b, r);
  return eventually([&] { return r.offers().offers(network::now_ms()).size() == 2; }, 5000);
}

render::RenderSettings settings() {
  render::RenderSettings s;
  s.width = 64;
  s.height = 64;
  s.spp = 8;
  s.seed = 3;
  return s;
}

// Each kind of cheat over several jobs, with the requestor taking the cheater back for every new
// job (exclude_caught off), so that its results keep coming: the table gives, per kind, the
// altered results delivered and those caught.
TEST(Verification, DishonestProvidersAreCaughtAndTheImageStaysCorrect) {
  render::Image local = tests::local_render(demo_scene(), settings());
  const int jobs = 3;
  uint8_t seed = 100;
  std::printf("%-16s %6s %10s %10s %8s %10s\n", "cheat", "jobs", "altered", "caught", "rate", "verified");
  for (const auto& [name, cheat] : cheats()) {
    // Counts the results the cheat really changed (the first reused one has nothing to reuse).
    auto altered = std::make_shared<std::atomic<uint32_t>>(0);
    Alter alter = [cheat, altered](const compute::RenderTask& t, compute::RenderResult& r, render::Renderer& renderer) {
      std::vector<float> before = r.accum.rgbw;
      cheat(t, r, renderer);
      if (r.accum.rgbw != before) ++*altered;
    };
    auto r = tests::start_compute_node({.seed = seed, .exclude_caught = false});
    auto honest = tests::start_compute_node({.seed = uint8_t(seed + 1), .provide = true, .price = 100});
    auto cheater = tests::start_compute_node({.seed = uint8_t(seed + 2), .provide = true, .price = 50, .alter_result = alter});
    seed += 3;
    ASSERT_TRUE(connected(*r, *honest, *cheater));
    uint32_t caught = 0;
    double verified = 0;
    for (int j = 0; j < jobs; ++j) {
      JobStatus st = run_job(*r, settings());
      ASSERT_EQ(st.job.state, compute::JobState::kDone) << name << ": " << st.job.error;
      caught += st.rejected;
      verified += double(st.verified_work) / double(st.work) / jobs;
      auto image = render::read_pfm(st.output("linear_image"));
      ASSERT_TRUE(image.is_ok());
      EXPECT_LT(tests::max_relative_difference(*image, local), 1e-5) << name;
    }
    // Results still in flight when the last job ended count as delivered, not as checked.
    ASSERT_TRUE(eventually([&] { return cheater->provider()->counts().completed == cheater->provider()->counts().accepted; }));
    std::printf("%-16s %6d %10u %10u %7.1f%% %9.1f%%\n", name.c_str(), jobs, altered->load(), caught,
                100.0 * caught / std::max(1u, altered->load()), 100.0 * verified);
    EXPECT_GE(altered->load(), uint32_t(jobs)) << name;  // the cheater got work in every job
    if (name == "1% of pixels") {
      // Each one is caught with probability 99.86% on these 1024-pixel tiles: at most one miss.
      EXPECT_GE(caught + 1, altered->load());
    } else {
      EXPECT_EQ(caught, altered->load()) << name;
    }
  }
}

// A caught provider stays excluded: the next job, even after the requestor restarts, goes to the
// honest provider alone, though the cheater is cheaper.
TEST(Verification, CaughtProvidersStayExcluded) {
  std::string dir = tests::scratch_dir() + "/excluding-requestor";
  auto r = tests::start_compute_node({.seed = 140, .data_dir = dir});
  auto honest = tests::start_compute_node({.seed = 141, .provide = true, .price = 100});
  auto cheater = tests::start_compute_node({.seed = 142, .provide = true, .price = 10, .alter_result = cheats()["noise"]});
  ASSERT_TRUE(connected(*r, *honest, *cheater));
  JobStatus first = run_job(*r, settings());
  ASSERT_EQ(first.job.state, compute::JobState::kDone);
  EXPECT_GE(first.rejected, 1u);
  network::NodeId cheater_id = cheater->stream_node().identity().node_id();
  EXPECT_TRUE(r->reputation().get(cheater_id).excluded);
  EXPECT_GE(r->reputation().get(honest->stream_node().identity().node_id()).accepted, 1u);
  uint64_t delivered = cheater->provider()->counts().completed;
  r.reset();
  r = tests::start_compute_node({.seed = 140, .data_dir = dir});
  connect(*r, *honest);
  connect(*r, *cheater);
  ASSERT_TRUE(eventually([&] { return r->offers().offers(network::now_ms()).size() == 2; }, 5000));
  JobStatus second = run_job(*r, settings());
  ASSERT_EQ(second.job.state, compute::JobState::kDone);
  EXPECT_EQ(second.rejected, 0u);
  EXPECT_EQ(cheater->provider()->counts().accepted, delivered) << "the excluded provider got more work";
}

// A provider that announces a commitment its result does not have: refused before any pixel is
// re-rendered, and the provider excluded, though the result itself is correct.
TEST(Verification, FalseCommitmentsAreRefused) {
  auto r = tests::start_compute_node({.seed = 150});
  auto honest = tests::start_compute_node({.seed = 151, .provide = true, .price = 100});
  auto liar = tests::start_compute_node(
      {.seed = 152, .provide = true, .price = 10, .alter_announcement = [](compute::TaskResult& t) { t.merkle_root[0] ^= 1; }});
  ASSERT_TRUE(connected(*r, *honest, *liar));
  JobStatus st = run_job(*r, settings());
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  verifier::ProviderRecord rec = r->reputation().get(liar->stream_node().identity().node_id());
  EXPECT_TRUE(rec.excluded);
  EXPECT_EQ(rec.accepted, 0u);
  EXPECT_NE(rec.reason.find("Merkle root"), std::string::npos) << rec.reason;
  auto image = render::read_pfm(st.output("linear_image"));
  ASSERT_TRUE(image.is_ok());
  EXPECT_LT(tests::max_relative_difference(*image, tests::local_render(demo_scene(), settings())), 1e-5);
}

TEST(Verification, HonestProvidersOnDifferentBackendsAreNeverRejected) {
  auto r = tests::start_compute_node({.seed = 130});
  auto cpu = tests::start_compute_node({.seed = 131, .provide = true, .device = "cpu"});
  auto opencl = tests::start_compute_node({.seed = 132, .provide = true, .device = "opencl"});
  ASSERT_TRUE(connected(*r, *cpu, *opencl));
  JobStatus st = run_job(*r, settings());
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  EXPECT_EQ(st.rejected, 0u);
  EXPECT_GT(st.verified_work, 0u);
  EXPECT_GT(cpu->provider()->counts().completed, 0u);
  EXPECT_GT(opencl->provider()->counts().completed, 0u);
  std::printf("verification re-rendered %.1f%% of the job's pixel-samples\n", 100.0 * double(st.verified_work) / double(st.work));
}

// A rig whose two devices (cpu and opencl) share each subtask's samples, summing them on the first
// device, returns the bits of a lone cpu device rendering the same pieces: twins of every subtask
// on the two providers agree, spot checks pass, and the image is the local render within rounding.
TEST(Verification, ARigSharingSamplesAgreesWithALoneDeviceBitForBit) {
  auto r = tests::start_compute_node({.seed = 140});
  auto rig = tests::start_compute_node({.seed = 141, .provide = true, .device = "cpu,opencl", .share_samples = true});
  auto lone = tests::start_compute_node({.seed = 142, .provide = true, .device = "cpu"});
  ASSERT_EQ(rig->provider()->transfer().substr(0, 4), "host");  // no CUDA here
  EXPECT_TRUE(lone->provider()->transfer().empty());
  EXPECT_EQ(rig->provider()->offer().sample_pieces, 2u);
  EXPECT_EQ(lone->provider()->offer().sample_pieces, 1u);
  ASSERT_TRUE(connected(*r, *rig, *lone));
  JobStatus st = run_job(*r, settings(), 1.0);
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  EXPECT_EQ(nlohmann::json::parse(st.job.spec).at("sample_pieces"), 2u);  // the rig's two devices
  EXPECT_EQ(st.rejected, 0u);
  EXPECT_EQ(st.job.resolved.size(), st.job.originals);
  EXPECT_GT(st.verified_work, 0u);
  EXPECT_GT(rig->provider()->counts().completed, 0u);
  EXPECT_GT(lone->provider()->counts().completed, 0u);
  auto image = render::read_pfm(st.output("linear_image"));
  ASSERT_TRUE(image.is_ok());
  EXPECT_LT(tests::max_relative_difference(*image, tests::local_render(demo_scene(), settings())), 1e-5);
}

// Redundancy: every subtask (share 1) is computed by two providers, never the same one twice,
// compared bit for bit, and paid for twice once they agree.
TEST(Verification, RedundantTwinsGoToDifferentProvidersAndAgree) {
  std::string dir = tests::scratch_dir() + "/redundant-requestor";
  auto r = tests::start_compute_node({.seed = 160, .data_dir = dir});
  auto a = tests::start_compute_node({.seed = 161, .provide = true});
  auto b = tests::start_compute_node({.seed = 162, .provide = true});
  ASSERT_TRUE(connected(*r, *a, *b));
  JobStatus st = run_job(*r, settings(), 1.0);
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  EXPECT_EQ(st.rejected, 0u);
  EXPECT_EQ(st.total, 2 * st.job.originals);
  EXPECT_EQ(st.job.resolved.size(), st.job.originals);
  auto image = render::read_pfm(st.output("linear_image"));
  ASSERT_TRUE(image.is_ok());
  EXPECT_LT(tests::max_relative_difference(*image, tests::local_render(demo_scene(), settings())), 1e-5);
  uint64_t paid = r->reputation().get(a->stream_node().identity().node_id()).paid +
                  r->reputation().get(b->stream_node().identity().node_id()).paid;
  EXPECT_EQ(paid, 2 * 100 * uint64_t(64) * 64 * 8);
  r.reset();
  auto store = compute::JobStore::open(dir + "/db");  // the node's one database
  ASSERT_TRUE(store.is_ok());
  auto subtasks = (*store)->subtasks(st.job.id);
  ASSERT_TRUE(subtasks.is_ok());
  for (const auto& [twin, original] : st.job.twin_of) {
    EXPECT_NE((*subtasks)[twin].provider, (*subtasks)[original].provider) << "subtask " << original;
    auto twin_task = compute::decode_render_task((*subtasks)[twin].task.bytes);
    auto original_task = compute::decode_render_task((*subtasks)[original].task.bytes);
    ASSERT_TRUE(twin_task.is_ok() && original_task.is_ok());
    EXPECT_EQ(twin_task->tile, original_task->tile);
  }
}

// A provider that alters one pixel in a thousand, which spot checks (off here) would catch only
// half the time: every result of it meets a twin from an honest provider, they disagree, a third
// provider decides, and the cheater is rejected, excluded and not paid; the image is right.
TEST(Verification, RedundancyCatchesWhatSpotChecksMayMiss) {
  auto r = tests::start_compute_node({.seed = 170, .verify = false});
  auto honest1 = tests::start_compute_node({.seed = 171, .provide = true, .price = 100});
  auto honest2 = tests::start_compute_node({.seed = 172, .provide = true, .price = 100});
  auto one_pixel = [](const compute::RenderTask&, compute::RenderResult& res, render::Renderer&) {
    res.accum.rgbw[4 * (res.accum.rays.size() / 2)] = std::nextafter(res.accum.rgbw[4 * (res.accum.rays.size() / 2)], 1e9f);
  };
  auto cheater = tests::start_compute_node({.seed = 173, .provide = true, .price = 50, .alter_result = one_pixel});
  connect(*cheater, *r);
  ASSERT_TRUE(connected(*r, *honest1, *honest2));
  ASSERT_TRUE(eventually([&] { return r->offers().offers(network::now_ms()).size() == 3; }, 5000));
  JobStatus st = run_job(*r, settings(), 1.0);
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  EXPECT_GE(cheater->provider()->counts().completed, 1u);
  EXPECT_GE(st.rejected, 1u);
  verifier::ProviderRecord rec = r->reputation().get(cheater->stream_node().identity().node_id());
  EXPECT_TRUE(rec.excluded);
  EXPECT_EQ(rec.paid, 0u);
  EXPECT_NE(rec.reason.find("differs from"), std::string::npos) << rec.reason;
  auto image = render::read_pfm(st.output("linear_image"));
  ASSERT_TRUE(image.is_ok());
  EXPECT_LT(tests::max_relative_difference(*image, tests::local_render(demo_scene(), settings())), 1e-5);
  std::printf("the cheater delivered %llu results; %u rejected by comparison with twins, %zu subtasks computed in all\n",
              (unsigned long long)cheater->provider()->counts().completed, st.rejected, st.total);
}

// Five providers that each return a different wrong result: no two ever agree, so after five
// computations of a subtask the job fails, saying why. With one provider, redundancy is refused.
TEST(Verification, NoAgreementAmongFiveFailsTheJob) {
  auto r = tests::start_compute_node({.seed = 180, .verify = false});
  std::vector<std::unique_ptr<ComputeNode>> liars;
  for (uint8_t i = 0; i < 5; ++i) {
    auto own_noise = [i](const compute::RenderTask&, compute::RenderResult& res, render::Renderer&) {
      res.accum.rgbw[0] += float(i + 1);
    };
    liars.push_back(tests::start_compute_node({.seed = uint8_t(181 + i), .provide = true, .alter_result = own_noise}));
    connect(*liars.back(), *r);
  }
  ASSERT_TRUE(eventually([&] { return r->offers().offers(network::now_ms()).size() == 5; }, 5000));
  JobStatus st = run_job(*r, settings(), 1.0);
  EXPECT_EQ(st.job.state, compute::JobState::kFailed);
  EXPECT_NE(st.job.error.find("no two of five providers agree"), std::string::npos) << st.job.error;

  auto lone = tests::start_compute_node({.seed = 190});
  auto one = tests::start_compute_node({.seed = 191, .provide = true});
  connect(*one, *lone);
  ASSERT_TRUE(eventually([&] { return lone->offers().offers(network::now_ms()).size() == 1; }, 5000));
  JobSpec spec = upload(*lone, settings());
  spec.redundancy = 0.5;
  auto refused = lone->requestor().submit(spec);
  ASSERT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("at least two connected providers"), std::string::npos);
}

}  // namespace

namespace {

// Twins accepted before a restart and never compared (the node stopped in between) are compared
// when the requestor resumes: here every subtask has a twin and one twin's result is wrong, so the
// resumed requestor has a third provider compute that subtask and finishes with the right image.
TEST(Verification, TwinsAcceptedBeforeARestartAreSettledAfterIt) {
  std::string dir = tests::scratch_dir() + "/twins-restart";
  render::RenderSettings s = settings();
  std::string job_id = "0123456789abcdef";
  network::NodeId p1 = tests::test_identity(201).node_id(), p2 = tests::test_identity(202).node_id();
  uint32_t originals = 0;
  {
    // The state a requestor leaves when it stops between accepting the last twin and comparing,
    // written in the layout before the node database (a directory per store), which the node
    // imports when it starts: this also tests that import.
    std::filesystem::create_directories(dir);
    auto blobs = network::BlobStore::open(dir + "/blobs");
    auto jobs = compute::JobStore::open(dir + "/jobs");
    ASSERT_TRUE(blobs.is_ok() && jobs.is_ok());
    auto files = render::SceneFiles::read_folder(demo_scene());
    ASSERT_TRUE(files.is_ok());
    // Planned by the render family as a requestor would.
    RenderFamilyOptions family_options;
    family_options.plan = {0.2, 2, 32, 8};
    auto family = make_render_family(family_options);
    JobContext context{**blobs, dir + "/images", dir + "/work"};
    auto family_job = family->open(render_spec(network::to_string(*store_scene(**blobs, *files)), s), context);
    ASSERT_TRUE(family_job.is_ok()) << family_job.status().to_string();
    auto plan = (*family_job)->plan(job_id, {{2e6, 1}, {2e6, 1}});
    ASSERT_TRUE(plan.is_ok());
    compute::JobRecord job;
    job.id = job_id;
    job.family = "render";
    job.spec = (*family_job)->spec().dump();
    job.kernel = kRenderKernel;
    job.max_price = 1000;
    job.redundancy = 1;
    job.created_at = network::now_ms();
    originals = static_cast<uint32_t>(plan->size());
    job.originals = originals;
    for (uint32_t i = 0; i < originals; ++i) {
      auto twin = (*family_job)->twin((*plan)[i], originals + i);
      ASSERT_TRUE(twin.is_ok());
      job.twin_of[twin->index] = i;
      plan->push_back(std::move(*twin));
    }
    ASSERT_TRUE((*jobs)->create(job, *plan).is_ok());
    auto scene = render::prepare_scene(demo_scene());
    auto device = tests::open_or_die("cpu");
    auto renderer = render::Renderer::create(*device, scene->gpu, scene->camera);
    for (const compute::PlannedTask& planned : *plan) {
      auto t = compute::decode_render_task(planned.bytes);
      ASSERT_TRUE(t.is_ok());
      compute::RenderResult r{job_id, t->subtask, t->sample_begin, t->sample_count, render::AccumBuffer::for_rect(t->tile)};
      ASSERT_TRUE((*renderer)->render(s, t->tile, t->sample_begin, t->sample_count, r.accum).is_ok());
      if (t->subtask == originals + 1) r.accum.rgbw[0] += 1;  // one twin is wrong
      auto id = (*blobs)->put(encode(r));
      ASSERT_TRUE(id.is_ok());
      uint32_t index = planned.index;
      const network::NodeId& p = index < originals ? p1 : p2;
      ASSERT_TRUE((*jobs)->assign(job_id, index, p, network::now_ms() + 60000).is_ok());
      const network::PublicKey& key = (index < originals ? tests::test_identity(201) : tests::test_identity(202)).public_key();
      ASSERT_TRUE((*jobs)->accept(job_id, index, p, network::to_string(*id), 100, std::string(64, 'a'), network::to_hex(key)).is_ok());
    }
  }
  auto r = tests::start_compute_node({.seed = 200, .data_dir = dir});
  auto honest = tests::start_compute_node({.seed = 203, .provide = true});
  auto other = tests::start_compute_node({.seed = 204, .provide = true});
  ASSERT_TRUE(connected(*r, *honest, *other));
  JobStatus st;
  ASSERT_TRUE(eventually(
      [&] {
        auto got = r->requestor().status(job_id);
        if (got.is_ok()) st = *got;
        return got.is_ok() && st.job.state != compute::JobState::kRunning;
      },
      60000));
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  EXPECT_EQ(st.job.resolved.size(), originals);
  EXPECT_EQ(st.total, 2 * originals + 1);  // one more computation, of subtask 1
  EXPECT_EQ(st.rejected, 1u);
  EXPECT_TRUE(r->reputation().get(p2).excluded);
  // Receipts went by the keys kept with the accepted records, though those providers are gone:
  // the honest one for its four, the loser for the three twins that agreed.
  EXPECT_EQ(r->reputation().get(p1).receipts, originals);
  EXPECT_EQ(r->reputation().get(p2).receipts, originals - 1);
  auto image = render::read_pfm(st.output("linear_image"));
  ASSERT_TRUE(image.is_ok());
  EXPECT_LT(tests::max_relative_difference(*image, tests::local_render(demo_scene(), s)), 1e-5);
}

}  // namespace

namespace {

// A provider whose results fail the result check (here a pixel's sample weight one ulp off, so
// "pixel 0 holds 8.000001 samples, not 8") is rejected and excluded like one a spot check
// catches; the subtask goes to another provider instead of back to it for ever.
TEST(Verification, ResultsThatFailTheResultCheckCountAgainstTheirProvider) {
  auto r = tests::start_compute_node({.seed = 200});
  auto honest = tests::start_compute_node({.seed = 201, .provide = true, .price = 100});
  auto off_by_one_ulp = [](const compute::RenderTask&, compute::RenderResult& res, render::Renderer&) {
    res.accum.rgbw[3] = std::nextafter(res.accum.rgbw[3], 1e9f);
  };
  auto sloppy = tests::start_compute_node({.seed = 202, .provide = true, .price = 10, .alter_result = off_by_one_ulp});
  ASSERT_TRUE(connected(*r, *honest, *sloppy));
  JobStatus st = run_job(*r, settings());
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  verifier::ProviderRecord rec = r->reputation().get(sloppy->stream_node().identity().node_id());
  EXPECT_GE(rec.rejected, 1u);
  EXPECT_TRUE(rec.excluded);
  EXPECT_EQ(rec.accepted, 0u);
  // No more than it held when its first result was refused.
  EXPECT_LE(sloppy->provider()->counts().accepted, sloppy->provider()->offer().max_subtasks)
      << "the refused provider kept getting the subtask";
  auto image = render::read_pfm(st.output("linear_image"));
  ASSERT_TRUE(image.is_ok());
  EXPECT_LT(tests::max_relative_difference(*image, tests::local_render(demo_scene(), settings())), 1e-5);
}

// A subtask whose input fails on two different providers fails the job with the reason, and
// counts against neither provider.
TEST(Verification, InputThatFailsOnTwoProvidersFailsTheJob) {
  auto r = tests::start_compute_node({.seed = 205});
  auto bad_scene = [](const compute::RenderTask&) { return invalid_argument("scene 'x.gltf': accessor 3 reads past the end"); };
  auto a = tests::start_compute_node({.seed = 206, .provide = true, .fail_subtask = bad_scene});
  auto b = tests::start_compute_node({.seed = 207, .provide = true, .fail_subtask = bad_scene});
  ASSERT_TRUE(connected(*r, *a, *b));
  auto start = std::chrono::steady_clock::now();
  JobStatus st = run_job(*r, settings());
  EXPECT_EQ(st.job.state, compute::JobState::kFailed);
  EXPECT_NE(st.job.error.find("failed on two providers"), std::string::npos) << st.job.error;
  EXPECT_NE(st.job.error.find("accessor 3 reads past the end"), std::string::npos) << st.job.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  for (const auto* p : {&a, &b}) {
    verifier::ProviderRecord rec = r->reputation().get((*p)->stream_node().identity().node_id());
    EXPECT_EQ(rec.failures, 0u);
    EXPECT_FALSE(rec.excluded);
  }
}

}  // namespace
