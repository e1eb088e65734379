// One RocksDB per node, with a column family for each store (stream messages and metadata,
// blobs, jobs, reputation, receipts), so that a transition spanning stores (a result accepted,
// paid for and counted in its provider's record) is one atomic, synced WriteBatch. Damage found
// at open (a corrupted write-ahead log record, a bad table) is an error that names the database;
// only a torn last record, what a crash leaves, is passed over.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/status.h"

namespace strata::network {

class NodeDb {
 public:
  // The column families, one per store.
  static constexpr const char* kStreams = "streams";
  static constexpr const char* kStreamMetadata = "stream_metadata";
  static constexpr const char* kBlobs = "blobs";
  static constexpr const char* kJobs = "jobs";
  static constexpr const char* kReputation = "reputation";
  static constexpr const char* kReceipts = "receipts";

  static Result<std::shared_ptr<NodeDb>> open(const std::string& dir);
  ~NodeDb();

  rocksdb::DB& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* family(const std::string& name) const;  // one of the names above
  const std::string& dir() const { return dir_; }

  // Copies a database of the layout before this one (a directory per store) into `family`
  // (its other column families into theirs of the same name), then renames it to
  // `old_dir.imported`. Nothing happens when `old_dir` does not exist.
  Status import_legacy(const std::string& old_dir, const std::string& family);

 private:
  NodeDb() = default;
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  std::vector<std::string> names_;
};

// A store's view of the node's database: its column family, reads and writes in it.
class StoreColumn {
 public:
  StoreColumn() = default;
  StoreColumn(std::shared_ptr<NodeDb> db, const std::string& family)
      : db_(std::move(db)), family_(db_->family(family)) {}

  rocksdb::ColumnFamilyHandle* family() const { return family_; }
  const std::shared_ptr<NodeDb>& node_db() const { return db_; }
  rocksdb::Status Get(const rocksdb::ReadOptions& o, const rocksdb::Slice& key, std::string* value) {
    return db_->db().Get(o, family_, key, value);
  }
  rocksdb::Status Put(const rocksdb::WriteOptions& o, const rocksdb::Slice& key, const rocksdb::Slice& value) {
    return db_->db().Put(o, family_, key, value);
  }
  rocksdb::Status Write(const rocksdb::WriteOptions& o, rocksdb::WriteBatch* batch) { return db_->db().Write(o, batch); }
  rocksdb::Iterator* NewIterator(const rocksdb::ReadOptions& o) { return db_->db().NewIterator(o, family_); }

 private:
  std::shared_ptr<NodeDb> db_;
  rocksdb::ColumnFamilyHandle* family_ = nullptr;
};

// Writes to several stores that stand or fall together: each store stages its part in `batch`
// (and says how to undo what it changed in memory meanwhile); commit() writes them in one
// synced WriteBatch, or undoes the in-memory changes when that fails. A store whose staged part
// was read from the database holds its lock in the transition until it ends, so no other write
// of that store comes between its read and the commit.
class Transition {
 public:
  explicit Transition(std::shared_ptr<NodeDb> db) : db_(std::move(db)) {}
  ~Transition();  // a transition never committed is undone

  rocksdb::WriteBatch& batch() { return batch_; }
  const std::shared_ptr<NodeDb>& node_db() const { return db_; }
  void on_undo(std::function<void()> undo) { undo_.push_back(std::move(undo)); }
  // Locks `m` until the transition ends (once, however often asked).
  void hold(std::mutex& m) {
    if (std::none_of(locks_.begin(), locks_.end(), [&](const auto& l) { return l.mutex() == &m; })) locks_.emplace_back(m);
  }
  Status commit(const std::string& what);

 private:
  std::shared_ptr<NodeDb> db_;
  rocksdb::WriteBatch batch_;
  std::vector<std::function<void()>> undo_;
  std::vector<std::unique_lock<std::mutex>> locks_;  // released once written or undone
  bool done_ = false;
};

}  // namespace strata::network
