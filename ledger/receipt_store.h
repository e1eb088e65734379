// A provider's payment receipts in RocksDB (synced), by requestor and sequence number, so it can
// prove what each requestor owes it: the newest receipt's cumulative total, under the
// requestor's signature.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/status.h"
#include "ledger/receipt.h"

namespace strata::network {
class NodeDb;
}

namespace strata::ledger {

class ReceiptStore {
 public:
  // Its own database at `dir`, or its column family in the node's database.
  static Result<std::unique_ptr<ReceiptStore>> open(const std::string& dir);
  static Result<std::unique_ptr<ReceiptStore>> open(std::shared_ptr<network::NodeDb> db);
  ~ReceiptStore();

  // Keeps a checked receipt (decode_payment_receipt). The same receipt again is a no-op; another
  // receipt under a sequence number already kept is an error that says so.
  Status keep(const PaymentReceipt& receipt);
  // One requestor's receipts, in sequence order.
  Result<std::vector<PaymentReceipt>> from(const PublicKey& requestor);

  struct Owed {
    PublicKey requestor{};
    uint64_t receipts = 0;
    PaymentReceipt latest;  // its cumulative total is what the requestor owes
  };
  Result<std::vector<Owed>> owed();

  struct Impl;

 private:
  explicit ReceiptStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::ledger
