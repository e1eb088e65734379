// The market's messages and its matching. Providers publish signed offers (devices, and per
// kernel a measured speed and a price in its work unit, limits); requestors publish signed
// demands (kernel, memory, maximum price, deadline); matching ranks the offers that satisfy a
// demand by their price for its kernel, then speed; an
// agreement names the subtasks, the price and the deadline and is valid only when both the
// requestor and the provider have signed it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/transport/identity.h"
#include "network/stream/stream_message.h"

namespace strata::compute {

using network::Identity;
using network::NodeId;
using network::PublicKey;
using network::Signature;
using network::SignatureCheck;

struct OfferedDevice {
  std::string name, backend;
  uint64_t memory_bytes = 0;
  bool operator==(const OfferedDevice&) const = default;
};

// The most devices of one rig that share a task (an offer's sample_pieces).
inline constexpr uint32_t kMaxTaskPieces = 16;

// A kernel a provider runs: its speed and price in the kernel's work unit (pixel-samples for
// render, compressions or signature checks for proof).
struct KernelOffer {
  std::string kernel;
  double speed = 0;    // work units per second, all the provider's devices together
  uint64_t price = 0;  // per 10^9 work units, in the token's smallest unit
  bool operator==(const KernelOffer&) const = default;
};

struct Offer {
  PublicKey provider{};
  std::string offer_id;
  std::vector<OfferedDevice> devices;
  std::vector<KernelOffer> kernels;
  uint32_t max_subtasks = 1;
  uint64_t expires_at = 0;  // ms since the epoch
  // How many pieces of a subtask's samples the provider's devices share (its devices, when they
  // work on each subtask together); 1 when each device works alone.
  uint32_t sample_pieces = 1;
  Signature signature{};

  // The entry for `kernel`, or null when the provider does not run it.
  const KernelOffer* find(const std::string& kernel) const;
  std::vector<uint8_t> signed_bytes() const;
  void sign(const Identity& provider_identity);
  bool signature_valid() const;
  bool operator==(const Offer&) const = default;
};

struct Demand {
  PublicKey requestor{};
  std::string job_id;
  std::string kernel;
  uint64_t min_memory_bytes = 0;
  uint64_t max_price = 0;  // per 10^9 work units of the kernel
  uint64_t deadline = 0;
  uint64_t work = 0;  // work units
  Signature signature{};

  std::vector<uint8_t> signed_bytes() const;
  void sign(const Identity& requestor_identity);
  bool signature_valid() const;
  bool operator==(const Demand&) const = default;
};

struct Agreement {
  std::string job_id;
  PublicKey requestor{}, provider{};
  std::vector<uint32_t> subtasks;
  uint64_t price = 0;  // per 10^9 work units of the demand's kernel
  uint64_t deadline = 0;
  // The hash of what was agreed beyond the indices (the encoded tasks), so neither side can
  // later claim other terms.
  std::array<uint8_t, 32> terms{};
  Signature requestor_signature{}, provider_signature{};

  std::vector<uint8_t> signed_bytes() const;  // what both sign
  void sign_as_requestor(const Identity& requestor_identity);
  void sign_as_provider(const Identity& provider_identity);
  // Both signatures present and valid.
  Status check() const;
  // Only the requestor's: a proposal the provider has not signed yet.
  Status check_requestor() const;
  bool operator==(const Agreement&) const = default;
};

// The hash a receipt names its agreement by.
std::array<uint8_t, 32> agreement_hash(const Agreement& agreement);

std::vector<uint8_t> encode(const Offer& offer);
std::vector<uint8_t> encode(const Demand& demand);
std::vector<uint8_t> encode(const Agreement& agreement);
// Each verifies the FlatBuffer, the bounds and the signature(s).
Result<Offer> decode_offer(std::span<const uint8_t> bytes);
Result<Demand> decode_demand(std::span<const uint8_t> bytes);
// A proposal (`proposal`: only the requestor's signature is checked) or a signed agreement.
Result<Agreement> decode_agreement(std::span<const uint8_t> bytes, bool proposal = false);

// The offers that can serve `demand` at `now_ms` (its kernel offered at a positive speed, a
// device with enough memory, that kernel's price within the maximum, not expired, signature
// valid), cheapest for the kernel first, then fastest. kSkip is
// for offers whose signatures were checked when they came in (an offer book's).
std::vector<Offer> match_offers(const Demand& demand, const std::vector<Offer>& offers, uint64_t now_ms,
                                SignatureCheck signatures = SignatureCheck::kVerify);

}  // namespace strata::compute
