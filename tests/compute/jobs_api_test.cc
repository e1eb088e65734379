// The jobs API on a real node in process: a scene uploaded as blobs, a job submitted, followed on
// the progress WebSocket and fetched as an image; every kind of bad request gets a 4xx answer
// that names the problem, and the node keeps serving. Proposals that a provider must refuse get
// the reason back; a forged one drops the peer that sent it.
#include <gtest/gtest.h>

#include <set>
#include <nlohmann/json.hpp>

#include "compute/jobs_api.h"
#include "compute/scene_package.h"
#include "network/api_client.h"
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

struct JobsApi {
  std::unique_ptr<ComputeNode> node;
  std::unique_ptr<network::ApiServer> api;
  network::ApiAddress address;
};

JobsApi start_api(std::unique_ptr<ComputeNode> node) {
  JobsApi j;
  j.node = std::move(node);
  network::ApiServer::Options o;
  o.token = std::string(64, 'a');
  o.upload_paths = {"blobs"};
  o.max_upload = 8u << 20;
  o.routes = jobs_routes(*j.node);
  o.stream_alias = jobs_stream_alias;
  auto api = network::ApiServer::start(j.node->stream_node(), o);
  EXPECT_TRUE(api.is_ok()) << api.status().to_string();
  j.api = std::move(*api);
  j.address = {{"127.0.0.1", j.api->port()}, o.token};
  return j;
}

std::pair<int, std::string> raw(const JobsApi& j, const std::string& method, const std::string& target,
                                const std::string& body = "") {
  auto r = network::http_request(j.address, method, target, body);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? std::pair{r->status, r->body} : std::pair{0, std::string()};
}
std::pair<int, json> call(const JobsApi& j, const std::string& method, const std::string& target,
                          const std::string& body = "") {
  auto [status, text] = raw(j, method, target, body);
  return {status, json::parse(text, nullptr, false)};
}
void expect_error(const std::pair<int, json>& answer, int status, const std::string& needle) {
  EXPECT_EQ(answer.first, status) << answer.second.dump();
  ASSERT_TRUE(answer.second.is_object() && answer.second.contains("error")) << answer.second.dump();
  EXPECT_NE(answer.second["error"].get<std::string>().find(needle), std::string::npos) << answer.second.dump();
}

// The demo scene uploaded through the API; returns the manifest id.
std::string upload_demo(const JobsApi& j) {
  auto files = render::SceneFiles::read_folder(tests::source_dir() + "/scenes/demo.gltf");
  EXPECT_TRUE(files.is_ok());
  SceneManifest m;
  m.main = files->main();
  for (const render::SceneFiles::File& f : files->files()) {
    auto [status, body] = call(j, "POST", "/api/v1/blobs", std::string(f.bytes.begin(), f.bytes.end()));
    EXPECT_EQ(status, 201) << body.dump();
    EXPECT_EQ(body.value("id", ""), network::to_string(network::blob_id_of(f.bytes)));
    m.files.push_back({f.path, network::blob_id_of(f.bytes), f.bytes.size()});
  }
  std::vector<uint8_t> manifest = encode_manifest(m);
  auto [status, body] = call(j, "POST", "/api/v1/blobs", std::string(manifest.begin(), manifest.end()));
  EXPECT_EQ(status, 201);
  return body.value("id", "");
}

