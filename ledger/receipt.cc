#include "ledger/receipt.h"

#include "network/blob_store.h"
#include "network/transport/frame.h"
#include "network/verified.h"
#include "schema/receipt_generated.h"

namespace strata::ledger {

using network::copy_fixed;

namespace {
// One 32-byte word: the bytes as they are, or a number big-endian in the last eight.
void put_word(std::vector<uint8_t>& out, std::span<const uint8_t, 32> bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }
void put_word(std::vector<uint8_t>& out, uint64_t v) {
  out.insert(out.end(), 24, 0);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
}  // namespace

std::vector<uint8_t> PaymentReceipt::signed_bytes() const {
  std::array<uint8_t, 32> tag{};
  const char* name = "strata-payment-receipt-v1";
  std::copy(name, name + std::char_traits<char>::length(name), tag.begin());
  std::vector<uint8_t> out;
  out.reserve(32 * 11);
  put_word(out, tag);
  put_word(out, network::blob_id_of(std::span(reinterpret_cast<const uint8_t*>(job_id.data()), job_id.size())));
  put_word(out, requestor);
  put_word(out, provider);
  put_word(out, agreement_hash);
  put_word(out, result);
  for (uint64_t v : {uint64_t(subtask), amount, cumulative, sequence, issued_at}) put_word(out, v);
  return out;
}
void PaymentReceipt::sign(const Identity& id) {
  requestor = id.public_key();
  signature = id.sign(signed_bytes());
}
bool PaymentReceipt::signature_valid() const { return network::verify_signature(requestor, signed_bytes(), signature); }

std::vector<uint8_t> encode(const PaymentReceipt& r) {
  flatbuffers::FlatBufferBuilder b(512);
  auto job = b.CreateString(r.job_id);
  auto rk = b.CreateVector(r.requestor.data(), r.requestor.size());
  auto pk = b.CreateVector(r.provider.data(), r.provider.size());
  auto ah = b.CreateVector(r.agreement_hash.data(), r.agreement_hash.size());
  auto res = b.CreateVector(r.result.data(), r.result.size());
  auto sig = b.CreateVector(r.signature.data(), r.signature.size());
  b.Finish(wire::CreatePaymentReceipt(b, job, rk, pk, r.subtask, ah, res, r.amount, r.cumulative, r.sequence,
                                      r.issued_at, sig));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

Result<PaymentReceipt> decode_payment_receipt(std::span<const uint8_t> bytes) {
  const wire::PaymentReceipt* w = network::verified_root<wire::PaymentReceipt>(bytes, 8, 16);
  if (!w) return invalid_argument("payment receipt: malformed (FlatBuffers verification failed)");
  PaymentReceipt r;
  auto job = network::read_job_id(w->job_id(), "payment receipt: the job id");
  if (!job.is_ok()) return job.status();
  r.job_id = *job;
  if (!copy_fixed(w->requestor_key(), r.requestor) || !copy_fixed(w->provider_key(), r.provider) ||
      !copy_fixed(w->agreement_hash(), r.agreement_hash) || !copy_fixed(w->result(), r.result)) {
    return invalid_argument("payment receipt: keys, the agreement's hash and the result must be 32 bytes each");
  }
  if (!copy_fixed(w->signature(), r.signature)) return invalid_argument("payment receipt: the signature must be 64 bytes");
  r.subtask = w->subtask();
  r.amount = w->amount();
  r.cumulative = w->cumulative();
  r.sequence = w->sequence();
  r.issued_at = w->issued_at();
  if (r.sequence == 0 || r.cumulative < r.amount) {
    return invalid_argument("payment receipt: the sequence starts at 1 and the total includes this amount");
  }
  if (!r.signature_valid()) return invalid_argument("payment receipt for job '" + r.job_id + "': the requestor's signature does not match");
  return r;
}

void register_frame_checks() {
  network::register_payload_check(network::FrameType::kReceipt,
                                  [](std::span<const uint8_t> p) { return decode_payment_receipt(p).status(); });
}

}  // namespace strata::ledger
