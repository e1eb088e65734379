#include "verifier/reputation.h"

#include <rocksdb/db.h>

#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "network/node_db.h"
#include "network/rocks.h"

namespace strata::verifier {

using json = nlohmann::json;

namespace {

std::string key_of(const network::NodeId& id) { return std::string(id.begin(), id.end()); }

json to_json(const ProviderRecord& r) {
  return {{"accepted", r.accepted}, {"rejected", r.rejected}, {"timeouts", r.timeouts},
          {"failures", r.failures}, {"excluded", r.excluded}, {"reason", r.reason},
          {"paid", r.paid},         {"receipts", r.receipts}};
}

ProviderRecord from_json(const json& v) {
  ProviderRecord r;
  r.accepted = v.value("accepted", uint64_t(0));
  r.rejected = v.value("rejected", uint64_t(0));
  r.timeouts = v.value("timeouts", uint64_t(0));
  r.failures = v.value("failures", uint64_t(0));
  r.excluded = v.value("excluded", false);
  r.reason = v.value("reason", std::string());
  r.paid = v.value("paid", uint64_t(0));
  r.receipts = v.value("receipts", uint64_t(0));
  return r;
}

}  // namespace

// Every record is also kept in memory: matching reads it on every scheduling round.
struct ReputationStore::Impl {
  network::StoreColumn db;
  mutable std::mutex mutex;
  std::map<network::NodeId, ProviderRecord> records;
};

ReputationStore::ReputationStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReputationStore::~ReputationStore() = default;

Result<std::unique_ptr<ReputationStore>> ReputationStore::open(const std::string& dir) {
  auto db = network::NodeDb::open(dir);
  if (!db.is_ok()) return db.status();
  return open(std::move(*db));
}

Result<std::unique_ptr<ReputationStore>> ReputationStore::open(std::shared_ptr<network::NodeDb> db) {
  const std::string dir = db->dir();
  auto impl = std::make_unique<Impl>();
  impl->db = network::StoreColumn(std::move(db), network::NodeDb::kReputation);
  std::unique_ptr<rocksdb::Iterator> it(impl->db.NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string key = it->key().ToString();
    json v = json::parse(it->value().ToString(), nullptr, false);
    if (key.size() != 32 || !v.is_object()) return internal_error("reputation store: a damaged record in " + dir);
    network::NodeId id{};
    std::copy(key.begin(), key.end(), id.begin());
    impl->records[id] = from_json(v);
  }
  STRATA_RETURN_IF_ERROR(network::rocks_status(it->status(), "reputation store", "reading"));
  return std::unique_ptr<ReputationStore>(new ReputationStore(std::move(impl)));
}

Result<ProviderRecord> ReputationStore::record(const network::NodeId& provider, Outcome outcome, const std::string& reason,
                                               uint64_t amount, network::Transition* transition) {
  std::lock_guard lock(impl_->mutex);
  if (transition && transition->node_db() != impl_->db.node_db()) {
    return internal_error("reputation store: a transition of another database");
  }
  ProviderRecord before = impl_->records[provider];
  ProviderRecord r = before;
  switch (outcome) {
    case Outcome::kAccepted:
      ++r.accepted;
      r.paid += amount;
      ++r.receipts;
      break;
    case Outcome::kRejected:
      ++r.rejected;
      if (!r.excluded) r.reason = reason;
      r.excluded = true;
      break;
    case Outcome::kTimeout: ++r.timeouts; break;
    case Outcome::kFailure: ++r.failures; break;
  }
  if (transition) {
    transition->batch().Put(impl_->db.family(), key_of(provider), to_json(r).dump());
    transition->on_undo([impl = impl_.get(), provider, before] {
      std::lock_guard lock(impl->mutex);
      impl->records[provider] = before;
    });
  } else {
    rocksdb::WriteOptions options;
    options.sync = true;
    STRATA_RETURN_IF_ERROR(network::rocks_status(impl_->db.Put(options, key_of(provider), to_json(r).dump()),
                                                 "reputation store", "writing"));
  }
  impl_->records[provider] = r;
  return r;
}

ProviderRecord ReputationStore::get(const network::NodeId& provider) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->records.find(provider);
  return it == impl_->records.end() ? ProviderRecord{} : it->second;
}

std::vector<std::pair<network::NodeId, ProviderRecord>> ReputationStore::all() const {
  std::lock_guard lock(impl_->mutex);
  return {impl_->records.begin(), impl_->records.end()};
}

}  // namespace strata::verifier
