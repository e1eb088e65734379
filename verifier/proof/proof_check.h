// The proof family's spot check: a result's outputs are one per item (a digest, or a verdict), so
// the verifier recomputes a random subset of items on its own device, drawn after the result is
// committed, and compares them bit for bit. A result with a fraction f of its items wrong passes n
// checked items with probability at most (1 - f)^n (samples_to_check).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "host/device.h"
#include "host/proof/batch_hash.h"
#include "host/proof/signatures.h"
#include "verifier/family.h"

namespace strata::verifier {

// `count` distinct indices below `population`, in increasing order, drawn with `seed`.
std::vector<size_t> draw_indices(uint64_t population, uint64_t count, uint64_t seed);

// Recomputes `count` items' digests (RFC 6962 leaf hashes with `as_leaves`) and compares them
// with `claimed` (32 bytes per item). Work: compressions.
Result<Verdict> spot_check_digests(Device& device, proof::HashAlgo algo, bool as_leaves, std::span<const proof::Item> items,
                                   std::span<const uint8_t> claimed, uint64_t count, uint64_t seed);

// Recomputes `count` of the claims' verdicts and compares them with `claimed` (a byte per claim,
// 1 valid). Only the drawn claims are made (`claim_at`), so a large batch costs no more memory than
// its sample. Work: signature checks.
Result<Verdict> spot_check_signatures(Device& device, const std::function<proof::SignatureClaim(size_t)>& claim_at,
                                      std::span<const uint8_t> claimed, uint64_t count, uint64_t seed);

}  // namespace strata::verifier
