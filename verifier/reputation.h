// What a requestor knows of each provider it has worked with, in RocksDB with synced writes:
// results accepted and rejected by the verifier, subtasks lost to deadlines and failures, and
// whether the provider is excluded (caught once with a wrong result: no more work from this
// requestor), and what this requestor owes it by the receipts it issued. Matching uses it to
// prefer providers that deliver.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/status.h"
#include "network/transport/identity.h"

namespace strata::network {
class NodeDb;
class Transition;
}  // namespace strata::network

namespace strata::verifier {

struct ProviderRecord {
  uint64_t accepted = 0, rejected = 0, timeouts = 0, failures = 0;
  bool excluded = false;
  std::string reason;  // why it was excluded
  uint64_t paid = 0;      // the amounts of every receipt issued to it (what this requestor owes it)
  uint64_t receipts = 0;  // receipts issued, so the newest one's sequence number
  // The share of its subtasks a provider delivered, with one success and one loss assumed
  // beforehand (Laplace), so a newcomer starts at 1/2 and one lucky result is not 1.
  double reliability() const { return double(accepted + 1) / double(accepted + rejected + timeouts + failures + 2); }
};

class ReputationStore {
 public:
  // Its own database at `dir`, or its column family in the node's database.
  static Result<std::unique_ptr<ReputationStore>> open(const std::string& dir);
  static Result<std::unique_ptr<ReputationStore>> open(std::shared_ptr<network::NodeDb> db);
  ~ReputationStore();

  enum class Outcome { kAccepted, kRejected, kTimeout, kFailure };
  // Counts one outcome and returns the provider's record as it now is. A rejection also excludes
  // the provider, with `reason`; an acceptance adds `amount` to what it is owed and counts a
  // receipt for it.
  // With a transition, the write is staged in it (the record in memory changes at once and is
  // restored if the transition fails), so it commits atomically with the others there.
  Result<ProviderRecord> record(const network::NodeId& provider, Outcome outcome, const std::string& reason = "",
                                uint64_t amount = 0, network::Transition* transition = nullptr);
  ProviderRecord get(const network::NodeId& provider) const;  // zeros for a provider never seen
  std::vector<std::pair<network::NodeId, ProviderRecord>> all() const;

  struct Impl;

 private:
  explicit ReputationStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::verifier
