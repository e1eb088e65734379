// Payment receipts: they round-trip the wire, their signed bytes are the fixed layout a
// settlement contract decodes, and a change to any field after signing breaks them.
#include <gtest/gtest.h>

#include <functional>

#include "ledger/receipt.h"
#include "network/blob_store.h"
#include "network/transport/frame.h"
#include "tests/network/network_support.h"

namespace {

using namespace strata;
using namespace strata::network;
using namespace strata::ledger;

Identity key(uint8_t n) { return tests::test_identity(n); }

PaymentReceipt receipt(uint64_t sequence = 3) {
  PaymentReceipt r;
  r.job_id = "job-9";
  r.provider = key(2).public_key();
  r.subtask = 17;
  r.agreement_hash = blob_id_of(std::vector<uint8_t>{1});
  r.result = blob_id_of(std::vector<uint8_t>{2});
  r.amount = 6400;
  r.cumulative = 19200;
  r.sequence = sequence;
  r.issued_at = 1700000000000;
  r.sign(key(1));
  return r;
}

TEST(Ledger, PaymentReceiptsRoundTripAndAreBoundToEveryField) {
  PaymentReceipt r = receipt();
  auto back = decode_payment_receipt(encode(r));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, r);
  // A fixed layout of 32-byte words, numbers big-endian in the last eight bytes of theirs.
  std::vector<uint8_t> layout = r.signed_bytes();
  ASSERT_EQ(layout.size(), 11u * 32);
  EXPECT_EQ(std::string(layout.begin(), layout.begin() + 25), "strata-payment-receipt-v1");
  EXPECT_EQ(layout[32 * 6 + 31], 17);  // the subtask
  EXPECT_EQ(layout[32 * 7 + 30] * 256 + layout[32 * 7 + 31], 6400);  // the amount
  for (auto change : std::vector<std::function<void(PaymentReceipt&)>>{
           [](PaymentReceipt& x) { x.job_id = "job-8"; }, [](PaymentReceipt& x) { x.provider[0] ^= 1; },
           [](PaymentReceipt& x) { x.subtask++; }, [](PaymentReceipt& x) { x.agreement_hash[5] ^= 1; },
           [](PaymentReceipt& x) { x.result[9] ^= 1; }, [](PaymentReceipt& x) { x.amount++; },
           [](PaymentReceipt& x) { x.cumulative++; }, [](PaymentReceipt& x) { x.sequence++; },
           [](PaymentReceipt& x) { x.issued_at++; }}) {
    PaymentReceipt tampered = r;
    change(tampered);
    auto t = decode_payment_receipt(encode(tampered));
    ASSERT_FALSE(t.is_ok());
    EXPECT_NE(t.status().message().find("signature does not match"), std::string::npos) << t.status().message();
  }
  PaymentReceipt zero = receipt(0);
  EXPECT_FALSE(decode_payment_receipt(encode(zero)).is_ok());
  PaymentReceipt short_total = r;
  short_total.cumulative = 10;
  short_total.sign(key(1));
  EXPECT_FALSE(decode_payment_receipt(encode(short_total)).is_ok());
  std::vector<uint8_t> junk(40, 0x5a);
  EXPECT_FALSE(decode_payment_receipt(junk).is_ok());
  EXPECT_TRUE(verify_frame_payload(FrameView{FrameType::kReceipt, encode(r)}).is_ok());
}

}  // namespace