TEST(JobsApi, SubmitFollowAndFetchTheImage) {
  JobsApi j = start_api(tests::start_compute_node({.seed = 51}));
  auto p = tests::start_compute_node({.seed = 52, .provide = true});
  ASSERT_TRUE(p->stream_node().transport().connect("127.0.0.1", j.node->stream_node().transport().port()).is_ok());
  ASSERT_TRUE(eventually([&] { return !j.node->offers().offers(network::now_ms()).empty(); }, 5000));
  std::string scene = upload_demo(j);
  // The blob comes back as stored.
  auto [blob_status, blob] = raw(j, "GET", "/api/v1/blobs/" + scene);
  EXPECT_EQ(blob_status, 200);
  EXPECT_EQ(network::blob_id_of(std::vector<uint8_t>(blob.begin(), blob.end())), *network::parse_blob_id(scene));

  auto [status, job] = call(j, "POST", "/api/v1/jobs",
                            json{{"scene", scene}, {"width", 48}, {"height", 32}, {"spp", 4}, {"seed", 3}}.dump());
  ASSERT_EQ(status, 201) << job.dump();
  std::string id = job["id"];
  EXPECT_EQ(job["state"], "running");
  EXPECT_GT(job["subtasks"]["total"].get<int>(), 0);
  // The progress WebSocket replays the job from its start, through to "done".
  std::vector<std::string> events;
  Status read = network::websocket_read(
      j.address, "/api/v1/jobs/" + id + "/progress",
      [&](const std::string& text) {
        json m = json::parse(text, nullptr, false);
        events.push_back(m["content"].value("event", ""));
        return events.back() != "done";
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(read.is_ok()) << read.to_string();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front(), "submitted");
  EXPECT_EQ(events.back(), "done");
  EXPECT_EQ(std::count(events.begin(), events.end(), "tile"), job["subtasks"]["total"].get<int>());
  auto [png_status, png] = raw(j, "GET", "/api/v1/jobs/" + id + "/image");
  EXPECT_EQ(png_status, 200);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  auto [pfm_status, pfm] = raw(j, "GET", "/api/v1/jobs/" + id + "/image?format=pfm");
  EXPECT_EQ(pfm_status, 200);
  EXPECT_EQ(pfm.substr(0, 2), "PF");
  auto [list_status, list] = call(j, "GET", "/api/v1/jobs");
  EXPECT_EQ(list_status, 200);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["state"], "done");
  // Done is final.
  expect_error(call(j, "POST", "/api/v1/jobs/" + id + "/cancel"), 400, "already done");
  EXPECT_GT(list[0]["verification"]["work"].get<uint64_t>(), 0u);
  EXPECT_EQ(list[0]["verification"]["rejected"], 0);
  // The provider that did the work, as this requestor knows it.
  auto [providers_status, providers] = call(j, "GET", "/api/v1/providers");
  EXPECT_EQ(providers_status, 200);
  ASSERT_EQ(providers.size(), 1u);
  EXPECT_EQ(providers[0]["id"], network::to_hex(p->stream_node().identity().node_id()));
  EXPECT_EQ(providers[0]["accepted"], job["subtasks"]["total"]);
  EXPECT_EQ(providers[0]["excluded"], false);
  expect_error(call(j, "POST", "/api/v1/providers"), 405, "POST");
  // The offer book: the one provider, its cpu device and its price.
  auto [offers_status, offers] = call(j, "GET", "/api/v1/offers");
  EXPECT_EQ(offers_status, 200);
  ASSERT_EQ(offers.size(), 1u) << offers.dump();
  EXPECT_EQ(offers[0]["provider"], network::to_hex(p->stream_node().identity().node_id()));
  ASSERT_EQ(offers[0]["devices"].size(), 1u);
  EXPECT_EQ(offers[0]["devices"][0]["backend"], "cpu");
  EXPECT_EQ(offers[0]["sample_pieces"], 1);  // one device: it works alone
  // Every kernel of every family, each with its speed and price in its own work unit.
  std::set<std::string> kernels;
  for (const auto& k : offers[0]["kernels"]) {
    kernels.insert(k["kernel"].get<std::string>());
    EXPECT_EQ(k["price"], 100);
    EXPECT_GT(k["speed"].get<double>(), 0);
  }
  EXPECT_EQ(kernels, (std::set<std::string>{"render/pathtrace-v1", "proof/sha256-v1", "proof/keccak256-v1",
                                            "proof/blake2b-v1", "proof/ed25519-v1", "analytics/aggregate-v1"}));
  expect_error(call(j, "DELETE", "/api/v1/offers"), 405, "DELETE");
  expect_error(call(j, "GET", "/api/v1/offers/x"), 404, "no such endpoint");
  // This node requested; it is owed nothing.
  auto [receipts_status, receipts] = call(j, "GET", "/api/v1/receipts");
  EXPECT_EQ(receipts_status, 200);
  EXPECT_TRUE(receipts.is_array() && receipts.empty()) << receipts.dump();
}

