// Ed25519 verification in batches on every backend, each verdict against libsodium's
// crypto_sign_verify_detached on the same input: RFC 8032's vectors, random signatures and every
// one-bit change of them, and the edge cases where implementations disagree ("Taming the many
// EdDSAs", Chalkias et al. 2020): S >= L, small-order R and A, non-canonical A, mixed-order A
// with a signature that holds without the cofactor, and bytes at random.
#include <gtest/gtest.h>

#include <sodium.h>

#include <cstdlib>
#include <random>

#include "host/proof/batch_hash.h"
#include "host/proof/items_file.h"
#include "host/proof/signatures.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::proof;

template <size_t N>
std::array<uint8_t, N> bytes_of_hex(const std::string& hex) {
  auto bytes = from_hex(hex);
  std::array<uint8_t, N> out{};
  EXPECT_TRUE(bytes.is_ok() && bytes->size() == N) << hex;
  if (bytes.is_ok()) std::copy(bytes->begin(), bytes->begin() + std::min(N, bytes->size()), out.begin());
  return out;
}

// A claim that owns its message.
struct Case {
  std::array<uint8_t, 32> key{};
  std::array<uint8_t, 64> sig{};
  std::vector<uint8_t> message;
  std::string what;
};

bool libsodium_accepts(const Case& c) {
  return crypto_sign_verify_detached(c.sig.data(), c.message.data(), c.message.size(), c.key.data()) == 0;
}

class Ed25519Batch : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
  std::unique_ptr<Device> device = tests::open_or_die(GetParam());

  // Every case's verdict equals libsodium's; returns how many were accepted.
  size_t expect_libsodium_verdicts(const std::vector<Case>& cases) {
    std::vector<SignatureClaim> claims;
    for (const Case& c : cases) claims.push_back({c.key, c.sig, c.message});
    auto verdicts = verify_ed25519(*device, claims);
    EXPECT_TRUE(verdicts.is_ok()) << verdicts.status().to_string();
    if (!verdicts.is_ok()) return 0;
    size_t accepted = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
      bool expected = libsodium_accepts(cases[i]);
      EXPECT_EQ((*verdicts)[i], expected) << cases[i].what << " (case " << i << ")";
      accepted += (*verdicts)[i];
    }
    return accepted;
  }
};

Case signed_case(std::mt19937& rng, size_t length, const std::string& what) {
  Case c;
  std::array<uint8_t, 64> secret;
  std::array<uint8_t, 32> seed;
  for (auto& b : seed) b = static_cast<uint8_t>(rng());
  crypto_sign_seed_keypair(c.key.data(), secret.data(), seed.data());
  c.message.resize(length);
  for (auto& b : c.message) b = static_cast<uint8_t>(rng());
  crypto_sign_detached(c.sig.data(), nullptr, c.message.data(), c.message.size(), secret.data());
  c.what = what;
  return c;
}

