// A hostile requestor against a real provider node over loopback: it is only a transport and a
// blob service of its own, serving scenes made to read the provider's files or to crash it, and
// proposing them straight to the provider (no requestor-side check to pass). Each attack fails
// with a reason in the scene's own terms, the provider keeps its key, and it then renders an
// honest requestor's job as before.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "compute/scene_package.h"
#include "network/blob_service.h"
#include "network/blob_store.h"
#include "network/clock.h"
#include "compute/task_messages.h"
#include "tests/compute/compute_support.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::compute;
using json = nlohmann::json;
using tests::eventually;

struct HostileRequestor {
  network::Identity me = tests::test_identity(120);
  std::unique_ptr<network::BlobStore> store;
  std::unique_ptr<network::TransportNode> transport;
  std::unique_ptr<network::BlobService> blobs;
  std::mutex mutex;
  std::vector<compute::TaskReply> replies;

  HostileRequestor() {
    store = std::move(*network::BlobStore::open(tests::scratch_dir() + "/hostile-requestor"));
    auto t = network::TransportNode::start(me, network::TransportNode::Options{},
                                           [this](const network::PeerInfo& from, const network::FrameView& f) -> Status {
                                             if (f.type == network::FrameType::kTaskReply) {
                                               auto r = compute::decode_task_reply(f.payload);
                                               if (!r.is_ok()) return r.status();
                                               std::lock_guard lock(mutex);
                                               replies.push_back(*r);
                                               return Status::ok();
                                             }
                                             // The blob service exists once the transport runs.
                                             if (f.type == network::FrameType::kBlobRequest ||
                                                 f.type == network::FrameType::kBlobChunk) {
                                               return blobs ? blobs->handle(from, f) : Status::ok();
                                             }
                                             return Status::ok();  // offers, stream traffic: ignored
                                           });
    EXPECT_TRUE(t.is_ok());
    transport = std::move(*t);
    blobs = std::make_unique<network::BlobService>(*store, *transport);
  }
  ~HostileRequestor() { transport->stop(); }

  // Proposes subtask `index` of a job over `files` (a scene as the hostile requestor lists it).
  void propose(const network::NodeId& provider_id, const network::PublicKey& provider_key, uint32_t index,
               const render::SceneFiles& files) {
    auto manifest = store_scene(*store, files);
    ASSERT_TRUE(manifest.is_ok());
    std::vector<uint8_t> proposal = tests::encode_test_proposal(
        {.provider = provider_key, .price = 1000, .deadline = network::now_ms() + 60000, .job_id = "hostile",
         .subtask = index, .scene = *manifest},
        me);
    ASSERT_TRUE(transport->send(provider_id, network::FrameType::kTaskProposal, std::move(proposal)).is_ok());
  }

  // The provider's answer that is not its acceptance: why the subtask failed.
  std::optional<compute::TaskReply> failure_of(uint32_t index) {
    std::lock_guard lock(mutex);
    for (const auto& r : replies)
      if (r.subtask == index && !r.agreement) return r;
    return std::nullopt;
  }
};

render::SceneFiles scene_of(const std::string& main, const std::string& text) {
  auto files = render::SceneFiles::from_files(main, {{main, std::vector<uint8_t>(text.begin(), text.end())}});
  EXPECT_TRUE(files.is_ok()) << files.status().to_string();
  return std::move(*files);
}

json one_triangle(const std::string& buffer_uri, uint64_t count = 3) {
  return {{"asset", {{"version", "2.0"}}},
          {"scenes", {{{"nodes", {0}}}}},
          {"nodes", {{{"mesh", 0}}}},
          {"meshes", {{{"primitives", {{{"attributes", {{"POSITION", 0}}}}}}}}},
          {"buffers", {{{"byteLength", 64}, {"uri", buffer_uri}}}},
          {"bufferViews", {{{"buffer", 0}, {"byteLength", 64}, {"byteStride", 16}}}},
          {"accessors", {{{"bufferView", 0}, {"componentType", 5126}, {"count", count}, {"type", "VEC3"}}}}};
}

