// Merkle commitments against the published RFC 6962 vectors (Certificate Transparency's
// merkle_tree_test.cc and tree_hasher_test.cc, transparency-dev/merkle's rfc6962_test.go), with
// SHA-256 as those use; then every leaf of trees of 1 to 40 leaves proven and every kind of
// tampering refused, with BLAKE2b-256 as Strata uses.
#include <gtest/gtest.h>

#include <string>

#include "verifier/merkle.h"

namespace {

using namespace strata::verifier;

std::vector<uint8_t> unhex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}
Digest digest(const std::string& hex) {
  Digest d{};
  auto bytes = unhex(hex);
  std::copy(bytes.begin(), bytes.end(), d.begin());
  return d;
}
std::vector<uint8_t> text(const std::string& s) { return {s.begin(), s.end()}; }

const MerkleHash kSha = MerkleHash::kSha256;
const std::vector<std::string> kInputs = {"",         "00",       "10",
                                          "2021",     "3031",     "40414243",
                                          "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> kRoots = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

std::vector<Digest> ct_leaves(size_t n) {
  std::vector<Digest> leaves;
  for (size_t i = 0; i < n; ++i) leaves.push_back(merkle_leaf_hash(unhex(kInputs[i]), kSha));
  return leaves;
}

TEST(Merkle, Rfc6962HasherVectors) {
  EXPECT_EQ(merkle_root({}, kSha), digest("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_EQ(merkle_leaf_hash({}, kSha), digest("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
  EXPECT_EQ(merkle_leaf_hash(unhex("00"), kSha), digest("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"));
  EXPECT_EQ(merkle_leaf_hash(unhex("101112131415161718191a1b1c1d1e1f"), kSha),
            digest("3bfb960453ebaebf33727da7a1f4db38acc051d381b6da20d6d4e88f0eabfd7a"));
  EXPECT_EQ(merkle_node_hash(unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
                             unhex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"), kSha),
            digest("1a378704c17da31e2d05b6d121c2bb2c7d76f6ee6fa8f983e596c2d034963c57"));
  EXPECT_EQ(merkle_leaf_hash(text("L123456"), kSha), digest("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"));
  EXPECT_EQ(merkle_node_hash(text("N123"), text("N456"), kSha),
            digest("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"));
}

TEST(Merkle, Rfc6962RootsOfOneToEightLeaves) {
  for (size_t n = 1; n <= 8; ++n) EXPECT_EQ(merkle_root(ct_leaves(n), kSha), digest(kRoots[n - 1])) << n << " leaves";
}

TEST(Merkle, Rfc6962InclusionPaths) {
  struct Path {
    size_t leaf, size;  // leaf index from 0
    std::vector<std::string> path;
  };
  for (const Path& p : std::vector<Path>{
           {0, 1, {}},
           {0, 8,
            {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
           {5, 8,
            {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
           {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
           {1, 5,
            {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
       }) {
    std::vector<Digest> leaves = ct_leaves(p.size);
    std::vector<Digest> expected;
    for (const auto& h : p.path) expected.push_back(digest(h));
    EXPECT_EQ(merkle_inclusion_proof(leaves, p.leaf, kSha), expected) << "leaf " << p.leaf << " of " << p.size;
    EXPECT_TRUE(merkle_verify_inclusion(leaves[p.leaf], p.leaf, p.size, expected, digest(kRoots[p.size - 1]), kSha));
  }
}

TEST(Merkle, EveryLeafProvenAndTamperingRefused) {
  for (size_t n = 1; n <= 40; ++n) {
    std::vector<Digest> leaves;
    for (size_t i = 0; i < n; ++i) leaves.push_back(merkle_leaf_hash(text("row " + std::to_string(i) + " of " + std::to_string(n))));
    Digest root = merkle_root(leaves);
    for (size_t m = 0; m < n; ++m) {
      std::vector<Digest> proof = merkle_inclusion_proof(leaves, m);
      ASSERT_TRUE(merkle_verify_inclusion(leaves[m], m, n, proof, root)) << m << " of " << n;
      EXPECT_FALSE(merkle_verify_inclusion(leaves[(m + 1) % n], m, n, proof, root) && n > 1);
      EXPECT_FALSE(merkle_verify_inclusion(leaves[m], m + 1, n, proof, root) && m + 1 < n);
      EXPECT_FALSE(merkle_verify_inclusion(leaves[m], n, n, proof, root));
      EXPECT_FALSE(merkle_verify_inclusion(leaves[m], m, n * 2, proof, root));
      for (size_t j = 0; j < proof.size(); ++j) {
        std::vector<Digest> bad = proof;
        bad[j][7] ^= 1;
        EXPECT_FALSE(merkle_verify_inclusion(leaves[m], m, n, bad, root));
      }
      if (!proof.empty()) {
        std::vector<Digest> shorter(proof.begin(), proof.end() - 1);
        EXPECT_FALSE(merkle_verify_inclusion(leaves[m], m, n, shorter, root));
      }
      std::vector<Digest> longer = proof;
      longer.push_back(root);
      EXPECT_FALSE(merkle_verify_inclusion(leaves[m], m, n, longer, root));
      Digest other_root = root;
      other_root[0] ^= 0x80;
      EXPECT_FALSE(merkle_verify_inclusion(leaves[m], m, n, proof, other_root));
    }
  }
  // A leaf's hash differs from a node's over the same bytes (the prefixes).
  Digest a = merkle_leaf_hash(text("a")), b = merkle_leaf_hash(text("b"));
  std::vector<uint8_t> both(a.begin(), a.end());
  both.insert(both.end(), b.begin(), b.end());
  EXPECT_NE(merkle_node_hash(a, b), merkle_leaf_hash(both));
}

}  // namespace