TEST(JobsApi, BadRequestsAreNamed) {
  JobsApi j = start_api(tests::start_compute_node({.seed = 53}));
  std::string scene = upload_demo(j);
  auto job = [&](json body) { return call(j, "POST", "/api/v1/jobs", body.dump()); };
  json good{{"scene", scene}, {"width", 16}, {"height", 16}, {"spp", 1}};
  expect_error(call(j, "POST", "/api/v1/jobs", "{not json"), 400, "JSON object");
  expect_error(job(json::array()), 400, "JSON object");
  expect_error(job({{"width", 16}, {"height", 16}, {"spp", 1}}), 400, "\"scene\"");
  json no_spp = good;
  no_spp.erase("spp");
  expect_error(job(no_spp), 400, "\"spp\" is required");
  json negative = good;
  negative["width"] = -4;
  expect_error(job(negative), 400, "\"width\" must be an integer");
  json huge = good;
  huge["height"] = 100000;
  expect_error(job(huge), 400, "\"height\" must be an integer from 0 to 16384");
  json zero = good;
  zero["spp"] = 0;
  expect_error(job(zero), 400, "samples per pixel");
  json too_redundant = good;
  too_redundant["redundancy"] = 1.5;
  expect_error(job(too_redundant), 400, "\"redundancy\" must be a number from 0 to 1");
  json bad_scene = good;
  bad_scene["scene"] = "xyz";
  expect_error(job(bad_scene), 400, "scene");
  json unknown_scene = good;
  unknown_scene["scene"] = std::string(64, 'b');
  expect_error(job(unknown_scene), 404, "not in this node's blob store");
  expect_error(job(good), 503, "no connected provider");
  expect_error(call(j, "GET", "/api/v1/jobs/nope"), 404, "nope");
  expect_error(call(j, "POST", "/api/v1/jobs/nope/cancel"), 404, "nope");
  expect_error(call(j, "GET", "/api/v1/jobs/nope/image"), 404, "nope");
  expect_error(call(j, "GET", "/api/v1/jobs/nope/progress"), 426, "WebSocket");
  expect_error(call(j, "PUT", "/api/v1/jobs"), 405, "PUT");
  expect_error(call(j, "GET", "/api/v1/jobs/a/b/c"), 404, "no such endpoint");
  expect_error(call(j, "POST", "/api/v1/blobs", ""), 400, "empty");
  expect_error(call(j, "GET", "/api/v1/blobs/zz"), 400, "hex");
  expect_error(call(j, "GET", "/api/v1/blobs/" + std::string(64, 'c')), 404, "");
  expect_error(call(j, "DELETE", "/api/v1/blobs"), 405, "DELETE");
  // Uploads may be larger than other bodies, up to their own bound.
  auto [big_status, big] = call(j, "POST", "/api/v1/blobs", std::string(6u << 20, 'x'));
  EXPECT_EQ(big_status, 201) << big.dump();
  auto [over_status, over] = call(j, "POST", "/api/v1/blobs", std::string(9u << 20, 'x'));
  EXPECT_EQ(over_status, 413);
  expect_error(call(j, "POST", "/api/v1/streams", std::string(6u << 20, ' ')), 413, "");
  // Still serving.
  EXPECT_EQ(call(j, "GET", "/api/v1/jobs").first, 200);
}

