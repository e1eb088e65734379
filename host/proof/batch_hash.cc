#include "host/proof/batch_hash.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "host/proof/items_file.h"
#include "kernels/proof/modes.h"

namespace strata::proof {
namespace {

static_assert(std::endian::native == std::endian::little, "digests travel as little-endian words");
static_assert(uint32_t(HashAlgo::kSha256) == PROOF_SHA256 && uint32_t(HashAlgo::kKeccak256) == PROOF_KECCAK256 &&
              uint32_t(HashAlgo::kBlake2b256) == PROOF_BLAKE2B256);

// What one launch may take of a device: an eighth of its memory, at most 256 MiB, so that
// batches of any size run in pieces and buffers stay within OpenCL's allocation limit.
size_t launch_bytes(const Device& device) {
  uint64_t share = device.info().memory_bytes / 8;
  return static_cast<size_t>(std::clamp<uint64_t>(share, uint64_t(1) << 20, uint64_t(256) << 20));
}

// Splits [0, count) into consecutive pieces whose weights add up to at most `budget` (a piece
// holds at least one element, however heavy) and runs `run` on each.
Status for_each_piece(size_t count, size_t budget, const std::function<size_t(size_t)>& weight,
                      const std::function<Status(size_t, size_t)>& run) {
  constexpr size_t kMaxPerLaunch = size_t(1) << 24;  // work items
  size_t begin = 0;
  while (begin < count) {
    size_t end = begin, taken = 0;
    while (end < count && end - begin < kMaxPerLaunch) {
      size_t w = weight(end);
      if (end > begin && taken + w > budget) break;
      taken += w;
      ++end;
    }
    STRATA_RETURN_IF_ERROR(run(begin, end));
    begin = end;
  }
  return Status::ok();
}

size_t words_of(size_t bytes) { return (bytes + 3) / 4; }

std::vector<uint32_t> words_of_digests(std::span<const Digest> digests) {
  std::vector<uint32_t> words(digests.size() * 8);
  if (!digests.empty()) std::memcpy(words.data(), digests.data(), digests.size() * sizeof(Digest));
  return words;
}

Result<std::unique_ptr<DeviceBuffer>> upload_words(Device& device, std::span<const uint32_t> words) {
  return device.upload_new(words);
}

// Hashes items [0, items.size()) in one launch into out[0..).
Status hash_piece(Device& device, HashAlgo algo, std::span<const Item> items, bool as_leaves, Digest* out) {
  size_t total = 0;
  for (const Item& item : items) total += words_of(item.size());
  if (total >= (size_t(1) << 32)) return internal_error("proof: a launch of over 2^32 words");
  std::vector<uint32_t> words(total), table(items.size() * 2);
  size_t at = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].empty()) std::memcpy(words.data() + at, items[i].data(), items[i].size());
    table[2 * i] = static_cast<uint32_t>(at);
    table[2 * i + 1] = static_cast<uint32_t>(items[i].size());
    at += words_of(items[i].size());
  }
  auto data = upload_words(device, words);
  if (!data.is_ok()) return data.status();
  auto offsets = upload_words(device, table);
  if (!offsets.is_ok()) return offsets.status();
  auto digests = device.allocate(items.size() * sizeof(Digest));
  if (!digests.is_ok()) return digests.status();
  uint32_t mode = static_cast<uint32_t>(algo) | (as_leaves ? PROOF_LEAF_PREFIX : 0u);
  KernelArg args[] = {KernelArg::of(**data), KernelArg::of(**offsets), KernelArg::of(**digests),
                      KernelArg::u32(static_cast<uint32_t>(items.size())), KernelArg::u32(mode)};
  STRATA_RETURN_IF_ERROR(device.launch("proof_hash", {static_cast<uint32_t>(items.size()), 1}, args));
  STRATA_RETURN_IF_ERROR(device.synchronize());
  return device.download(**digests, out, items.size() * sizeof(Digest));
}

