#include "host/proof/batch_hash.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "host/proof/lanes.h"
#include "host/text_codec.h"
#include "host/thread_pool.h"
#include "kernels/proof/modes.h"

namespace strata::proof {
namespace {

static_assert(std::endian::native == std::endian::little, "words travel in the host's byte order");
static_assert(uint32_t(HashAlgo::kSha256) == PROOF_SHA256 && uint32_t(HashAlgo::kKeccak256) == PROOF_KECCAK256 &&
              uint32_t(HashAlgo::kBlake2b256) == PROOF_BLAKE2B256 && uint32_t(HashAlgo::kSha512) == PROOF_SHA512);

// What one launch may take of a device: an eighth of its memory, at most 256 MiB, so that
// batches of any size run in pieces and buffers stay within OpenCL's allocation limit.
size_t launch_bytes(const Device& device) {
  uint64_t share = device.info().memory_bytes / 8;
  return static_cast<size_t>(std::clamp<uint64_t>(share, uint64_t(1) << 20, uint64_t(256) << 20));
}

// How an algorithm's messages are laid out for the kernel (kernels/proof/hash.h).
struct Shape {
  size_t block_bytes;    // of a block
  size_t word_bytes;     // 4 or 8
  bool big_endian;       // the SHA-2 words; Keccak's and BLAKE2b's are little-endian
  size_t digest_bytes;   // 32, or SHA-512's 64
  size_t trailer_bytes;  // padding at the very end: the SHA-2 length fields, Keccak's last bit
};
Shape shape_of(HashAlgo algo) {
  switch (algo) {
    case HashAlgo::kSha256: return {64, 4, true, 32, 8};
    case HashAlgo::kKeccak256: return {136, 8, false, 32, 1};
    case HashAlgo::kBlake2b256: return {128, 8, false, 32, 0};
    case HashAlgo::kSha512: return {128, 8, true, 64, 16};
  }
  return {64, 4, true, 32, 8};
}


Lanes lanes_for(const DeviceInfo& info, HashAlgo algo) { return lanes_of(info, shape_of(algo).word_bytes == 8); }

// Byte i of the padded message: the prefix byte (if any), the item, then the algorithm's padding
// over `padded` bytes in all.
uint8_t padded_byte(HashAlgo algo, int prefix, Item item, uint64_t i, uint64_t padded) {
  const uint64_t p = prefix >= 0 ? 1 : 0, length = item.size() + p;
  if (i < p) return static_cast<uint8_t>(prefix);
  if (i < length) return item[i - p];
  uint8_t b = 0;
  if (algo == HashAlgo::kSha256 || algo == HashAlgo::kSha512) {
    if (i == length) b = 0x80;
    // The bit length, big-endian, in the last 8 bytes (SHA-512's 16-byte field: its top half 0).
    if (i + 8 >= padded) b = static_cast<uint8_t>((length * 8) >> (8 * (padded - 1 - i)));
  } else if (algo == HashAlgo::kKeccak256) {
    if (i == length) b |= 0x01;  // Keccak's padding (SHA3-256 would put 0x06)
    if (i + 1 == padded) b |= 0x80;
  }
  return b;
}

// Writes the padded message's words at dst[0], dst[stride], ... (zero already), in the shape's
// byte order. Words wholly inside the item are copied as they are; only the few at its ends are
// put together a byte at a time.
template <typename Word>
void write_padded(HashAlgo algo, int prefix, Item item, Word* dst, size_t stride) {
  const uint64_t p = prefix >= 0 ? 1 : 0, length = item.size() + p;
  const Shape shape = shape_of(algo);
  const uint64_t padded = compressions_of(algo, length) * shape.block_bytes;
  // Past the pad byte and before the trailer all is zero.
  const uint64_t trailer = shape.trailer_bytes;
  const bool big_endian = shape.big_endian;
  for (uint64_t k = 0; k < padded / sizeof(Word); ++k) {
    uint64_t first = k * sizeof(Word);
    Word w = 0;
    if (first >= p && first - p + sizeof(Word) <= item.size()) {
      std::memcpy(&w, item.data() + (first - p), sizeof(Word));
    } else if (first > length && first + sizeof(Word) <= padded - trailer) {
      continue;  // the destination is zero already
    } else {
      for (size_t b = 0; b < sizeof(Word); ++b) w |= Word(padded_byte(algo, prefix, item, first + b, padded)) << (8 * b);
    }
    if (big_endian) w = sizeof(Word) == 4 ? Word(__builtin_bswap32(uint32_t(w))) : Word(__builtin_bswap64(uint64_t(w)));
    dst[k * stride] = w;
  }
}

// Splits [0, count) into consecutive pieces whose weights add up to at most `budget` (a piece
// holds at least one element, however heavy) and runs `run` on each.
Status for_each_piece(size_t count, size_t budget, const std::function<size_t(size_t)>& weight,
                      const std::function<Status(size_t, size_t)>& run) {
  constexpr size_t kMaxPerLaunch = size_t(1) << 24;  // messages
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

// The bytes of a vector of words, for upload.
template <typename Word>
Result<std::unique_ptr<DeviceBuffer>> upload(Device& device, const std::vector<Word>& words) {
  return device.upload_new(std::span<const Word>(words));
}

// One launch of proof_hash_groups: its buffers on the device.
struct GroupLaunch {
  std::unique_ptr<DeviceBuffer> words, groups, info, digests;
  uint32_t group_count = 0;
  Lanes lanes{};
};

template <typename Word, typename Info>
Result<GroupLaunch> upload_groups(Device& device, const std::vector<Word>& words, const std::vector<uint32_t>& groups,
                                  const std::vector<Info>& info, Lanes lanes, size_t digest_bytes) {
  GroupLaunch launch;
  launch.group_count = static_cast<uint32_t>(groups.size() / 2);
  launch.lanes = lanes;
  auto word_buffer = upload(device, words);
  if (!word_buffer.is_ok()) return word_buffer.status();
  auto group_buffer = upload(device, groups);
  if (!group_buffer.is_ok()) return group_buffer.status();
  auto info_buffer = upload(device, info);
  if (!info_buffer.is_ok()) return info_buffer.status();
  auto digests = device.allocate(size_t(launch.group_count) * lanes.width * digest_bytes);
  if (!digests.is_ok()) return digests.status();
  launch.words = std::move(*word_buffer), launch.groups = std::move(*group_buffer);
  launch.info = std::move(*info_buffer), launch.digests = std::move(*digests);
  return launch;
}

Status run_groups(Device& device, const GroupLaunch& g, HashAlgo algo) {
  KernelArg args[] = {KernelArg::of(*g.words),  KernelArg::of(*g.groups),  KernelArg::of(*g.info),
                      KernelArg::of(*g.digests), KernelArg::u32(g.group_count),
                      KernelArg::u32(static_cast<uint32_t>(algo)), KernelArg::u32(g.lanes.width)};
  const uint32_t work_items = g.group_count * (g.lanes.width / g.lanes.per_item);
  STRATA_RETURN_IF_ERROR(device.launch("proof_hash_groups", {work_items, 1, true}, args));
  return device.synchronize();
}

// Hashes `order`'s items (indices into `items`, sorted by block count) in one launch, each
// digest (the shape's digest_bytes) at out + its index * digest_bytes.
template <typename Word>
Status hash_piece(Device& device, HashAlgo algo, std::span<const Item> items, std::span<const size_t> order, int prefix,
                  uint8_t* out) {
  const Shape shape = shape_of(algo);
  const Lanes lanes = lanes_for(device.info(), algo);
  const size_t words_per_block = shape.block_bytes / shape.word_bytes;
  const size_t width = lanes.width, group_count = (order.size() + width - 1) / width;
  const uint64_t prefix_bytes = prefix >= 0 ? 1 : 0;
  std::vector<uint32_t> groups(2 * group_count);
  size_t total_words = 0;
  for (size_t g = 0; g < group_count; ++g) {
    size_t longest = order[std::min(order.size(), (g + 1) * width) - 1];  // sorted: the group's last
    uint64_t blocks = compressions_of(algo, items[longest].size() + prefix_bytes);
    groups[2 * g] = static_cast<uint32_t>(total_words);
    groups[2 * g + 1] = static_cast<uint32_t>(blocks);
    total_words += blocks * words_per_block * width;
  }
  if (total_words >= (size_t(1) << 32)) return internal_error("proof: a launch of over 2^32 words");
  const bool blake = algo == HashAlgo::kBlake2b256;
  // The host's staging buffers live on with their thread: a batch after the first touches pages
  // already mapped (fresh ones cost a page fault each, more than the copy).
  // (References: the workers below must fill this thread's buffers, not their own.)
  thread_local std::vector<Word> staged_words, staged_info;
  std::vector<Word>& words = staged_words;
  std::vector<Word>& info = staged_info;
  words.assign(total_words, 0);
  info.assign((blake ? 2 : 1) * group_count * width, ~Word(0));
  // Groups are packed in parallel: the host's copy is what the kernels wait for.
  parallel_for(group_count, [&](size_t g) {
    for (size_t m = 0; m < width && g * width + m < order.size(); ++m) {
      const Item item = items[order[g * width + m]];
      write_padded<Word>(algo, prefix, item, words.data() + groups[2 * g] + m, width);
      Word* group_info = info.data() + (blake ? 2 : 1) * g * width;
      group_info[m] = static_cast<Word>(compressions_of(algo, item.size() + prefix_bytes) - 1);  // its last block
      if (blake) group_info[width + m] = static_cast<Word>(item.size() + prefix_bytes);
    }
  });
  auto launch = upload_groups(device, words, groups, info, lanes, shape.digest_bytes);
  if (!launch.is_ok()) return launch.status();
  STRATA_RETURN_IF_ERROR(run_groups(device, *launch, algo));
  std::vector<Word> digest_words(group_count * width * shape.digest_bytes / sizeof(Word));
  STRATA_RETURN_IF_ERROR(device.download(*launch->digests, digest_words.data(), digest_words.size() * sizeof(Word)));
  // Per group, word j of message m at j * width + m, in the shape's byte order.
  const size_t digest_words_each = shape.digest_bytes / sizeof(Word);
  for (size_t s = 0; s < order.size(); ++s) {
    size_t g = s / width, m = s % width;
    uint8_t* d = out + order[s] * shape.digest_bytes;
    for (size_t j = 0; j < digest_words_each; ++j) {
      Word v = digest_words[g * width * digest_words_each + j * width + m];
      for (size_t b = 0; b < sizeof(Word); ++b) {
        size_t byte = shape.big_endian ? sizeof(Word) - 1 - b : b;
        d[j * sizeof(Word) + byte] = static_cast<uint8_t>(v >> (8 * b));
      }
    }
  }
  return Status::ok();
}

// Hashes every item into `out` (its digest_bytes each); `prefix` (0 to 255, or -1 for none) is a
// byte hashed before each.
Status hash_into(Device& device, HashAlgo algo, std::span<const Item> items, int prefix, uint8_t* out) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].size() > kMaxItemBytes) {
      return invalid_argument("item " + std::to_string(i) + " holds " + std::to_string(items[i].size()) +
                              " bytes, over the bound of " + std::to_string(kMaxItemBytes >> 20) + " MiB");
    }
  }
  const Shape shape = shape_of(algo);
  auto padded_bytes = [&](size_t i) { return compressions_of(algo, items[i].size() + (prefix >= 0)) * shape.block_bytes; };
  // Sorted by length, a group's messages need about as many blocks each: little is padded.
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return items[a].size() < items[b].size(); });
  // Each message costs what its group's longest does: at most the one `width` places on.
  const size_t width = lanes_for(device.info(), algo).width;
  auto cost = [&](size_t k) { return padded_bytes(order[std::min(k + width - 1, order.size() - 1)]) + 48; };
  return for_each_piece(order.size(), launch_bytes(device), cost,
                        [&](size_t begin, size_t end) {
                          std::span<const size_t> piece(order.data() + begin, end - begin);
                          return shape.word_bytes == 4 ? hash_piece<uint32_t>(device, algo, items, piece, prefix, out)
                                                       : hash_piece<uint64_t>(device, algo, items, piece, prefix, out);
                        });
}

