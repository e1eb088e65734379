// The proof family's hashing on every backend: published vectors (NIST SHA-256 short and long
// messages, Ethereum's Keccak-256, BLAKE2b), random messages of every length around the block
// boundaries against other implementations (OpenSSL's SHA-256, libsodium's BLAKE2b,
// pycryptodome's Keccak), RFC 6962 trees and inclusion proofs against verifier/merkle, and
// batches split to fit a small device.
#include <gtest/gtest.h>

#include <openssl/sha.h>
#include <sodium.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "host/proof/batch_hash.h"
#include "host/proof/items_file.h"
#include "tests/test_support.h"
#include "verifier/merkle.h"

namespace {

using namespace strata;
using namespace strata::proof;

std::string hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) out += digits[b >> 4], out += digits[b & 15];
  return out;
}

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<Digest> hash_all(Device& device, HashAlgo algo, const std::vector<std::vector<uint8_t>>& items,
                             bool as_leaves = false) {
  std::vector<Item> views(items.begin(), items.end());
  auto digests = hash_items(device, algo, views, as_leaves);
  EXPECT_TRUE(digests.is_ok()) << digests.status().to_string();
  return digests.is_ok() ? *digests : std::vector<Digest>(items.size());
}

// The references, one message at a time.
std::string openssl_sha256(std::span<const uint8_t> m) {
  uint8_t d[32];
  SHA256(m.data(), m.size(), d);
  return hex(d);
}
std::string sodium_blake2b(std::span<const uint8_t> m) {
  uint8_t d[32];
  crypto_generichash(d, 32, m.data(), m.size(), nullptr, 0);
  return hex(d);
}
std::vector<std::string> pycryptodome_keccak(const std::vector<std::vector<uint8_t>>& messages) {
  std::string in = tests::scratch_dir() + "/keccak-in.txt", out = tests::scratch_dir() + "/keccak-out.txt";
  {
    std::ofstream f(in);
    for (const auto& m : messages) f << hex(m) << "\n";
  }
  std::string command = "/usr/bin/python3 " + tests::source_dir() + "/tests/host/proof/keccak_reference.py < " + in +
                        " > " + out;
  if (std::system(command.c_str()) != 0) return {};  // no reference here (a GPU machine without Debian's packages)
  std::vector<std::string> digests;
  std::ifstream f(out);
  for (std::string line; std::getline(f, line);) digests.push_back(line);
  return digests;
}

class ProofHash : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Device> device = tests::open_or_die(GetParam());
};

