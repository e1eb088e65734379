// Proof jobs through the market, in one process: hash, Merkle and Ed25519 jobs split across
// providers end with outputs equal to other implementations' (OpenSSL's SHA-256, libsodium's
// BLAKE2b and Ed25519 verdicts, the host RFC 6962 tree of verifier/merkle); a dishonest provider
// that flips one verdict in a hundred is caught by the requestor's spot checks and excluded, and a
// provider that leaves mid-job has its batches done by another, the output still exact.
#include <gtest/gtest.h>

#include <openssl/sha.h>
#include <sodium.h>

#include <fstream>
#include <random>
#include <thread>

#include "host/proof/batch_hash.h"
#include "host/text_codec.h"
#include "network/clock.h"
#include "tests/compute/compute_support.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"
#include "verifier/merkle.h"

namespace {

using namespace strata;
using namespace strata::compute;
using json = nlohmann::json;
using tests::eventually;

void connect(ComputeNode& from, ComputeNode& to) {
  (void)from.stream_node().transport().connect("127.0.0.1", to.stream_node().transport().port());
}

bool offers_seen(ComputeNode& r, size_t n) {
  return eventually([&] { return r.offers().offers(network::now_ms()).size() == n; }, 10000);
}

// Items of random lengths, block boundaries among them.
std::vector<std::vector<uint8_t>> random_items(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<uint8_t>> items(n);
  const size_t edges[] = {0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 135, 136, 137};
  for (size_t i = 0; i < n; ++i) {
    size_t len = i < std::size(edges) ? edges[i] : rng() % 3000;
    items[i].resize(len);
    for (auto& b : items[i]) b = static_cast<uint8_t>(rng());
  }
  return items;
}

struct Signed {
  ProofBatch batch;
  std::vector<bool> libsodium;  // crypto_sign_verify_detached's verdict for each
};

// Signatures, a quarter of them broken in one bit of the message, key or signature.
Signed random_signatures(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Signed s;
  s.batch.fields = 3;
  for (size_t i = 0; i < n; ++i) {
    uint8_t pk[32], sk[64];
    std::array<uint8_t, 32> key_seed{};
    for (auto& b : key_seed) b = static_cast<uint8_t>(rng());
    crypto_sign_seed_keypair(pk, sk, key_seed.data());
    std::vector<uint8_t> message(rng() % 200);
    for (auto& b : message) b = static_cast<uint8_t>(rng());
    std::vector<uint8_t> sig(64);
    crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk);
    std::vector<uint8_t> key(pk, pk + 32);
    if (i % 4 == 1 && !message.empty()) message[rng() % message.size()] ^= 1;
    if (i % 4 == 2) sig[rng() % 64] ^= uint8_t(1u << (rng() % 8));
    if (i % 4 == 3) key[rng() % 32] ^= 4;
    s.libsodium.push_back(crypto_sign_verify_detached(sig.data(), message.data(), message.size(), key.data()) == 0);
    s.batch.values.push_back(key);
    s.batch.values.push_back(message);
    s.batch.values.push_back(sig);
  }
  return s;
}

std::string upload(ComputeNode& n, const ProofBatch& batch) {
  auto id = n.blobs().put(encode(batch));
  EXPECT_TRUE(id.is_ok());
  return network::to_string(*id);
}

// Runs the job to its end; the status it ended with.
JobStatus run(ComputeNode& r, const JobSpec& spec) {
  auto job = r.requestor().submit(spec);
  EXPECT_TRUE(job.is_ok()) << job.status().to_string();
  if (!job.is_ok()) return {};
  JobStatus st;
  EXPECT_TRUE(eventually(
      [&] {
        auto got = r.requestor().status(job->id);
        if (got.is_ok()) st = *got;
        return got.is_ok() && st.job.state != compute::JobState::kRunning;
      },
      60000));
  return st;
}

