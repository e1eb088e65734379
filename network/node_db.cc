#include "network/node_db.h"

#include <filesystem>

#include "network/rocks.h"

namespace strata::network {

namespace {

const std::vector<std::string>& family_names() {
  static const std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, NodeDb::kStreams,
                                                 NodeDb::kStreamMetadata,           NodeDb::kBlobs,
                                                 NodeDb::kJobs,                     NodeDb::kReputation,
                                                 NodeDb::kReceipts};
  return names;
}

}  // namespace

Result<std::shared_ptr<NodeDb>> NodeDb::open(const std::string& dir) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.paranoid_checks = true;
  // A crash may tear the last record of the log; anything else damaged is reported.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : family_names()) descriptors.push_back({name, rocksdb::ColumnFamilyOptions()});
  std::shared_ptr<NodeDb> out(new NodeDb());
  out->dir_ = dir;
  out->names_ = family_names();
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, descriptors, &out->families_, &db);
  if (s.IsCorruption()) {
    return io_error("the node database '" + dir + "' is damaged: " + s.ToString() +
                    " (move it aside to start afresh, or restore it from a copy)");
  }
  STRATA_RETURN_IF_ERROR(rocks_status(s, "node database", "opening '" + dir + "'"));
  out->db_.reset(db);
  return out;
}

NodeDb::~NodeDb() {
  for (auto* family : families_) (void)db_->DestroyColumnFamilyHandle(family);  // closing: nothing to report to
}

rocksdb::ColumnFamilyHandle* NodeDb::family(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return families_[i];
  return nullptr;
}

Status NodeDb::import_legacy(const std::string& old_dir, const std::string& family) {
  std::error_code ec;
  if (!std::filesystem::exists(old_dir + "/CURRENT", ec)) return Status::ok();
  std::vector<std::string> old_names;
  STRATA_RETURN_IF_ERROR(rocks_status(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), old_dir, &old_names),
                                      "node database", "reading the old store '" + old_dir + "'"));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : old_names) descriptors.push_back({name, rocksdb::ColumnFamilyOptions()});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  STRATA_RETURN_IF_ERROR(rocks_status(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), old_dir, descriptors, &handles, &raw),
                                      "node database", "opening the old store '" + old_dir + "'"));
  std::unique_ptr<rocksdb::DB> old(raw);
  Status copied;
  for (size_t i = 0; i < handles.size() && copied.is_ok(); ++i) {
    rocksdb::ColumnFamilyHandle* into =
        this->family(old_names[i] == rocksdb::kDefaultColumnFamilyName ? family : old_names[i]);
    if (!into) {
      copied = internal_error("the old store '" + old_dir + "' has a column family '" + old_names[i] + "' with no place here");
      break;
    }
    std::unique_ptr<rocksdb::Iterator> it(old->NewIterator(rocksdb::ReadOptions(), handles[i]));
    rocksdb::WriteBatch batch;
    rocksdb::WriteOptions synced;
    synced.sync = true;
    for (it->SeekToFirst(); it->Valid() && copied.is_ok(); it->Next()) {
      batch.Put(into, it->key(), it->value());
      if (batch.GetDataSize() > (8u << 20)) {
        copied = rocks_status(db_->Write(synced, &batch), "node database", "importing '" + old_dir + "'");
        batch.Clear();
      }
    }
    if (copied.is_ok()) copied = rocks_status(it->status(), "node database", "reading the old store '" + old_dir + "'");
    if (copied.is_ok()) copied = rocks_status(db_->Write(synced, &batch), "node database", "importing '" + old_dir + "'");
  }
  for (auto* h : handles) (void)old->DestroyColumnFamilyHandle(h);
  old.reset();
  STRATA_RETURN_IF_ERROR(copied);
  std::filesystem::rename(old_dir, old_dir + ".imported", ec);
  if (ec) return io_error("imported '" + old_dir + "' but cannot rename it: " + ec.message());
  return Status::ok();
}

Transition::~Transition() {
  if (done_) return;
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
}

Status Transition::commit(const std::string& what) {
  rocksdb::WriteOptions synced;
  synced.sync = true;
  Status s = rocks_status(db_->db().Write(synced, &batch_), "node database", what);
  if (!s.is_ok()) {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
  }
  done_ = true;
  locks_.clear();
  return s;
}

}  // namespace strata::network
