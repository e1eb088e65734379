#include "host/proof/signatures.h"
#include "host/proof/batch_hash.h"
#include "host/proof/lanes.h"

#include <algorithm>
#include <cstring>

namespace strata::proof {
namespace {

// Claims per launch: a signature is 160 bytes on the device; a million is 160 MiB.
constexpr size_t kClaimsPerLaunch = size_t(1) << 20;

Status verify_piece(Device& device, std::span<const SignatureClaim> claims, std::vector<bool>& verdicts, size_t first) {
  const size_t n = claims.size();
  std::vector<uint8_t> keys(n * 32), sigs(n * 64);
  // h's messages, R || A || M, hashed on the device too.
  std::vector<size_t> starts(n + 1, 0);
  for (size_t i = 0; i < n; ++i) starts[i + 1] = starts[i] + 64 + claims[i].message.size();
  std::vector<uint8_t> hashed(starts[n]);
  std::vector<Item> messages(n);
  for (size_t i = 0; i < n; ++i) {
    const SignatureClaim& c = claims[i];
    std::memcpy(keys.data() + 32 * i, c.public_key.data(), 32);
    std::memcpy(sigs.data() + 64 * i, c.signature.data(), 64);
    uint8_t* m = hashed.data() + starts[i];
    std::memcpy(m, c.signature.data(), 32);  // R
    std::memcpy(m + 32, c.public_key.data(), 32);
    if (!c.message.empty()) std::memcpy(m + 64, c.message.data(), c.message.size());
    messages[i] = Item(m, 64 + c.message.size());
  }
  auto digests = sha512_items(device, messages);
  if (!digests.is_ok()) return digests.status();
  std::vector<uint8_t> hrams(n * 64);
  for (size_t i = 0; i < n; ++i) std::memcpy(hrams.data() + 64 * i, (*digests)[i].data(), 64);
  auto key_buffer = device.upload_new(std::span<const uint8_t>(keys));
  if (!key_buffer.is_ok()) return key_buffer.status();
  auto sig_buffer = device.upload_new(std::span<const uint8_t>(sigs));
  if (!sig_buffer.is_ok()) return sig_buffer.status();
  auto hram_buffer = device.upload_new(std::span<const uint8_t>(hrams));
  if (!hram_buffer.is_ok()) return hram_buffer.status();
  auto out = device.allocate(n * sizeof(uint32_t));
  if (!out.is_ok()) return out.status();
  KernelArg args[] = {KernelArg::of(**key_buffer), KernelArg::of(**sig_buffer), KernelArg::of(**hram_buffer),
                      KernelArg::of(**out), KernelArg::u32(static_cast<uint32_t>(n))};
  const uint32_t lanes = lanes_of(device.info(), true).per_item;  // signatures per work item
  const uint32_t work_items = static_cast<uint32_t>((n + lanes - 1) / lanes);
  STRATA_RETURN_IF_ERROR(device.launch("proof_ed25519_verify", {work_items, 1, true}, args));
  STRATA_RETURN_IF_ERROR(device.synchronize());
  std::vector<uint32_t> words(n);
  STRATA_RETURN_IF_ERROR(device.download(**out, words.data(), n * sizeof(uint32_t)));
  for (size_t i = 0; i < n; ++i) verdicts[first + i] = words[i] == 1;
  return Status::ok();
}

}  // namespace

Result<std::vector<bool>> verify_ed25519(Device& device, std::span<const SignatureClaim> claims) {
  std::vector<bool> verdicts(claims.size(), false);
  for (size_t first = 0; first < claims.size(); first += kClaimsPerLaunch) {
    size_t n = std::min(kClaimsPerLaunch, claims.size() - first);
    STRATA_RETURN_IF_ERROR(verify_piece(device, claims.subspan(first, n), verdicts, first));
  }
  return verdicts;
}

Status check_claim_record(std::span<const std::vector<uint8_t>> values, size_t record) {
  const size_t key = values[3 * record].size(), signature = values[3 * record + 2].size();
  if (key != 32) return invalid_argument("\"public_key\" is " + std::to_string(key) + " bytes, not 32");
  if (signature != 64) return invalid_argument("\"signature\" is " + std::to_string(signature) + " bytes, not 64");
  return Status::ok();
}

SignatureClaim claim_of_record(std::span<const std::vector<uint8_t>> values, size_t record) {
  SignatureClaim c;
  std::copy_n(values[3 * record].begin(), 32, c.public_key.begin());
  std::copy_n(values[3 * record + 2].begin(), 64, c.signature.begin());
  c.message = values[3 * record + 1];
  return c;
}

}  // namespace strata::proof
