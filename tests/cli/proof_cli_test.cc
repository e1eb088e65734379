// strata proof hash|merkle end to end: JSON lines in and out, bad lines reported by number while
// the rest are hashed, raw files of fixed-size items, and Merkle paths that verifier/merkle accepts.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host/proof/items_file.h"
#include "tests/test_support.h"
#include "verifier/merkle.h"

namespace {

using json = nlohmann::json;
using namespace strata;

struct Output {
  int code = -1;
  std::vector<json> lines;
  std::string text;
};

Output run_strata(const std::string& args) {
  std::string cmd = tests::strata_binary() + " " + args + " 2>/dev/null";
  Output out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.text.append(buf, n);
  int status = pclose(p);
  out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::istringstream lines(out.text);
  for (std::string line; std::getline(lines, line);) out.lines.push_back(json::parse(line, nullptr, false));
  return out;
}

TEST(ProofCli, HashReportsBadLinesByNumberAndHashesTheRest) {
  std::string file = tests::write_file("proof-cli/items.jsonl",
                                       "{\"data_hex\": \"616263\"}\n"
                                       "{\"data_base64\": \"YWJj\"}\n"
                                       "not json\n"
                                       "{\"data_hex\": \"6\"}\n"
                                       "\n"
                                       "{\"data\": \"abc\"}\n"
                                       "{\"data_hex\": \"\"}\n");
  Output r = run_strata("proof hash --algo keccak256 --device cpu " + file);
  EXPECT_EQ(r.code, 1) << r.text;  // some lines were bad
  std::map<uint64_t, std::string> digests, errors;
  for (const json& line : r.lines) {
    ASSERT_TRUE(line.is_object()) << r.text;
    if (line.contains("digest")) digests[line["line"]] = line["digest"];
    if (line.contains("error")) errors[line["line"]] = line["error"];
  }
  const std::string abc = "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45";
  EXPECT_EQ(digests, (std::map<uint64_t, std::string>{
                         {1, abc}, {2, abc}, {7, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"}}));
  ASSERT_EQ(errors.size(), 3u) << r.text;
  EXPECT_EQ(errors[3], "not a JSON object");
  EXPECT_NE(errors[4].find("odd number of hex digits"), std::string::npos) << errors[4];
  EXPECT_NE(errors[6].find("data_hex"), std::string::npos) << errors[6];
  Output clean = run_strata("proof hash --algo sha256 --device opencl " +
                            tests::write_file("proof-cli/clean.jsonl", "{\"data_hex\": \"616263\"}\n"));
  EXPECT_EQ(clean.code, 0) << clean.text;
  ASSERT_EQ(clean.lines.size(), 1u);
  EXPECT_EQ(clean.lines[0]["digest"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Output unknown = run_strata("proof hash --algo sha3 " + file);
  EXPECT_NE(unknown.code, 0);
}

// A raw file of 37 items of 33 bytes: the tree's root and the paths of leaves 0, 17 and 36 are
// those verifier/merkle computes and accepts.
TEST(ProofCli, MerkleOverRawItemsGivesPathsTheVerifierAccepts) {
  std::string bytes(37 * 33, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + 3);
  std::string file = tests::write_file("proof-cli/items.bin", bytes);
  Output r = run_strata("proof merkle --algo blake2b --raw 33 --prove 0,17,36 --device cpu " + file);
  ASSERT_EQ(r.code, 0) << r.text;
  ASSERT_EQ(r.lines.size(), 4u) << r.text;
  std::vector<verifier::Digest> leaves;
  for (size_t i = 0; i < 37; ++i) {
    leaves.push_back(verifier::merkle_leaf_hash(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()) + 33 * i, 33)));
  }
  verifier::Digest root = verifier::merkle_root(leaves);
  EXPECT_EQ(r.lines[0]["root"], to_hex(root));
  EXPECT_EQ(r.lines[0]["leaves"], 37);
  for (size_t k = 1; k < 4; ++k) {
    uint64_t leaf = r.lines[k]["leaf"];
    std::vector<verifier::Digest> path;
    for (const json& h : r.lines[k]["path"]) {
      auto d = proof::from_hex(h.get<std::string>());
      ASSERT_TRUE(d.is_ok() && d->size() == 32);
      path.emplace_back();
      std::copy(d->begin(), d->end(), path.back().begin());
    }
    EXPECT_TRUE(verifier::merkle_verify_inclusion(leaves[leaf], leaf, 37, path, root)) << "leaf " << leaf;
  }
  Output outside = run_strata("proof merkle --raw 33 --prove 37 --device cpu " + file);
  EXPECT_EQ(outside.code, 1);
  EXPECT_TRUE(outside.lines.empty());
  Output uneven = run_strata("proof hash --raw 32 --device cpu " + file);
  EXPECT_EQ(uneven.code, 1);
}

// strata proof verify: RFC 8032's first vector is valid, the same signature over another message
// is not, and a key of the wrong length is reported by its line.
TEST(ProofCli, VerifyGivesAVerdictPerLine) {
  const std::string key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  const std::string sig =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
  std::string file = tests::write_file(
      "proof-cli/sigs.jsonl",
      "{\"public_key\": \"" + key + "\", \"message\": \"\", \"signature\": \"" + sig + "\"}\n" +
          "{\"public_key\": \"" + key + "\", \"message\": \"00\", \"signature\": \"" + sig + "\"}\n" +
          "{\"public_key\": \"d75a98\", \"message\": \"\", \"signature\": \"" + sig + "\"}\n");
  Output r = run_strata("proof verify --device cpu " + file);
  EXPECT_EQ(r.code, 1) << r.text;
  std::map<uint64_t, json> by_line;
  for (const json& line : r.lines) by_line[line["line"]] = line;
  ASSERT_EQ(by_line.size(), 3u) << r.text;
  EXPECT_EQ(by_line[1]["valid"], true);
  EXPECT_EQ(by_line[2]["valid"], false);
  EXPECT_EQ(by_line[3]["error"], "\"public_key\" is 3 bytes, not 32");
}

}  // namespace
