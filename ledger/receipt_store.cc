#include "ledger/receipt_store.h"

#include <rocksdb/db.h>

#include <map>
#include <mutex>

#include "network/node_db.h"
#include "network/rocks.h"

namespace strata::ledger {

using network::NodeDb;
using network::StoreColumn;

namespace {

std::string key_of(const PublicKey& requestor, uint64_t sequence) {
  std::string key(requestor.begin(), requestor.end());
  for (int i = 7; i >= 0; --i) key.push_back(static_cast<char>((sequence >> (8 * i)) & 0xff));
  return key;
}

Status check(const rocksdb::Status& s, const std::string& what) { return network::rocks_status(s, "receipt store", what); }

// Stored receipts were checked when kept; a damaged one is an error, never a number.
Result<PaymentReceipt> read_receipt(const rocksdb::Slice& value) {
  std::vector<uint8_t> bytes(value.data(), value.data() + value.size());
  auto r = decode_payment_receipt(bytes);
  if (!r.is_ok()) return internal_error("receipt store: a damaged receipt: " + r.status().message());
  return r;
}

}  // namespace

struct ReceiptStore::Impl {
  StoreColumn db;
  std::mutex mutex;
};

ReceiptStore::ReceiptStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReceiptStore::~ReceiptStore() = default;

Result<std::unique_ptr<ReceiptStore>> ReceiptStore::open(const std::string& dir) {
  auto db = NodeDb::open(dir);
  if (!db.is_ok()) return db.status();
  return open(std::move(*db));
}

Result<std::unique_ptr<ReceiptStore>> ReceiptStore::open(std::shared_ptr<NodeDb> db) {
  auto impl = std::make_unique<Impl>();
  impl->db = StoreColumn(std::move(db), NodeDb::kReceipts);
  return std::unique_ptr<ReceiptStore>(new ReceiptStore(std::move(impl)));
}

Status ReceiptStore::keep(const PaymentReceipt& receipt) {
  std::lock_guard lock(impl_->mutex);
  std::string key = key_of(receipt.requestor, receipt.sequence);
  std::string existing;
  rocksdb::Status s = impl_->db.Get(rocksdb::ReadOptions(), key, &existing);
  if (s.ok()) {
    auto kept = read_receipt(existing);
    if (!kept.is_ok()) return kept.status();
    if (*kept == receipt) return Status::ok();
    return invalid_argument("receipt " + std::to_string(receipt.sequence) + " from requestor " + network::to_hex(receipt.requestor).substr(0, 16) +
                            " differs from the one already kept under that number");
  }
  if (!s.IsNotFound()) return check(s, "reading");
  std::vector<uint8_t> bytes = encode(receipt);
  rocksdb::WriteOptions options;
  options.sync = true;
  return check(impl_->db.Put(options, key, rocksdb::Slice(reinterpret_cast<const char*>(bytes.data()), bytes.size())),
               "writing");
}

Result<std::vector<PaymentReceipt>> ReceiptStore::from(const PublicKey& requestor) {
  std::string prefix(requestor.begin(), requestor.end());
  std::vector<PaymentReceipt> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db.NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto r = read_receipt(it->value());
    if (!r.is_ok()) return r.status();
    out.push_back(std::move(*r));
  }
  STRATA_RETURN_IF_ERROR(check(it->status(), "reading"));
  return out;
}

Result<std::vector<ReceiptStore::Owed>> ReceiptStore::owed() {
  std::map<PublicKey, Owed> by_requestor;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db.NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto r = read_receipt(it->value());
    if (!r.is_ok()) return r.status();
    Owed& o = by_requestor[r->requestor];
    o.requestor = r->requestor;
    ++o.receipts;
    if (r->sequence >= o.latest.sequence) o.latest = std::move(*r);
  }
  STRATA_RETURN_IF_ERROR(check(it->status(), "reading"));
  std::vector<Owed> out;
  for (auto& [key, o] : by_requestor) out.push_back(std::move(o));
  return out;
}

}  // namespace strata::ledger