TEST_P(Ed25519Batch, Rfc8032Vectors) {
  std::vector<Case> cases(2);
  cases[0].key = bytes_of_hex<32>("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  cases[0].sig = bytes_of_hex<64>(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  cases[0].what = "RFC 8032 test 1";
  cases[1].key = bytes_of_hex<32>("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  cases[1].sig = bytes_of_hex<64>(
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  cases[1].message = {0x72};
  cases[1].what = "RFC 8032 test 2";
  EXPECT_EQ(expect_libsodium_verdicts(cases), 2u);
}

// Random keys and messages of 0 to 300 bytes, and each with one bit flipped in its message, key
// or signature.
TEST_P(Ed25519Batch, RandomSignaturesAndOneBitChanges) {
  std::mt19937 rng(21);
  std::vector<Case> cases;
  for (int i = 0; i < 40; ++i) {
    Case c = signed_case(rng, rng() % 301, "valid");
    cases.push_back(c);
    if (!c.message.empty()) {
      Case m = c;
      m.message[rng() % m.message.size()] ^= uint8_t(1u << (rng() % 8));
      m.what = "a bit of the message flipped";
      cases.push_back(m);
    }
    Case k = c;
    k.key[rng() % 32] ^= uint8_t(1u << (rng() % 8));
    k.what = "a bit of the key flipped";
    cases.push_back(k);
    Case s = c;
    s.sig[rng() % 64] ^= uint8_t(1u << (rng() % 8));
    s.what = "a bit of the signature flipped";
    cases.push_back(s);
  }
  EXPECT_EQ(expect_libsodium_verdicts(cases), 40u);
}

// L, little-endian, and s + L (which stays below 2^256).
const std::array<uint8_t, 32> kOrder = bytes_of_hex<32>("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
std::array<uint8_t, 32> plus_order(std::span<const uint8_t> s) {
  std::array<uint8_t, 32> out{};
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    unsigned v = s[i] + kOrder[i] + carry;
    out[i] = static_cast<uint8_t>(v);
    carry = v >> 8;
  }
  return out;
}

const char* kSmallOrder[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"};

TEST_P(Ed25519Batch, EdgeCasesWhereImplementationsDisagree) {
  std::mt19937 rng(22);
  std::vector<Case> cases;
  // S + L: the same point, a non-canonical scalar.
  for (int i = 0; i < 8; ++i) {
    Case c = signed_case(rng, 32, "S + L");
    auto s = plus_order(std::span<const uint8_t>(c.sig.data() + 32, 32));
    std::copy(s.begin(), s.end(), c.sig.begin() + 32);
    cases.push_back(c);
  }
  // Small-order R and A, with and without the sign bit, and S = 0 (R = [S]B - [h]A would hold for
  // the identity with A of small order when h is a multiple of its order).
  for (const char* hex : kSmallOrder) {
    for (uint8_t sign : {0, 0x80}) {
      Case r = signed_case(rng, 16, std::string("small-order R ") + hex);
      auto point = bytes_of_hex<32>(hex);
      point[31] |= sign;
      std::copy(point.begin(), point.end(), r.sig.begin());
      cases.push_back(r);
      Case a = signed_case(rng, 16, std::string("small-order A ") + hex);
      a.key = point;
      cases.push_back(a);
      Case both = a;
      std::copy(point.begin(), point.end(), both.sig.begin());
      std::fill(both.sig.begin() + 32, both.sig.end(), 0);
      both.what = std::string("small-order A and R, S = 0 ") + hex;
      cases.push_back(both);
    }
  }
  // A non-canonical A: y + p for each y below 19 (those of curve points decode, mod p, to them).
  for (uint8_t y = 2; y < 19; ++y) {
    std::array<uint8_t, 32> big = bytes_of_hex<32>("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    big[0] = static_cast<uint8_t>(0xed + y);
    Case c = signed_case(rng, 8, "non-canonical A, y = p + " + std::to_string(y));
    c.key = big;
    cases.push_back(c);
  }
  // Mixed-order A = [a]B + T (T of order 8) with a signature that holds without the cofactor:
  // R = [r]B + [j]T with j = -h mod 8 and S = r + h a, so that [S]B - [h]A = R. libsodium
  // accepts these; so must we.
  auto torsion = bytes_of_hex<32>(kSmallOrder[2]);
  std::array<std::array<uint8_t, 32>, 8> multiples{};
  multiples[0] = bytes_of_hex<32>(kSmallOrder[1]);  // the identity
  for (int j = 1; j < 8; ++j) ASSERT_EQ(crypto_core_ed25519_add(multiples[j].data(), multiples[j - 1].data(), torsion.data()), 0);
  int mixed = 0;
  for (int attempt = 0; attempt < 400 && mixed < 6; ++attempt) {
    std::array<uint8_t, 32> a, r, big_a, mixed_a, rb, big_r, s;
    crypto_core_ed25519_scalar_random(a.data());
    crypto_core_ed25519_scalar_random(r.data());
    if (crypto_scalarmult_ed25519_base_noclamp(big_a.data(), a.data()) != 0) continue;
    if (crypto_scalarmult_ed25519_base_noclamp(rb.data(), r.data()) != 0) continue;
    ASSERT_EQ(crypto_core_ed25519_add(mixed_a.data(), big_a.data(), torsion.data()), 0);
    int j = static_cast<int>(rng() % 8);
    ASSERT_EQ(crypto_core_ed25519_add(big_r.data(), rb.data(), multiples[j].data()), 0);
    std::vector<uint8_t> message = {'m', static_cast<uint8_t>(attempt)};
    std::array<uint8_t, 64> hram;
    crypto_hash_sha512_state state;
    crypto_hash_sha512_init(&state);
    crypto_hash_sha512_update(&state, big_r.data(), 32);
    crypto_hash_sha512_update(&state, mixed_a.data(), 32);
    crypto_hash_sha512_update(&state, message.data(), message.size());
    crypto_hash_sha512_final(&state, hram.data());
    std::array<uint8_t, 32> h, ha;
    crypto_core_ed25519_scalar_reduce(h.data(), hram.data());
    if ((j + (h[0] & 7)) % 8 != 0) continue;  // [h]T + [j]T is not the identity: try again
    crypto_core_ed25519_scalar_mul(ha.data(), h.data(), a.data());
    crypto_core_ed25519_scalar_add(s.data(), r.data(), ha.data());
    Case c;
    c.key = mixed_a;
    std::copy(big_r.begin(), big_r.end(), c.sig.begin());
    std::copy(s.begin(), s.end(), c.sig.begin() + 32);
    c.message = message;
    c.what = "mixed-order A and R, cofactorless equation holds (j = " + std::to_string(j) + ")";
    ASSERT_TRUE(libsodium_accepts(c)) << c.what;  // the construction is right
    cases.push_back(c);
    Case other = c;  // the same A with an honest signature of another key's: fails
    other.sig[40] ^= 1;
    other.what = "mixed-order A, S changed";
    cases.push_back(other);
    ++mixed;
  }
  EXPECT_EQ(mixed, 6);
  // Bytes at random: keys, signatures and both.
  for (int i = 0; i < 20; ++i) {
    Case c = signed_case(rng, 20, "random R");
    for (int b = 0; b < 32; ++b) c.sig[b] = static_cast<uint8_t>(rng());
    cases.push_back(c);
    Case k = signed_case(rng, 20, "random key");
    for (auto& b : k.key) b = static_cast<uint8_t>(rng());
    cases.push_back(k);
  }
  size_t accepted = expect_libsodium_verdicts(cases);
  EXPECT_EQ(accepted, 6u);  // the mixed-order ones
}

// Review: a differential loop over many inputs, valid ones and mutations of them aimed at the
// encodings' edges (S's top bits and S + kL, R and A with y >= p with and without the sign bit,
// x = 0 with the sign bit, small-order points, random bytes in every field), messages of length
// 0 and large, and keys whose decoding takes either square root's branch.
TEST_P(Ed25519Batch, ReviewDifferentialMutations) {
  std::mt19937 rng(4242);
  const size_t n = std::getenv("STRATA_ED25519_FUZZ") ? std::strtoul(std::getenv("STRATA_ED25519_FUZZ"), nullptr, 10) : 20000;
  auto set_y_ge_p = [&](uint8_t* enc) {  // y = p + k for k < 19, top bit random
    enc[0] = static_cast<uint8_t>(0xed + rng() % 19);
    for (int b = 1; b < 31; ++b) enc[b] = 0xff;
    enc[31] = 0x7f | (rng() % 2 ? 0x80 : 0);
  };
  std::vector<Case> cases;
  cases.reserve(n);
  std::vector<Case> valid;
  for (size_t i = 0; i < 256; ++i) {
    size_t length = i % 16 == 0 ? 0 : (i % 37 == 0 ? 100000 + rng() % 5000 : rng() % 200);
    valid.push_back(signed_case(rng, length, "valid"));
  }
  while (cases.size() < n) {
    Case c = valid[rng() % valid.size()];
    switch (rng() % 16) {
      case 0: break;  // valid as it is
      case 1: c.sig[63] |= static_cast<uint8_t>(0x10u << (rng() % 4)); c.what = "S top bits"; break;
      case 2: {
        auto s = plus_order(std::span<const uint8_t>(c.sig.data() + 32, 32));
        std::copy(s.begin(), s.end(), c.sig.begin() + 32);
        c.what = "S + L";
        break;
      }
      case 3: set_y_ge_p(c.sig.data()); c.what = "R y >= p"; break;
      case 4: set_y_ge_p(c.key.data()); c.what = "A y >= p"; break;
      case 5: {
        auto point = bytes_of_hex<32>(kSmallOrder[rng() % 7]);
        if (rng() % 2) point[31] |= 0x80;
        std::copy(point.begin(), point.end(), (rng() % 2 ? c.key.begin() : c.sig.begin()));
        c.what = "small order";
        break;
      }
      case 6: c.key[31] ^= 0x80; c.what = "A sign flipped"; break;
      case 7: c.sig[31] ^= 0x80; c.what = "R sign flipped"; break;
      case 8: for (auto& b : c.key) b = static_cast<uint8_t>(rng()); c.what = "random A"; break;
      case 9: for (int b = 0; b < 32; ++b) c.sig[b] = static_cast<uint8_t>(rng()); c.what = "random R"; break;
      case 10: for (int b = 32; b < 64; ++b) c.sig[b] = static_cast<uint8_t>(rng()); c.sig[63] &= 0x0f; c.what = "random S < 2^252"; break;
      case 11: c.sig[rng() % 64] ^= static_cast<uint8_t>(1u << (rng() % 8)); c.what = "sig bit"; break;
      case 12: c.key[rng() % 32] ^= static_cast<uint8_t>(1u << (rng() % 8)); c.what = "key bit"; break;
      case 13: if (!c.message.empty()) c.message[rng() % c.message.size()] ^= 1; c.what = "message bit"; break;
      case 14: {  // a random key that decodes: a valid signature can't be made, but decode paths run
        for (auto& b : c.key) b = static_cast<uint8_t>(rng());
        c.key[31] &= 0x7f;
        c.what = "random canonical A";
        break;
      }
      case 15: {
        // R = encodings of the points of the key, S = 0 / S = 1: [S]B - [h]A would need luck;
        std::copy(c.key.begin(), c.key.end(), c.sig.begin());
        std::fill(c.sig.begin() + 32, c.sig.end(), 0);
        if (rng() % 2) c.sig[32] = 1;
        c.what = "R = A, S small";
        break;
      }
    }
    cases.push_back(std::move(c));
  }
  size_t accepted = expect_libsodium_verdicts(cases);
  EXPECT_GT(accepted, n / 32);
}

// OpenCL on a CPU builds the kernels for its vector width (AVX-512's 16 words or AVX2's 8): built
// for either, the hashes are the cpu backend's bit for bit (proof_self_test) and the verdicts
// libsodium's, whichever this machine has.
TEST(OpenClVectorWidths, EitherWidthGivesTheSameDigestsAndVerdicts) {
  ASSERT_GE(sodium_init(), 0);
  std::mt19937 rng(61);
  std::vector<Case> cases;
  for (int i = 0; i < 96; ++i) {
    Case c = signed_case(rng, rng() % 300, "random");
    if (i % 3 == 1) c.message.empty() ? c.sig[5] ^= 1 : c.message[rng() % c.message.size()] ^= 4;
    if (i % 3 == 2) c.sig[32 + rng() % 32] ^= 1;
    cases.push_back(std::move(c));
  }
  for (const char* words : {"8", "16"}) {
    setenv("STRATA_OPENCL_CPU_VECTOR_WORDS", words, 1);
    auto device = open_device("opencl");
    unsetenv("STRATA_OPENCL_CPU_VECTOR_WORDS");
    ASSERT_TRUE(device.is_ok()) << device.status().to_string();
    if ((*device)->info().is_gpu) GTEST_SKIP() << "the OpenCL device here is a GPU";
    EXPECT_EQ((*device)->info().vector_words, static_cast<uint32_t>(std::atoi(words)));
    Status st = proof_self_test(**device);
    ASSERT_TRUE(st.is_ok()) << words << " words: " << st.to_string();
    std::vector<SignatureClaim> claims;
    for (const Case& c : cases) claims.push_back({c.key, c.sig, c.message});
    auto verdicts = verify_ed25519(**device, claims);
    ASSERT_TRUE(verdicts.is_ok()) << verdicts.status().to_string();
    size_t accepted = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ((*verdicts)[i], libsodium_accepts(cases[i])) << words << " words, case " << i;
      accepted += (*verdicts)[i];
    }
    EXPECT_EQ(accepted, 32u);
  }
}

// Records of (key, message, signature) as the CLI and a job's batch carry them: only a 32-byte key
// and a 64-byte signature make a claim, the error names the field, and the claim keeps the bytes.
TEST(ClaimRecords, SizesAreCheckedAndNamed) {
  std::vector<std::vector<uint8_t>> values = {std::vector<uint8_t>(32, 1), {7, 8, 9}, std::vector<uint8_t>(64, 2),
                                              std::vector<uint8_t>(31, 1), {}, std::vector<uint8_t>(64, 2),
                                              std::vector<uint8_t>(32, 1), {}, std::vector<uint8_t>(65, 2)};
  ASSERT_TRUE(check_claim_record(values, 0).is_ok());
  EXPECT_EQ(check_claim_record(values, 1).message(), "\"public_key\" is 31 bytes, not 32");
  EXPECT_EQ(check_claim_record(values, 2).message(), "\"signature\" is 65 bytes, not 64");
  SignatureClaim c = claim_of_record(values, 0);
  EXPECT_EQ(c.public_key[31], 1);
  EXPECT_EQ(c.signature[63], 2);
  EXPECT_EQ(std::vector<uint8_t>(c.message.begin(), c.message.end()), (std::vector<uint8_t>{7, 8, 9}));
}

INSTANTIATE_TEST_SUITE_P(Backends, Ed25519Batch, ::testing::ValuesIn(tests::test_device_ids()));

}  // namespace
