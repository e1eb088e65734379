// Private to network/: what the RocksDB-backed stores share: errors named after the store, and
// opening a plain database.
#pragma once

#include <rocksdb/db.h>

#include <memory>
#include <string>

#include "host/status.h"

namespace strata::network {

inline Status rocks_status(const rocksdb::Status& s, const std::string& store, const std::string& what) {
  if (s.ok()) return Status::ok();
  return io_error(store + ": " + what + " failed: " + s.ToString());
}

inline Result<std::unique_ptr<rocksdb::DB>> open_rocks(const std::string& dir, const std::string& store) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  STRATA_RETURN_IF_ERROR(rocks_status(rocksdb::DB::Open(options, dir, &db), store, "opening '" + dir + "'"));
  return std::unique_ptr<rocksdb::DB>(db);
}

}  // namespace strata::network