// One level of the tree above `below`, in pieces.
Result<std::vector<Digest>> level_above(Device& device, HashAlgo algo, const std::vector<Digest>& below) {
  std::vector<Digest> above((below.size() + 1) / 2);
  size_t budget = launch_bytes(device) / (2 * sizeof(Digest));  // pairs of children
  Status s = for_each_piece(above.size(), std::max<size_t>(budget, 1), [](size_t) { return size_t(1); },
                            [&](size_t begin, size_t end) -> Status {
                              size_t first = 2 * begin, count = std::min(below.size(), 2 * end) - first;
                              auto in = upload_words(device, words_of_digests({below.data() + first, count}));
                              if (!in.is_ok()) return in.status();
                              auto out = device.allocate((end - begin) * sizeof(Digest));
                              if (!out.is_ok()) return out.status();
                              KernelArg args[] = {KernelArg::of(**in), KernelArg::of(**out),
                                                  KernelArg::u32(static_cast<uint32_t>(count)),
                                                  KernelArg::u32(static_cast<uint32_t>(algo))};
                              STRATA_RETURN_IF_ERROR(
                                  device.launch("proof_merkle_level", {static_cast<uint32_t>(end - begin), 1}, args));
                              STRATA_RETURN_IF_ERROR(device.synchronize());
                              return device.download(**out, above.data() + begin, (end - begin) * sizeof(Digest));
                            });
  if (!s.is_ok()) return s;
  return above;
}

Status verify_piece(Device& device, HashAlgo algo, const Digest& root, std::span<const InclusionClaim> claims,
                    std::vector<bool>& verdicts, size_t first_verdict) {
  std::vector<Digest> leaves, path;
  std::vector<uint32_t> meta;
  for (const InclusionClaim& c : claims) {
    leaves.push_back(c.leaf_hash);
    meta.insert(meta.end(), {static_cast<uint32_t>(c.index), static_cast<uint32_t>(c.tree_size),
                             static_cast<uint32_t>(path.size()), static_cast<uint32_t>(c.path.size())});
    path.insert(path.end(), c.path.begin(), c.path.end());
  }
  if (path.empty()) path.emplace_back();  // a buffer to bind
  auto leaf_buffer = upload_words(device, words_of_digests(leaves));
  if (!leaf_buffer.is_ok()) return leaf_buffer.status();
  auto path_buffer = upload_words(device, words_of_digests(path));
  if (!path_buffer.is_ok()) return path_buffer.status();
  auto meta_buffer = upload_words(device, meta);
  if (!meta_buffer.is_ok()) return meta_buffer.status();
  auto root_buffer = upload_words(device, words_of_digests({&root, 1}));
  if (!root_buffer.is_ok()) return root_buffer.status();
  auto out = device.allocate(claims.size() * sizeof(uint32_t));
  if (!out.is_ok()) return out.status();
  KernelArg args[] = {KernelArg::of(**leaf_buffer), KernelArg::of(**path_buffer), KernelArg::of(**meta_buffer),
                      KernelArg::of(**root_buffer), KernelArg::of(**out),
                      KernelArg::u32(static_cast<uint32_t>(claims.size())), KernelArg::u32(static_cast<uint32_t>(algo))};
  STRATA_RETURN_IF_ERROR(device.launch("proof_merkle_verify", {static_cast<uint32_t>(claims.size()), 1}, args));
  STRATA_RETURN_IF_ERROR(device.synchronize());
  std::vector<uint32_t> words(claims.size());
  STRATA_RETURN_IF_ERROR(device.download(**out, words.data(), words.size() * sizeof(uint32_t)));
  for (size_t i = 0; i < words.size(); ++i) verdicts[first_verdict + i] = words[i] == 1;
  return Status::ok();
}

}  // namespace

std::string_view algo_name(HashAlgo algo) {
  switch (algo) {
    case HashAlgo::kSha256: return "sha256";
    case HashAlgo::kKeccak256: return "keccak256";
    case HashAlgo::kBlake2b256: return "blake2b";
  }
  return "?";
}

Result<HashAlgo> parse_hash_algo(std::string_view name) {
  for (HashAlgo a : {HashAlgo::kSha256, HashAlgo::kKeccak256, HashAlgo::kBlake2b256}) {
    if (name == algo_name(a)) return a;
  }
  return invalid_argument("unknown hash '" + std::string(name) + "' (sha256, keccak256 or blake2b)");
}

Result<std::vector<Digest>> hash_items(Device& device, HashAlgo algo, std::span<const Item> items, bool as_leaves) {
  STRATA_RETURN_IF_ERROR(parse_hash_algo(algo_name(algo)).status());
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].size() > kMaxItemBytes) {
      return invalid_argument("item " + std::to_string(i) + " holds " + std::to_string(items[i].size()) +
                              " bytes, over the bound of 2^31");
    }
  }
  std::vector<Digest> out(items.size());
  Status s = for_each_piece(items.size(), launch_bytes(device), [&](size_t i) { return words_of(items[i].size()) * 4 + 40; },
                            [&](size_t begin, size_t end) {
                              return hash_piece(device, algo, items.subspan(begin, end - begin), as_leaves, out.data() + begin);
                            });
  if (!s.is_ok()) return s;
  return out;
}