std::vector<json> output_lines(const JobStatus& st) {
  std::ifstream in(st.output("output"));
  EXPECT_TRUE(in.good()) << "no output for job " << st.job.id << ": " << st.job.output;
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

std::string openssl_sha256(std::span<const uint8_t> m) {
  std::array<uint8_t, 32> d{};
  SHA256(m.data(), m.size(), d.data());
  return to_hex(d);
}

std::string libsodium_blake2b(std::span<const uint8_t> m) {
  std::array<uint8_t, 32> d{};
  crypto_generichash(d.data(), d.size(), m.data(), m.size(), nullptr, 0);
  return to_hex(d);
}

TEST(ProofJobs, HashJobsEqualOtherImplementations) {
  auto r = tests::start_compute_node({.seed = 221});
  auto a = tests::start_compute_node({.seed = 222, .provide = true});
  auto b = tests::start_compute_node({.seed = 223, .provide = true, .device = "opencl"});
  connect(*a, *r);
  connect(*b, *r);
  ASSERT_TRUE(offers_seen(*r, 2));
  ProofBatch batch;
  batch.values = random_items(300, 5);
  std::string items = upload(*r, batch);
  auto device = tests::open_or_die("cpu");
  for (const char* algo : {"sha256", "keccak256", "blake2b"}) {
    JobStatus st = run(*r, {"proof", proof_spec(ProofOp::kHash, algo, items), 1000, 0});
    ASSERT_EQ(st.job.state, compute::JobState::kDone) << algo << ": " << st.job.error;
    EXPECT_GT(st.total, 2u) << "one task: the job was not split";
    EXPECT_EQ(st.job.kernel, std::string("proof/") + algo + "-v1");
    EXPECT_GT(st.verified_work, 0u);
    EXPECT_EQ(st.rejected, 0u);
    std::vector<json> lines = output_lines(st);
    ASSERT_EQ(lines.size(), batch.values.size());
    // Keccak-256 has no other implementation here; the cpu backend's is checked against
    // Ethereum's vectors and pycryptodome (tests/host/proof).
    std::vector<proof::Item> spans(batch.values.begin(), batch.values.end());
    auto cpu = proof::hash_items(*device, *proof::parse_hash_algo(algo), spans);
    ASSERT_TRUE(cpu.is_ok());
    for (size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(lines[i]["item"], i);
      std::string expected = std::string(algo) == "sha256"    ? openssl_sha256(batch.values[i])
                             : std::string(algo) == "blake2b" ? libsodium_blake2b(batch.values[i])
                                                              : to_hex((*cpu)[i]);
      ASSERT_EQ(lines[i]["digest"], expected) << algo << " item " << i << " of " << batch.values[i].size() << " bytes";
    }
  }
  EXPECT_GT(a->provider()->counts().completed, 0u);
  EXPECT_GT(b->provider()->counts().completed, 0u);
}

TEST(ProofJobs, MerkleJobsMatchTheHostTreeAndProveLeaves) {
  auto r = tests::start_compute_node({.seed = 231});
  auto a = tests::start_compute_node({.seed = 232, .provide = true});
  auto b = tests::start_compute_node({.seed = 233, .provide = true});
  connect(*a, *r);
  connect(*b, *r);
  ASSERT_TRUE(offers_seen(*r, 2));
  ProofBatch batch;
  batch.values = random_items(257, 9);  // not a power of two
  std::vector<uint64_t> prove = {0, 1, 128, 255, 256};
  JobStatus st = run(*r, {"proof", proof_spec(ProofOp::kMerkle, "sha256", upload(*r, batch), prove), 1000, 0});
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  EXPECT_GT(st.total, 2u);
  std::vector<verifier::Digest> leaves;
  for (const auto& item : batch.values) leaves.push_back(verifier::merkle_leaf_hash(item, verifier::MerkleHash::kSha256));
  verifier::Digest root = verifier::merkle_root(leaves, verifier::MerkleHash::kSha256);
  std::vector<json> lines = output_lines(st);
  ASSERT_EQ(lines.size(), 1 + prove.size());
  EXPECT_EQ(lines[0]["root"], to_hex(root));
  EXPECT_EQ(lines[0]["leaves"], batch.values.size());
  EXPECT_EQ(nlohmann::json::parse(st.job.output)["root"], to_hex(root));
  for (size_t k = 0; k < prove.size(); ++k) {
    const json& line = lines[1 + k];
    EXPECT_EQ(line["leaf"], prove[k]);
    EXPECT_EQ(line["leaf_hash"], to_hex(leaves[prove[k]]));
    std::vector<verifier::Digest> path;
    for (const auto& h : line["path"]) {
      auto bytes = from_hex(h.get<std::string>());
      ASSERT_TRUE(bytes.is_ok() && bytes->size() == 32);
      path.emplace_back();
      std::copy(bytes->begin(), bytes->end(), path.back().begin());
    }
    EXPECT_TRUE(verifier::merkle_verify_inclusion(leaves[prove[k]], prove[k], leaves.size(), path, root,
                                                  verifier::MerkleHash::kSha256))
        << "leaf " << prove[k];
  }
}

// Flips the verdict of every item whose index in the job is 7 mod 100: one in a hundred.
void flip_one_in_a_hundred(const ProofTask& task, ProofResult& result) {
  for (size_t i = 0; i < result.outputs.size(); ++i) {
    if ((task.first + i) % 100 == 7) result.outputs[i] ^= 1;
  }
}

TEST(ProofJobs, ADishonestVerifierIsCaughtAndTheVerdictsStayLibsodiums) {
  auto r = tests::start_compute_node({.seed = 241});
  auto honest = tests::start_compute_node({.seed = 242, .provide = true, .price = 100});
  auto cheater = tests::start_compute_node({.seed = 243, .provide = true, .price = 10, .alter_proof = flip_one_in_a_hundred});
  connect(*honest, *r);
  connect(*cheater, *r);
  ASSERT_TRUE(offers_seen(*r, 2));
  Signed s = random_signatures(600, 3);
  JobStatus st = run(*r, {"proof", proof_spec(ProofOp::kVerify, "", upload(*r, s.batch)), 1000, 0});
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  EXPECT_EQ(st.job.kernel, "proof/ed25519-v1");
  EXPECT_GE(st.rejected, 1u);
  EXPECT_TRUE(r->reputation().get(cheater->stream_node().identity().node_id()).excluded);
  EXPECT_FALSE(r->reputation().get(honest->stream_node().identity().node_id()).excluded);
  std::vector<json> lines = output_lines(st);
  ASSERT_EQ(lines.size(), s.libsodium.size());
  size_t valid = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i]["valid"].get<bool>(), s.libsodium[i]) << "signature " << i;
    valid += s.libsodium[i];
  }
  EXPECT_GT(valid, 100u);
  EXPECT_LT(valid, 500u);
}