// The 32-byte digests of the public algorithms.
Result<std::vector<Digest>> hash_with_prefix(Device& device, HashAlgo algo, std::span<const Item> items, int prefix) {
  STRATA_RETURN_IF_ERROR(parse_hash_algo(algo_name(algo)).status());  // not SHA-512: its digests are 64 bytes
  std::vector<Digest> out(items.size());
  STRATA_RETURN_IF_ERROR(hash_into(device, algo, items, prefix, out.empty() ? nullptr : out.front().data()));
  return out;
}

// RFC 6962's inner node messages, 0x01 || left || right, for hashing as a batch.
struct NodeMessages {
  std::vector<uint8_t> bytes;
  std::vector<Item> items;
  void add(const Digest& left, const Digest& right) {
    size_t at = bytes.size();
    bytes.resize(at + 64);
    std::memcpy(bytes.data() + at, left.data(), 32);
    std::memcpy(bytes.data() + at + 32, right.data(), 32);
  }
  std::span<const Item> views() {
    items.clear();
    for (size_t at = 0; at < bytes.size(); at += 64) items.emplace_back(bytes.data() + at, 64);
    return items;
  }
};

// One level of the tree above `below`: pairs hashed as nodes, an odd last one carried up.
Result<std::vector<Digest>> level_above(Device& device, HashAlgo algo, const std::vector<Digest>& below) {
  NodeMessages nodes;
  for (size_t i = 0; i + 1 < below.size(); i += 2) nodes.add(below[i], below[i + 1]);
  auto hashed = hash_with_prefix(device, algo, nodes.views(), 0x01);
  if (!hashed.is_ok()) return hashed.status();
  if (below.size() % 2) hashed->push_back(below.back());
  return hashed;
}

}  // namespace