std::vector<Digest> MerkleTree::inclusion_proof(size_t index) const {
  std::vector<Digest> path;
  for (size_t level = 0; level + 1 < levels.size(); ++level) {
    size_t sibling = index ^ 1;
    if (sibling < levels[level].size()) path.push_back(levels[level][sibling]);  // else carried up
    index >>= 1;
  }
  return path;
}

Result<MerkleTree> merkle_tree_of_leaves(Device& device, HashAlgo algo, std::vector<Digest> leaf_hashes) {
  MerkleTree tree;
  tree.algo = algo;
  if (leaf_hashes.empty()) {
    auto nothing = hash_items(device, algo, std::vector<Item>{Item{}});
    if (!nothing.is_ok()) return nothing.status();
    tree.root = (*nothing)[0];
    return tree;
  }
  tree.levels.push_back(std::move(leaf_hashes));
  while (tree.levels.back().size() > 1) {
    auto above = level_above(device, algo, tree.levels.back());
    if (!above.is_ok()) return above.status();
    tree.levels.push_back(std::move(*above));
  }
  tree.root = tree.levels.back()[0];
  return tree;
}

Result<MerkleTree> merkle_tree(Device& device, HashAlgo algo, std::span<const Item> items) {
  auto leaves = hash_items(device, algo, items, true);
  if (!leaves.is_ok()) return leaves.status();
  return merkle_tree_of_leaves(device, algo, std::move(*leaves));
}

Result<std::vector<bool>> verify_inclusion(Device& device, HashAlgo algo, const Digest& root,
                                           std::span<const InclusionClaim> claims) {
  STRATA_RETURN_IF_ERROR(parse_hash_algo(algo_name(algo)).status());
  for (size_t i = 0; i < claims.size(); ++i) {
    if (claims[i].tree_size > UINT32_MAX || claims[i].path.size() > 64) {
      return invalid_argument("claim " + std::to_string(i) + ": trees of over 2^32 - 1 leaves or paths of over 64 "
                              "hashes are not supported");
    }
  }
  std::vector<bool> verdicts(claims.size(), false);
  Status s = for_each_piece(claims.size(), launch_bytes(device),
                            [&](size_t i) { return (claims[i].path.size() + 1) * sizeof(Digest) + 20; },
                            [&](size_t begin, size_t end) {
                              return verify_piece(device, algo, root, claims.subspan(begin, end - begin), verdicts, begin);
                            });
  if (!s.is_ok()) return s;
  return verdicts;
}

Status proof_self_test(Device& device) {
  struct Known {
    HashAlgo algo;
    std::string_view message, digest;
  };
  static constexpr Known kKnown[] = {
      {HashAlgo::kSha256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {HashAlgo::kSha256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {HashAlgo::kKeccak256, "", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},
      {HashAlgo::kKeccak256, "abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"},
      {HashAlgo::kBlake2b256, "abc", "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"},
  };
  const std::string id = device.info().id();
  for (const Known& k : kKnown) {
    Item item(reinterpret_cast<const uint8_t*>(k.message.data()), k.message.size());
    auto digest = hash_items(device, k.algo, std::span<const Item>(&item, 1));
    if (!digest.is_ok()) return digest.status();
    if (to_hex((*digest)[0].data(), 32) != k.digest) {
      return internal_error(id + ": proof self-test: " + std::string(algo_name(k.algo)) + " of a " +
                            std::to_string(k.message.size()) + "-byte message is wrong");
    }
  }
  if (device.info().backend == Backend::kCpu) return Status::ok();
  auto cpu = open_device("cpu");
  if (!cpu.is_ok()) return cpu.status();
  std::vector<std::vector<uint8_t>> messages(301);
  for (size_t n = 0; n < messages.size(); ++n) {
    messages[n].resize(n);
    for (size_t i = 0; i < n; ++i) messages[n][i] = static_cast<uint8_t>(n * 131 + i * 7);
  }
  std::vector<Item> items(messages.begin(), messages.end());
  for (HashAlgo algo : {HashAlgo::kSha256, HashAlgo::kKeccak256, HashAlgo::kBlake2b256}) {
    for (bool leaves : {false, true}) {
      auto here = hash_items(device, algo, items, leaves);
      if (!here.is_ok()) return here.status();
      auto there = hash_items(**cpu, algo, items, leaves);
      if (!there.is_ok()) return there.status();
      for (size_t n = 0; n < items.size(); ++n) {
        if ((*here)[n] != (*there)[n]) {
          return internal_error(id + ": proof self-test: " + std::string(algo_name(algo)) + " of a " + std::to_string(n) +
                                "-byte message differs from the cpu backend's");
        }
      }
    }
  }
  return Status::ok();
}

}  // namespace strata::proof
