// A provider's receipts: kept once each, in sequence order per requestor, across a restart; the
// newest one's total is what the requestor owes; a different receipt under a kept number is
// refused.
#include <gtest/gtest.h>

#include "network/blob_store.h"
#include "ledger/receipt_store.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;
using namespace strata::ledger;

PaymentReceipt receipt(uint8_t requestor, uint64_t sequence, uint64_t amount, uint64_t cumulative) {
  PaymentReceipt r;
  r.job_id = "job-" + std::to_string(requestor);
  r.provider = tests::test_identity(9).public_key();
  r.subtask = static_cast<uint32_t>(sequence);
  r.result = blob_id_of(std::vector<uint8_t>{static_cast<uint8_t>(sequence)});
  r.amount = amount;
  r.cumulative = cumulative;
  r.sequence = sequence;
  r.sign(tests::test_identity(requestor));
  return r;
}

TEST(ReceiptStore, KeepsReceiptsAndProvesWhatIsOwed) {
  std::string dir = tests::scratch_dir() + "/receipts";
  {
    auto store = ReceiptStore::open(dir);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    ASSERT_TRUE((*store)->keep(receipt(1, 2, 50, 150)).is_ok());
    ASSERT_TRUE((*store)->keep(receipt(1, 1, 100, 100)).is_ok());
    ASSERT_TRUE((*store)->keep(receipt(2, 1, 7, 7)).is_ok());
    EXPECT_TRUE((*store)->keep(receipt(1, 1, 100, 100)).is_ok());  // the same again
    Status clash = (*store)->keep(receipt(1, 1, 101, 101));
    ASSERT_FALSE(clash.is_ok());
    EXPECT_NE(clash.message().find("differs from the one already kept"), std::string::npos) << clash.message();
  }
  auto store = ReceiptStore::open(dir);
  ASSERT_TRUE(store.is_ok());
  auto from1 = (*store)->from(tests::test_identity(1).public_key());
  ASSERT_TRUE(from1.is_ok());
  ASSERT_EQ(from1->size(), 2u);
  EXPECT_EQ((*from1)[0].sequence, 1u);
  EXPECT_EQ((*from1)[1].sequence, 2u);
  auto owed = (*store)->owed();
  ASSERT_TRUE(owed.is_ok());
  ASSERT_EQ(owed->size(), 2u);
  for (const auto& o : *owed) {
    EXPECT_TRUE(o.latest.signature_valid());
    if (o.requestor == tests::test_identity(1).public_key()) {
      EXPECT_EQ(o.receipts, 2u);
      EXPECT_EQ(o.latest.cumulative, 150u);
    } else {
      EXPECT_EQ(o.latest.cumulative, 7u);
    }
  }
}

}  // namespace