// Redundancy without spot checks: every batch is computed twice, the dishonest provider's
// results lose to the honest pair's, and where an original lost, its twin's result (the same work
// under another index) stands in for it; the output is still libsodium's, with no hole in it.
TEST(ProofJobs, TwinsOutvoteADishonestProviderAndTheirResultsStandIn) {
  auto r = tests::start_compute_node({.seed = 255, .verify = false});
  auto a = tests::start_compute_node({.seed = 245, .provide = true, .price = 100});
  auto b = tests::start_compute_node({.seed = 246, .provide = true, .price = 100});
  auto cheater = tests::start_compute_node({.seed = 247, .provide = true, .price = 10, .alter_proof = flip_one_in_a_hundred});
  connect(*a, *r);
  connect(*b, *r);
  connect(*cheater, *r);
  ASSERT_TRUE(offers_seen(*r, 3));
  Signed s = random_signatures(800, 6);
  JobStatus st = run(*r, {"proof", proof_spec(ProofOp::kVerify, "", upload(*r, s.batch)), 1000, 1.0});
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  EXPECT_EQ(st.job.resolved.size(), st.job.originals);
  EXPECT_GE(st.rejected, 1u);
  EXPECT_TRUE(r->reputation().get(cheater->stream_node().identity().node_id()).excluded);
  std::vector<json> lines = output_lines(st);
  ASSERT_EQ(lines.size(), s.libsodium.size());
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(lines[i]["valid"].get<bool>(), s.libsodium[i]) << "signature " << i;
}