TEST_P(ProofHash, PublishedVectors) {
  std::vector<std::vector<uint8_t>> m = {bytes_of(""), bytes_of("abc"),
                                         bytes_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                                         std::vector<uint8_t>(1000000, 'a')};
  auto sha = hash_all(*device, HashAlgo::kSha256, m);
  EXPECT_EQ(hex(sha[0]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");  // FIPS 180-4 examples
  EXPECT_EQ(hex(sha[1]), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha[2]), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(sha[3]), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  auto keccak = hash_all(*device, HashAlgo::kKeccak256, m);
  EXPECT_EQ(hex(keccak[0]), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");  // Ethereum's empty hash
  EXPECT_EQ(hex(keccak[1]), "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  auto blake = hash_all(*device, HashAlgo::kBlake2b256, m);
  EXPECT_EQ(hex(blake[0]), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(hex(blake[1]), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

// Every length from 0 to 300 (each block boundary of the three: 64, 128, 136, and the length
// fields' 55/56, 111/112), then random ones up to 5 KiB, in one batch, so items sit at every
// alignment beside each other; as plain messages and as RFC 6962 leaves (0x00 first).
TEST_P(ProofHash, RandomMessagesMatchOtherImplementations) {
  std::mt19937 rng(11);
  std::vector<std::vector<uint8_t>> m;
  for (size_t n = 0; n <= 300; ++n) m.emplace_back(n);
  for (int i = 0; i < 100; ++i) m.emplace_back(rng() % 5000);
  for (auto& item : m)
    for (auto& b : item) b = static_cast<uint8_t>(rng());
  std::vector<std::vector<uint8_t>> leaves;
  for (const auto& item : m) {
    leaves.push_back({0});
    leaves.back().insert(leaves.back().end(), item.begin(), item.end());
  }
  for (bool as_leaves : {false, true}) {
    const auto& expected_input = as_leaves ? leaves : m;
    auto sha = hash_all(*device, HashAlgo::kSha256, m, as_leaves);
    auto blake = hash_all(*device, HashAlgo::kBlake2b256, m, as_leaves);
    auto keccak = hash_all(*device, HashAlgo::kKeccak256, m, as_leaves);
    auto keccak_expected = pycryptodome_keccak(expected_input);
    if (keccak_expected.empty()) {
      // scripts/setup.sh installs it; without it, Keccak stands on the published vectors alone.
      ASSERT_NE(std::getenv("STRATA_REQUIRE_OPENCL"), nullptr) << "pycryptodome (python3-pycryptodome) is missing";
      keccak_expected.assign(m.size(), "");
    }
    ASSERT_EQ(keccak_expected.size(), m.size());
    for (size_t i = 0; i < m.size(); ++i) {
      ASSERT_EQ(hex(sha[i]), openssl_sha256(expected_input[i])) << "length " << m[i].size() << " leaf " << as_leaves;
      ASSERT_EQ(hex(blake[i]), sodium_blake2b(expected_input[i])) << "length " << m[i].size() << " leaf " << as_leaves;
      if (!keccak_expected[i].empty()) {
        ASSERT_EQ(hex(keccak[i]), keccak_expected[i]) << "length " << m[i].size() << " leaf " << as_leaves;
      }
    }
  }
}

// SHA-512 (Ed25519's h, 64-byte digests): FIPS 180-4's "abc", and every length from 0 to 300
// (its length field's 111/112 and the 128-byte block) and random ones, against libsodium.
TEST_P(ProofHash, Sha512MatchesLibsodium) {
  std::mt19937 rng(14);
  std::vector<std::vector<uint8_t>> m = {bytes_of("abc")};
  for (size_t n = 0; n <= 300; ++n) m.emplace_back(n);
  for (int i = 0; i < 50; ++i) m.emplace_back(rng() % 5000);
  for (size_t i = 1; i < m.size(); ++i)
    for (auto& b : m[i]) b = static_cast<uint8_t>(rng());
  std::vector<Item> views(m.begin(), m.end());
  auto digests = sha512_items(*device, views);
  ASSERT_TRUE(digests.is_ok()) << digests.status().to_string();
  EXPECT_EQ(hex((*digests)[0]),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  for (size_t i = 0; i < m.size(); ++i) {
    uint8_t expected[64];
    crypto_hash_sha512(expected, m[i].data(), m[i].size());
    ASSERT_EQ(hex((*digests)[i]), hex(expected)) << "length " << m[i].size();
  }
  EXPECT_FALSE(hash_items(*device, HashAlgo::kSha512, views).is_ok()) << "SHA-512 has no 32-byte digest";
}

// Trees over 0 to 40 leaves and 1000: the same roots and paths as verifier/merkle (RFC 6962,
// checked there against the published vectors), and every path verified in one batch; a
// flipped bit, another index, another tree size, a path cut short or made longer all fail, as
// they do in verifier/merkle.
TEST_P(ProofHash, MerkleTreesAndProofsMatchTheVerifier) {
  std::mt19937 rng(12);
  for (auto [algo, hash] : {std::pair{HashAlgo::kSha256, verifier::MerkleHash::kSha256},
                            std::pair{HashAlgo::kBlake2b256, verifier::MerkleHash::kBlake2b256}}) {
    for (size_t n : {0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 40, 1000}) {
      std::vector<std::vector<uint8_t>> items(n);
      for (auto& item : items) {
        item.resize(rng() % 200);
        for (auto& b : item) b = static_cast<uint8_t>(rng());
      }
      std::vector<Item> views(items.begin(), items.end());
      auto tree = merkle_tree(*device, algo, views);
      ASSERT_TRUE(tree.is_ok()) << tree.status().to_string();
      std::vector<verifier::Digest> leaves;
      for (const auto& item : items) leaves.push_back(verifier::merkle_leaf_hash(item, hash));
      ASSERT_EQ(tree->root, verifier::merkle_root(leaves, hash)) << "n " << n;
      std::vector<InclusionClaim> claims;
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(tree->inclusion_proof(i), verifier::merkle_inclusion_proof(leaves, i, hash)) << n << " " << i;
        claims.push_back({leaves[i], i, n, tree->inclusion_proof(i)});
      }
      auto verdicts = verify_inclusion(*device, algo, tree->root, claims);
      ASSERT_TRUE(verdicts.is_ok()) << verdicts.status().to_string();
      for (size_t i = 0; i < n; ++i) ASSERT_TRUE((*verdicts)[i]) << "n " << n << " leaf " << i;
      if (n < 2) continue;
      std::vector<InclusionClaim> bad;
      for (size_t i = 0; i < n; i += std::max<size_t>(1, n / 8)) {
        InclusionClaim c = claims[i];
        bad.push_back(c), bad.back().leaf_hash[rng() % 32] ^= uint8_t(1u << (rng() % 8));
        bad.push_back(c), bad.back().index = (i + 1) % n;
        bad.push_back(c), bad.back().tree_size = n + 1;
        bad.push_back(c), bad.back().index = n;
        if (!c.path.empty()) bad.push_back(c), bad.back().path.pop_back();
        bad.push_back(c), bad.back().path.push_back(leaves[0]);
        if (!c.path.empty()) bad.push_back(c), bad.back().path[0][0] ^= 1;
      }
      auto refused = verify_inclusion(*device, algo, tree->root, bad);
      ASSERT_TRUE(refused.is_ok());
      for (size_t i = 0; i < bad.size(); ++i) {
        bool reference = verifier::merkle_verify_inclusion(bad[i].leaf_hash, bad[i].index, bad[i].tree_size,
                                                           bad[i].path, tree->root, hash);
        EXPECT_EQ((*refused)[i], reference) << "n " << n << " claim " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ProofHash, ::testing::ValuesIn(tests::test_device_ids()));

// A device that says it has 8 MiB: a batch of 3 MiB runs in pieces of at most 1 MiB, and gives
// what one launch gives.
class SmallDevice : public tests::WrappedDevice {
 public:
  explicit SmallDevice(std::unique_ptr<Device> inner) : WrappedDevice(std::move(inner)) { info_.memory_bytes = 8u << 20; }
  Result<std::unique_ptr<DeviceBuffer>> allocate(size_t bytes) override {
    largest = std::max(largest, bytes);
    return WrappedDevice::allocate(bytes);
  }
  Status launch(std::string_view k, LaunchRange r, std::span<const KernelArg> a) override {
    ++launches;
    return WrappedDevice::launch(k, r, a);
  }
  size_t launches = 0, largest = 0;
};

TEST(ProofHashBatches, ABatchLargerThanTheDeviceRunsInPieces) {
  std::vector<std::vector<uint8_t>> items(3000, std::vector<uint8_t>(1000));
  std::mt19937 rng(13);
  for (auto& item : items)
    for (auto& b : item) b = static_cast<uint8_t>(rng());
  SmallDevice small(tests::open_or_die("cpu:0"));
  auto pieces = hash_all(small, HashAlgo::kSha256, items);
  EXPECT_GE(small.launches, 3u);
  EXPECT_LE(small.largest, size_t(1) << 20);
  for (size_t i = 0; i < items.size(); ++i) ASSERT_EQ(hex(pieces[i]), openssl_sha256(items[i])) << i;
  // The tree's levels are split the same way: 40,000 leaves are 1.25 MiB of digests.
  std::vector<std::vector<uint8_t>> many(40000, std::vector<uint8_t>(4));
  for (size_t i = 0; i < many.size(); ++i) std::memcpy(many[i].data(), &i, 4);
  std::vector<Item> views(many.begin(), many.end());
  auto tree = merkle_tree(small, HashAlgo::kBlake2b256, views);
  ASSERT_TRUE(tree.is_ok());
  std::vector<verifier::Digest> leaves;
  for (const auto& item : many) leaves.push_back(verifier::merkle_leaf_hash(item));
  EXPECT_EQ(tree->root, verifier::merkle_root(leaves));
  EXPECT_LE(small.largest, size_t(1) << 20);
}

TEST(ProofHashBatches, BadRequestsAreNamed) {
  EXPECT_EQ(parse_hash_algo("sha3-256").status().message(), "unknown hash 'sha3-256' (sha256, keccak256 or blake2b)");
  EXPECT_EQ(*parse_hash_algo("keccak256"), HashAlgo::kKeccak256);
  auto device = tests::open_or_die("cpu:0");
  auto none = hash_items(*device, HashAlgo::kSha256, {});
  ASSERT_TRUE(none.is_ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(hash_items(*device, static_cast<HashAlgo>(9), {}).is_ok());
  // Tree sizes past 32 bits are walked like any other; a path too short for one is refused.
  std::vector<InclusionClaim> huge = {{Digest{}, 5, uint64_t(1) << 33, {Digest{}}}, {Digest{}, 0, 0, {}}};
  auto refused = verify_inclusion(*device, HashAlgo::kSha256, Digest{}, huge);
  ASSERT_TRUE(refused.is_ok());
  EXPECT_EQ(*refused, (std::vector<bool>{false, false}));
}

// The JSON-lines reader as a hostile file would try it: each bad line is named by its number and
// skipped, bounds hold before memory is spent, and the good lines are all read.
TEST(ProofItems, BadLinesAreNamedAndBoundsHold) {
  std::string text = "{\"data_hex\": \"00ff\", \"public_key\": \"01\"}\n"        // 1: good
                     "{\"data_hex\": \"00ff\"}\n"                                // 2: no key
                     "{\"data_base64\": \"AP8=\", \"public_key\": \"zz\"}\n"     // 3: bad hex
                     "{\"data_hex\": \"" + std::string(4000, 'a') + "\", \"public_key\": \"\"}\n"  // 4: over the line bound
                     "{\"data_hex\": \"" + std::string(1026, 'a') + "\", \"public_key\": \"\"}\n"  // 5: over the field bound
                     + std::string(50, '[') + std::string(50, ']') + "\n"         // 6: nested too deep
                     "{\"data_base64\": \"AP8=\", \"public_key\": \"02\"}\r\n";  // 7: good
  std::istringstream in(text);
  auto read = read_json_lines(in, {"data", "public_key"}, 100, 512);
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  EXPECT_EQ(read->lines, (std::vector<uint64_t>{1, 7}));
  EXPECT_EQ(read->values, (std::vector<std::vector<uint8_t>>{{0, 255}, {1}, {0, 255}, {2}}));
  std::vector<uint64_t> lines;
  for (const LineError& e : read->errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<uint64_t>{2, 3, 4, 5, 6}));
  ASSERT_EQ(read->errors.size(), 5u);
  EXPECT_EQ(read->errors[0].why, "no \"public_key\" string");
  EXPECT_NE(read->errors[1].why.find("\"public_key\": not hex"), std::string::npos) << read->errors[1].why;
  EXPECT_EQ(read->errors[2].why.rfind("over ", 0), 0u) << read->errors[2].why;
  EXPECT_NE(read->errors[3].why.find("over the bound of 512"), std::string::npos) << read->errors[3].why;
  EXPECT_EQ(read->errors[4].why, "nested too deep");
  std::string many;
  for (int i = 0; i < 11; ++i) many += "{\"data_hex\": \"\"}\n";
  std::istringstream too_many(many);
  auto refused = read_json_lines(too_many, {"data"}, 10);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().message(), "over 10 records");
  EXPECT_FALSE(from_base64("AP8").is_ok());  // unpadded
  EXPECT_EQ(*from_base64(""), std::vector<uint8_t>{});
  EXPECT_EQ(from_hex("abc").status().message(), "an odd number of hex digits");
  EXPECT_EQ(*from_hex(""), std::vector<uint8_t>{});  // found by fuzzing: libsodium was given a null buffer
  EXPECT_EQ(*from_hex("00fF"), (std::vector<uint8_t>{0, 255}));
  EXPECT_EQ(from_hex("0g").status().message(), "not hex at character 0");
}

}  // namespace
