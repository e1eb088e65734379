// Ed25519 signatures checked in batches on a device (kernels/proof/ed25519.h), each verdict
// libsodium's crypto_sign_verify_detached's for the same input, whatever its encodings. The
// device hashes R || A || M (SHA-512, the proof family's hashing kernel) and does the curve's
// work; the host packs and reads the batches.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "host/device.h"
#include "host/status.h"

namespace strata::proof {

struct SignatureClaim {
  std::array<uint8_t, 32> public_key{};
  std::array<uint8_t, 64> signature{};
  std::span<const uint8_t> message;
};

// For each claim, whether its signature is valid for its message under its key.
Result<std::vector<bool>> verify_ed25519(Device& device, std::span<const SignatureClaim> claims);

// Claims as records of three fields each (public key, message, signature), the way `strata proof
// verify` reads them and a proof job's batch carries them. A record is a claim when its key is 32
// bytes and its signature 64; the error says which is not.
Status check_claim_record(std::span<const std::vector<uint8_t>> values, size_t record);
// A record that passed check_claim_record, as a claim (its message still in `values`).
SignatureClaim claim_of_record(std::span<const std::vector<uint8_t>> values, size_t record);

}  // namespace strata::proof