// A provider that announces a result larger than one of its task's can be is refused before a byte
// of it is fetched, and caught.
TEST(ProofJobs, AnOversizedResultIsRefusedUnfetched) {
  auto r = tests::start_compute_node({.seed = 248});
  auto honest = tests::start_compute_node({.seed = 249, .provide = true, .price = 100});
  auto big = [](TaskResult& t) { t.result_bytes = uint64_t(1) << 30; };  // within the wire's bound
  auto liar = tests::start_compute_node({.seed = 250, .provide = true, .price = 10, .alter_announcement = big});
  connect(*honest, *r);
  connect(*liar, *r);
  ASSERT_TRUE(offers_seen(*r, 2));
  ProofBatch batch;
  batch.values = random_items(200, 8);
  JobStatus st = run(*r, {"proof", proof_spec(ProofOp::kHash, "blake2b", upload(*r, batch)), 1000, 0});
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  verifier::ProviderRecord record = r->reputation().get(liar->stream_node().identity().node_id());
  EXPECT_TRUE(record.excluded);
  EXPECT_NE(record.reason.find("at most"), std::string::npos) << record.reason;
  std::vector<json> lines = output_lines(st);
  ASSERT_EQ(lines.size(), batch.values.size());
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(lines[i]["digest"], libsodium_blake2b(batch.values[i])) << i;
}

// A provider that leaves mid-job (slow, so it holds batches when it goes): its batches go to the
// other; receipts are paid per work unit.
TEST(ProofJobs, AProviderLeavingMidJobLosesNothing) {
  auto r = tests::start_compute_node({.seed = 251, .min_deadline = std::chrono::milliseconds(2000), .target_seconds = 0.0001});
  auto stays = tests::start_compute_node({.seed = 252, .provide = true});
  auto slow = [](const ProofTask&, ProofResult&) { std::this_thread::sleep_for(std::chrono::milliseconds(200)); };
  auto leaves = tests::start_compute_node({.seed = 253, .provide = true, .alter_proof = slow});
  connect(*stays, *r);
  connect(*leaves, *r);
  ASSERT_TRUE(offers_seen(*r, 2));
  Signed s = random_signatures(3000, 4);
  auto job = r->requestor().submit({"proof", proof_spec(ProofOp::kVerify, "", upload(*r, s.batch)), 1000, 0});
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  ASSERT_TRUE(eventually([&] { return leaves->provider()->counts().completed >= 1; }, 30000));
  leaves.reset();
  JobStatus st;
  ASSERT_TRUE(eventually(
      [&] {
        auto got = r->requestor().status(job->id);
        if (got.is_ok()) st = *got;
        return got.is_ok() && st.job.state != compute::JobState::kRunning;
      },
      60000));
  ASSERT_EQ(st.job.state, compute::JobState::kDone) << st.job.error;
  EXPECT_GT(st.total, 8u);
  EXPECT_GT(st.reassigned, 0u);
  std::vector<json> lines = output_lines(st);
  ASSERT_EQ(lines.size(), s.libsodium.size());
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(lines[i]["valid"].get<bool>(), s.libsodium[i]) << i;
  // Receipts by work units: 100 per 10^9 signature checks, in 1e-9 of the token's unit.
  uint64_t paid = r->reputation().get(stays->stream_node().identity().node_id()).paid;
  EXPECT_GT(paid, 0u);
  EXPECT_LE(paid, 100u * 3000);
}

