#include "verifier/proof/proof_check.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <string>

namespace strata::verifier {

std::vector<size_t> draw_indices(uint64_t population, uint64_t count, uint64_t seed) {
  count = std::min(count, population);
  std::mt19937_64 rng(seed);
  std::vector<size_t> picked;
  if (count * 2 >= population) {
    // Most of them: shuffle all and keep the first `count`.
    std::vector<size_t> all(population);
    for (size_t i = 0; i < population; ++i) all[i] = i;
    std::shuffle(all.begin(), all.end(), rng);
    picked.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(count));
  } else {
    // Floyd's sampling: `count` distinct draws without a table of the population.
    std::set<size_t> chosen;
    for (uint64_t j = population - count; j < population; ++j) {
      size_t t = std::uniform_int_distribution<uint64_t>(0, j)(rng);
      chosen.insert(chosen.count(t) ? j : t);
    }
    picked.assign(chosen.begin(), chosen.end());
  }
  std::sort(picked.begin(), picked.end());
  return picked;
}

Result<Verdict> spot_check_digests(Device& device, proof::HashAlgo algo, bool as_leaves, std::span<const proof::Item> items,
                                   std::span<const uint8_t> claimed, uint64_t count, uint64_t seed) {
  if (claimed.size() != items.size() * 32) return Verdict{false, "the result has not one digest per item", 0};
  std::vector<size_t> picked = draw_indices(items.size(), count, seed);
  std::vector<proof::Item> subset;
  uint64_t work = 0;
  for (size_t i : picked) {
    subset.push_back(items[i]);
    work += proof::compressions_of(algo, items[i].size() + (as_leaves ? 1 : 0));
  }
  auto digests = proof::hash_items(device, algo, subset, as_leaves);
  if (!digests.is_ok()) return digests.status();
  for (size_t k = 0; k < picked.size(); ++k) {
    if (std::memcmp((*digests)[k].data(), claimed.data() + 32 * picked[k], 32) != 0) {
      return Verdict{false, "item " + std::to_string(picked[k]) + "'s digest differs from the one recomputed", work};
    }
  }
  return Verdict{true, "", work};
}

Result<Verdict> spot_check_signatures(Device& device, const std::function<proof::SignatureClaim(size_t)>& claim_at,
                                      std::span<const uint8_t> claimed, uint64_t count, uint64_t seed) {
  std::vector<size_t> picked = draw_indices(claimed.size(), count, seed);
  std::vector<proof::SignatureClaim> subset;
  subset.reserve(picked.size());
  for (size_t i : picked) subset.push_back(claim_at(i));
  auto verdicts = proof::verify_ed25519(device, subset);
  if (!verdicts.is_ok()) return verdicts.status();
  for (size_t k = 0; k < picked.size(); ++k) {
    if (uint8_t((*verdicts)[k] ? 1 : 0) != claimed[picked[k]]) {
      return Verdict{false, "signature " + std::to_string(picked[k]) + "'s verdict differs from the one recomputed",
                     picked.size()};
    }
  }
  return Verdict{true, "", picked.size()};
}

}  // namespace strata::verifier