TEST(HostileRequestor, ProviderReadsNoFileOfItsOwnAndDoesNotCrash) {
  std::string provider_dir = tests::scratch_dir() + "/attacked-provider";
  auto provider = tests::start_compute_node({.seed = 121, .data_dir = provider_dir, .provide = true, .price = 100});
  // In-process nodes take their key from the test; a stand-in of the key file's size is the target.
  std::string key_before(64, 'K');
  { std::ofstream(provider_dir + "/identity.key", std::ios::binary) << key_before; }

  HostileRequestor attacker;
  auto peer = attacker.transport->connect("127.0.0.1", provider->stream_node().transport().port());
  ASSERT_TRUE(peer.is_ok()) << peer.status().to_string();
  const network::PublicKey& key = provider->stream_node().identity().public_key();

  // The provider's key as a glTF buffer, by every path a resolver might follow; and the
  // accessor that wraps 64-bit arithmetic (count 2^60 + 1, stride 16).
  std::vector<std::string> uris = {"../../../../../../../../" + provider_dir + "/identity.key",
                                   provider_dir + "/identity.key", "identity.key", "%2e%2e/identity.key"};
  std::vector<render::SceneFiles> attacks;
  for (const std::string& uri : uris) attacks.push_back(scene_of("scene.gltf", one_triangle(uri).dump()));
  // Errors that quote the scene: a material library named in ill-formed UTF-8, and a uri long
  // enough that naming it runs past what a reply may carry. The replies must still come.
  {
    std::string obj = "mtllib m.mtl\nusemtl red\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n";
    std::string mtl = "newmtl red\nmap_Kd \xff\xfe.png\n";
    auto files = render::SceneFiles::from_files("bytes.obj", {{"bytes.obj", std::vector<uint8_t>(obj.begin(), obj.end())},
                                                              {"m.mtl", std::vector<uint8_t>(mtl.begin(), mtl.end())}});
    ASSERT_TRUE(files.is_ok()) << files.status().to_string();
    attacks.push_back(std::move(*files));
  }
  const uint32_t ill_formed = static_cast<uint32_t>(attacks.size() - 1);
  attacks.push_back(scene_of("long.gltf", one_triangle(std::string(6000, 'u') + ".bin").dump()));
  const uint32_t long_uri = static_cast<uint32_t>(attacks.size() - 1);
  attacks.push_back(scene_of("wrap.gltf", one_triangle("data:application/octet-stream;base64," + std::string(86, 'A') + "==",
                                                       (uint64_t(1) << 60) + 1)
                                              .dump()));
  const uint32_t wrap = static_cast<uint32_t>(attacks.size() - 1);
  for (uint32_t i = 0; i < attacks.size(); ++i) {  // one at a time, within the provider's places
    attacker.propose(peer->id, key, i, attacks[i]);
    ASSERT_TRUE(eventually([&] { return attacker.failure_of(i).has_value(); }, 30000)) << "no answer to attack " << i;
  }
  for (uint32_t i = 0; i <= wrap; ++i) {
    compute::TaskReply r = *attacker.failure_of(i);
    EXPECT_TRUE(r.bad_input) << r.error;
    EXPECT_EQ(r.error.find(tests::scratch_dir() + "/attacked-provider/work"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find(std::filesystem::current_path().string() + "/"), std::string::npos) << r.error;
  }
  EXPECT_NE(attacker.failure_of(wrap)->error.find("wrap.gltf"), std::string::npos);
  EXPECT_NE(attacker.failure_of(ill_formed)->error.find("bytes.obj"), std::string::npos) << attacker.failure_of(ill_formed)->error;
  EXPECT_NE(attacker.failure_of(long_uri)->error.find("uuuu"), std::string::npos) << attacker.failure_of(long_uri)->error;
  EXPECT_LE(attacker.failure_of(long_uri)->error.size(), 4096u);
  EXPECT_EQ(provider->provider()->counts().completed, 0u) << "an attack rendered";

  // Still the same node, and still serving: an honest requestor's job renders as before.
  std::ifstream again(provider_dir + "/identity.key", std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>()), key_before);
  auto honest = tests::start_compute_node({.seed = 122});
  (void)honest->stream_node().transport().connect("127.0.0.1", provider->stream_node().transport().port());
  ASSERT_TRUE(eventually([&] { return honest->offers().offers(network::now_ms()).size() == 1; }, 5000));
  auto files = render::SceneFiles::read_folder(tests::source_dir() + "/scenes/demo.gltf");
  ASSERT_TRUE(files.is_ok());
  render::RenderSettings settings;
  settings.width = settings.height = 32;
  settings.spp = 4;
  JobSpec spec;
  spec.spec = render_spec(network::to_string(*store_scene(honest->blobs(), *files)), settings);
  auto job = honest->requestor().submit(spec);
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  ASSERT_TRUE(eventually([&] {
    auto st = honest->requestor().status(job->id);
    return st.is_ok() && st->job.state == compute::JobState::kDone;
  }, 60000));
  auto image = render::read_pfm(honest->requestor().status(job->id)->output("linear_image"));
  ASSERT_TRUE(image.is_ok());
  EXPECT_LT(tests::max_relative_difference(*image, tests::local_render(tests::source_dir() + "/scenes/demo.gltf", settings)), 1e-5);
}

}  // namespace