// A requestor that is only a test transport: proposals straight to a provider.
TEST(JobsApi, ProviderRefusesWhatItMustAndDropsForgers) {
  auto provider = tests::start_compute_node({.seed = 54, .provide = true, .price = 100});
  network::Identity me = tests::test_identity(55);
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
  auto peer = (*t)->connect("127.0.0.1", provider->stream_node().transport().port());
  ASSERT_TRUE(peer.is_ok());
  auto propose = [&](uint64_t price, uint64_t deadline, const network::PublicKey& provider_key,
                     const network::Identity& signer, uint64_t memory = 1 << 20, std::string kernel = kRenderKernel) {
    return tests::encode_test_proposal({.provider = provider_key, .price = price, .deadline = deadline, .memory = memory,
                                        .kernel = kernel},
                                       signer);
  };
  network::PublicKey key = provider->stream_node().identity().public_key();
  uint64_t later = network::now_ms() + 60000;
  ASSERT_TRUE((*t)->send(peer->id, network::FrameType::kTaskProposal, propose(99, later, key, me)).is_ok());
  ASSERT_TRUE((*t)->send(peer->id, network::FrameType::kTaskProposal, propose(100, 1, key, me)).is_ok());
  ASSERT_TRUE((*t)->send(peer->id, network::FrameType::kTaskProposal,
                         propose(100, later, tests::test_identity(56).public_key(), me))
                  .is_ok());
  ASSERT_TRUE((*t)->send(peer->id, network::FrameType::kTaskProposal, propose(100, later, key, me, 1ull << 50)).is_ok());
  ASSERT_TRUE((*t)->send(peer->id, network::FrameType::kTaskProposal, propose(100, later, key, me, 1, "proof/x")).is_ok());
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return replies.size() == 5;
  }));
  EXPECT_NE(replies[0].error.find("under this provider's 100"), std::string::npos) << replies[0].error;
  EXPECT_NE(replies[1].error.find("deadline has already passed"), std::string::npos) << replies[1].error;
  EXPECT_NE(replies[2].error.find("another provider"), std::string::npos) << replies[2].error;
  EXPECT_NE(replies[3].error.find("MiB of device memory"), std::string::npos) << replies[3].error;
  EXPECT_NE(replies[4].error.find("does not run the kernel 'proof/x'"), std::string::npos) << replies[4].error;
  EXPECT_EQ(provider->provider()->counts().refused, 5u);
  // Signed by another key than the peer's own: the peer is dropped.
  ASSERT_TRUE((*t)->send(peer->id, network::FrameType::kTaskProposal, propose(100, later, key, tests::test_identity(57)))
                  .is_ok());
  EXPECT_TRUE(eventually([&] { return (*t)->peers().empty(); }));
  (*t)->stop();
}

// A kernel of a family the provider knows but does not offer is refused like an unknown one, and
// the provider goes on serving what it offers.
TEST(JobsApi, ProviderRefusesTheKernelsOfFamiliesItDoesNotOffer) {
  auto provider = tests::start_compute_node({.seed = 239, .provide = true, .price = 100, .families = {"render"}});
  network::Identity me = tests::test_identity(58);
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
  auto peer = (*t)->connect("127.0.0.1", provider->stream_node().transport().port());
  ASSERT_TRUE(peer.is_ok());
  network::PublicKey key = provider->stream_node().identity().public_key();
  uint64_t later = network::now_ms() + 60000;
  auto propose = [&](std::string kernel) {
    return tests::encode_test_proposal({.provider = key, .price = 100, .deadline = later, .memory = 1, .kernel = kernel}, me);
  };
  ASSERT_TRUE((*t)->send(peer->id, network::FrameType::kTaskProposal, propose("proof/sha256-v1")).is_ok());
  ASSERT_TRUE((*t)->send(peer->id, network::FrameType::kTaskProposal, propose(kRenderKernel)).is_ok());
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return replies.size() == 2;
  }));
  EXPECT_NE(replies[0].error.find("does not run the kernel 'proof/sha256-v1'"), std::string::npos) << replies[0].error;
  EXPECT_FALSE(replies[0].agreement.has_value());
  EXPECT_TRUE(replies[1].error.empty()) << replies[1].error;
  EXPECT_TRUE(replies[1].agreement.has_value());
  EXPECT_EQ(provider->provider()->counts().refused, 1u);
  EXPECT_EQ(provider->provider()->counts().accepted, 1u);
  EXPECT_EQ((*t)->peers().size(), 1u);
  (*t)->stop();
}

}  // namespace
