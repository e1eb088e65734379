// Node identity: Ed25519 against the RFC 8032 test vectors, and the key file's life cycle.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "network/transport/identity.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

struct Rfc8032Vector {
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032, section 7.1, TEST 1 and TEST 2.
const Rfc8032Vector kVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

TEST(Identity, Rfc8032Vectors) {
  for (const auto& v : kVectors) {
    std::vector<uint8_t> seed = from_hex(v.secret), msg = from_hex(v.message);
    Identity id = Identity::from_seed(std::span<const uint8_t, 32>(seed.data(), 32));
    EXPECT_EQ(to_hex(id.public_key()), v.public_key);
    Signature sig = id.sign(msg);
    EXPECT_EQ(to_hex(sig), v.signature);
    EXPECT_TRUE(verify_signature(id.public_key(), msg, sig));
    Signature forged = sig;
    forged[10] ^= 1;
    EXPECT_FALSE(verify_signature(id.public_key(), msg, forged));
    std::vector<uint8_t> other = msg;
    other.push_back(0);
    EXPECT_FALSE(verify_signature(id.public_key(), other, sig));
  }
}

TEST(Identity, CreatedOnceKeptPrivateAndReloaded) {
  std::string dir = tests::scratch_dir() + "/node-a";
  auto first = Identity::load_or_create(dir);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  std::string key = dir + "/identity.key";
  EXPECT_EQ(std::filesystem::file_size(key), 64u);  // the seed, then its public key as a check
  struct stat st {};
  ASSERT_EQ(stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = Identity::load_or_create(dir);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->node_id(), first->node_id());
  EXPECT_EQ(first->node_id(), node_id_of(first->public_key()));
  auto other = Identity::load_or_create(tests::scratch_dir() + "/node-b");
  ASSERT_TRUE(other.is_ok());
  EXPECT_NE(other->node_id(), first->node_id());
}

TEST(Identity, DamagedKeyFileIsAnErrorNotReplaced) {
  std::string dir = tests::scratch_dir() + "/node-damaged";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/identity.key", std::ios::binary) << "short";
  std::filesystem::permissions(dir + "/identity.key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto r = Identity::load_or_create(dir);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("damaged"), std::string::npos) << r.status().message();
  EXPECT_EQ(std::filesystem::file_size(dir + "/identity.key"), 5u);  // left as it was
}

TEST(Identity, AFlippedBitIsDamageNotANewIdentity) {
  std::string dir = tests::scratch_dir() + "/node-flipped";
  auto first = Identity::load_or_create(dir);
  ASSERT_TRUE(first.is_ok());
  std::string key = dir + "/identity.key";
  for (size_t at : {size_t(0), size_t(31), size_t(40)}) {  // in the seed, and in the check
    std::string bytes;
    {
      std::ifstream in(key, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x04);
    { std::ofstream(key, std::ios::binary | std::ios::trunc) << flipped; }
    auto r = Identity::load_or_create(dir);
    ASSERT_FALSE(r.is_ok()) << "byte " << at;
    EXPECT_NE(r.status().message().find("does not make the public key"), std::string::npos) << r.status().message();
    { std::ofstream(key, std::ios::binary | std::ios::trunc) << bytes; }
  }
  auto restored = Identity::load_or_create(dir);
  ASSERT_TRUE(restored.is_ok());
  EXPECT_EQ(restored->node_id(), first->node_id());
}

// A key file others may read is someone else's key too: the node refuses it and says how to fix it.
TEST(Identity, AKeyFileOthersMayReadIsRefused) {
  std::string dir = tests::scratch_dir() + "/node-open-key";
  ASSERT_TRUE(Identity::load_or_create(dir).is_ok());
  std::filesystem::permissions(dir + "/identity.key", std::filesystem::perms::group_read | std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  auto r = Identity::load_or_create(dir);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos) << r.status().message();
}

TEST(Identity, FirstFormatKeysAreReadAndUpgraded) {
  std::string dir = tests::scratch_dir() + "/node-legacy";
  std::filesystem::create_directories(dir);
  std::array<uint8_t, 32> seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = uint8_t(i * 7 + 1);
  { std::ofstream(dir + "/identity.key", std::ios::binary).write(reinterpret_cast<const char*>(seed.data()), 32); }
  std::filesystem::permissions(dir + "/identity.key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto r = Identity::load_or_create(dir);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->node_id(), Identity::from_seed(seed).node_id());
  EXPECT_EQ(std::filesystem::file_size(dir + "/identity.key"), 64u);
  auto again = Identity::load_or_create(dir);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->node_id(), r->node_id());
}

}  // namespace