// A requestor that declares less work than its batches hold (to pay less under the agreement) is
// refused by every provider, and its job fails with the reason; the providers are not blamed.
TEST(ProofJobs, ProvidersRefuseTasksThatUnderstateTheirWork) {
  auto understate = [](ProofTask& t) { t.work /= 2; };
  auto r = tests::start_compute_node({.seed = 234, .alter_proof_task = understate});
  auto a = tests::start_compute_node({.seed = 235, .provide = true});
  auto b = tests::start_compute_node({.seed = 236, .provide = true});
  connect(*a, *r);
  connect(*b, *r);
  ASSERT_TRUE(offers_seen(*r, 2));
  ProofBatch batch;
  batch.values = random_items(100, 2);
  JobStatus st = run(*r, {"proof", proof_spec(ProofOp::kHash, "sha256", upload(*r, batch)), 1000, 0});
  EXPECT_EQ(st.job.state, compute::JobState::kFailed);
  EXPECT_NE(st.job.error.find("work units; its batch holds"), std::string::npos) << st.job.error;
  EXPECT_FALSE(r->reputation().get(a->stream_node().identity().node_id()).excluded);
  EXPECT_EQ(r->reputation().get(a->stream_node().identity().node_id()).failures, 0u);
}

// A provider offers the families it is told to: a render-only one gets no proof work.
TEST(ProofJobs, AProviderOffersOnlyItsFamilies) {
  auto r = tests::start_compute_node({.seed = 237});
  auto render_only = tests::start_compute_node({.seed = 238, .provide = true, .families = {"render"}});
  connect(*render_only, *r);
  ASSERT_TRUE(offers_seen(*r, 1));
  std::vector<Offer> offers = r->offers().offers(network::now_ms());
  ASSERT_EQ(offers[0].kernels.size(), 1u);
  EXPECT_EQ(offers[0].kernels[0].kernel, kRenderKernel);
  ProofBatch batch;
  batch.values = random_items(5, 3);
  auto job = r->requestor().submit({"proof", proof_spec(ProofOp::kHash, "sha256", upload(*r, batch)), 1000, 0});
  EXPECT_EQ(job.status().code(), StatusCode::kUnavailable) << job.status().to_string();
}

TEST(ProofJobs, SpecErrorsNameTheProblem) {
  auto r = tests::start_compute_node({.seed = 254});
  ProofBatch batch;
  batch.values = random_items(5, 1);
  std::string items = upload(*r, batch);
  auto error = [&](json spec) {
    auto job = r->requestor().submit({"proof", std::move(spec), 1000, 0});
    EXPECT_FALSE(job.is_ok());
    return job.status().message();
  };
  EXPECT_NE(error({{"op", "sign"}, {"items", items}}).find("unknown proof operation 'sign'"), std::string::npos);
  EXPECT_NE(error({{"op", "hash"}, {"algo", "md5"}, {"items", items}}).find("md5"), std::string::npos);
  EXPECT_NE(error({{"op", "hash"}, {"algo", "sha512"}, {"items", items}}).find("sha256, keccak256 or blake2b"), std::string::npos);
  EXPECT_NE(error({{"op", "hash"}, {"algo", "sha256"}}).find("\"items\""), std::string::npos);
  EXPECT_NE(error({{"op", "hash"}, {"algo", "sha256"}, {"items", std::string(64, 'a')}}).find("upload them first"),
            std::string::npos);
  EXPECT_NE(error({{"op", "merkle"}, {"algo", "sha256"}, {"items", items}, {"prove", {5}}}).find("not in a tree of 5 leaves"),
            std::string::npos);
  EXPECT_NE(error({{"op", "hash"}, {"algo", "sha256"}, {"items", items}, {"prove", {1}}}).find("merkle jobs only"),
            std::string::npos);
  // Items for hashing are not signatures.
  EXPECT_NE(error({{"op", "verify"}, {"items", items}}).find("fields per record"), std::string::npos);
  auto junk = r->blobs().put(std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_NE(error(json{{"op", "hash"}, {"algo", "sha256"}, {"items", network::to_string(*junk)}}).find("proof batch: malformed"),
            std::string::npos);
  // No provider: unavailable, naming the kernel.
  auto none = r->requestor().submit({"proof", proof_spec(ProofOp::kHash, "keccak256", items), 1000, 0});
  EXPECT_EQ(none.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(none.status().message().find("proof/keccak256-v1"), std::string::npos) << none.status().message();
  auto unknown = r->requestor().submit({"video", json::object(), 1000, 0});
  EXPECT_NE(unknown.status().message().find("unknown job family 'video' (known: render, proof, analytics)"), std::string::npos);
}

}  // namespace