uint64_t compressions_of(HashAlgo algo, uint64_t bytes) {
  switch (algo) {
    case HashAlgo::kSha256: return (bytes + 8) / 64 + 1;  // a 0x80 byte and the 64-bit length
    case HashAlgo::kKeccak256: return bytes / 136 + 1;    // at least one byte of padding
    case HashAlgo::kBlake2b256: return bytes == 0 ? 1 : (bytes + 127) / 128;
    case HashAlgo::kSha512: return (bytes + 16) / 128 + 1;  // a 0x80 byte and the 128-bit length
  }
  return 1;
}

std::string_view algo_name(HashAlgo algo) {
  switch (algo) {
    case HashAlgo::kSha256: return "sha256";
    case HashAlgo::kKeccak256: return "keccak256";
    case HashAlgo::kBlake2b256: return "blake2b";
    case HashAlgo::kSha512: return "sha512";
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
  return hash_with_prefix(device, algo, items, as_leaves ? 0x00 : -1);
}

Result<std::vector<std::array<uint8_t, 64>>> sha512_items(Device& device, std::span<const Item> items) {
  std::vector<std::array<uint8_t, 64>> out(items.size());
  STRATA_RETURN_IF_ERROR(hash_into(device, HashAlgo::kSha512, items, -1, out.empty() ? nullptr : out.front().data()));
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

// RFC 9162's verification (2.1.3.2), all claims a step at a time, each step's node hashes one batch.
Result<std::vector<bool>> verify_inclusion(Device& device, HashAlgo algo, const Digest& root,
                                           std::span<const InclusionClaim> claims) {
  STRATA_RETURN_IF_ERROR(parse_hash_algo(algo_name(algo)).status());
  struct Walk {
    uint64_t fn, sn;
    Digest r;
    bool ok;
  };
  std::vector<Walk> walks(claims.size());
  size_t longest = 0;
  for (size_t i = 0; i < claims.size(); ++i) {
    const InclusionClaim& c = claims[i];
    walks[i] = {c.index, c.tree_size - 1, c.leaf_hash, c.index < c.tree_size};
    longest = std::max(longest, c.path.size());
  }
  for (size_t step = 0; step < longest; ++step) {
    NodeMessages nodes;
    std::vector<size_t> hashed;        // the claims whose node this step hashes, in order
    std::vector<bool> siblings_left;   // and on which side each one's sibling is
    for (size_t i = 0; i < claims.size(); ++i) {
      Walk& w = walks[i];
      if (!w.ok || step >= claims[i].path.size()) continue;
      if (w.sn == 0) {
        w.ok = false;  // a longer path than the tree has levels
        continue;
      }
      const Digest& p = claims[i].path[step];
      bool sibling_left = (w.fn & 1) || w.fn == w.sn;
      sibling_left ? nodes.add(p, w.r) : nodes.add(w.r, p);
      hashed.push_back(i);
      siblings_left.push_back(sibling_left);
    }
    auto digests = hash_with_prefix(device, algo, nodes.views(), 0x01);
    if (!digests.is_ok()) return digests.status();
    for (size_t k = 0; k < hashed.size(); ++k) {
      Walk& w = walks[hashed[k]];
      w.r = (*digests)[k];
      if (siblings_left[k]) {
        while (!(w.fn & 1) && w.fn != 0) w.fn >>= 1, w.sn >>= 1;  // past the levels where r was carried up
      }
      w.fn >>= 1, w.sn >>= 1;
    }
  }
  std::vector<bool> verdicts(claims.size());
  for (size_t i = 0; i < claims.size(); ++i) verdicts[i] = walks[i].ok && walks[i].sn == 0 && walks[i].r == root;
  return verdicts;
}

Result<double> kernel_compressions_per_second(Device& device, HashAlgo algo, double seconds, int windows) {
  STRATA_RETURN_IF_ERROR(parse_hash_algo(algo_name(algo)).status());
  const Shape shape = shape_of(algo);
  const Lanes lanes = lanes_for(device.info(), algo);
  // Enough groups to fill a GPU; 64 blocks each. The words' values do not change the work.
  const uint32_t blocks = 64, group_count = device.info().is_gpu ? 65536 / lanes.width * 16 : 256;
  const size_t words = size_t(group_count) * blocks * (shape.block_bytes / shape.word_bytes) * lanes.width;
  std::vector<uint32_t> groups(2 * group_count);
  for (uint32_t g = 0; g < group_count; ++g) {
    groups[2 * g] = static_cast<uint32_t>(g * (words / group_count));
    groups[2 * g + 1] = blocks;
  }
  std::vector<uint8_t> data(words * shape.word_bytes, 0x5a);
  std::vector<uint64_t> info(2 * size_t(group_count) * lanes.width, blocks - 1);  // wide enough for either word
  auto groups_on_device = upload_groups(device, data, groups, info, lanes, shape.digest_bytes);
  if (!groups_on_device.is_ok()) return groups_on_device.status();
  auto launch = [&] { return run_groups(device, *groups_on_device, algo); };
  STRATA_RETURN_IF_ERROR(launch());  // compiled and warm
  // The best window: on a shared machine the first second or so may run at two thirds of the
  // rate (bench/RESULTS.md), as hashcat's benchmark also warms up before it reports.
  double best = 0;
  for (int window = 0; window < std::max(windows, 1); ++window) {
    uint64_t launches = 0;
    auto t0 = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < seconds || launches == 0) {
      STRATA_RETURN_IF_ERROR(launch());
      ++launches;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    double rate = double(launches) * group_count * lanes.width * blocks / elapsed;
    best = std::max(best, rate);
  }
  return best;
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
    if (to_hex((*digest)[0]) != k.digest) {
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
