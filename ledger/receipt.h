// The ledger's payment receipt: a requestor's signed promise to pay a provider for one accepted
// subtask, whose running total proves everything owed so far (ledger/schema/receipt.fbs).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/transport/identity.h"

namespace strata::ledger {

using network::Identity;
using network::PublicKey;
using network::Signature;

// A requestor's signed promise to pay for one accepted subtask. The signed bytes are a fixed
// layout of 32-byte words (a tag, the job id's hash, both keys, the agreement's hash, the result's
// commitment, then the numbers big-endian), as a settlement contract would decode them.
struct PaymentReceipt {
  std::string job_id;
  PublicKey requestor{}, provider{};
  uint32_t subtask = 0;
  std::array<uint8_t, 32> agreement_hash{};
  std::array<uint8_t, 32> result{};
  uint64_t amount = 0;      // price x work units (in 1e-9 of the token's smallest unit)
  uint64_t cumulative = 0;  // every receipt's amount from this requestor to this provider, this one included
  uint64_t sequence = 0;    // 1, 2, ... per requestor and provider
  uint64_t issued_at = 0;
  Signature signature{};

  std::vector<uint8_t> signed_bytes() const;
  void sign(const Identity& requestor_identity);
  bool signature_valid() const;
  bool operator==(const PaymentReceipt&) const = default;
};

std::vector<uint8_t> encode(const PaymentReceipt& receipt);
// Verifies the FlatBuffer, the bounds and the requestor's signature.
Result<PaymentReceipt> decode_payment_receipt(std::span<const uint8_t> bytes);

// Has the transport check receipt frames (kReceipt) with decode_payment_receipt.
void register_frame_checks();

}  // namespace strata::ledger
