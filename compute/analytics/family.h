// The analytics family on the family interface, for a query over a file of events (a back-fill):
// the requestor reads the events in order, classifies them (on time, late, malformed) and cuts
// the on-time ones into batches, each a task of its own (a blob); a provider aggregates a batch
// on its device into exact cells (and event times for sessions, bucket counts for quantiles);
// the verifier recomputes the cells of random keys of each result on its own device, bit for
// bit; accepted results merge in order into the query, whose windows are the job's output (JSON
// lines). Work unit: events.
#pragma once

#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "compute/analytics/messages.h"
#include "compute/family.h"
#include "host/analytics/query.h"

namespace strata::compute {

inline constexpr const char* kAnalyticsKernel = "analytics/aggregate-v1";

struct AnalyticsFamilyOptions {
  size_t batch_events = size_t(1) << 18;  // on-time events per task
  uint64_t max_events_bytes = uint64_t(1) << 30;  // the largest events file a job reads
  verifier::CatchTarget catch_target;
  // For the verifier's tests only: alters each result before it goes out, as a dishonest provider
  // would.
  std::function<void(const AnalyticsTask&, AnalyticsResult&)> alter_result;
};

std::shared_ptr<Family> make_analytics_family(AnalyticsFamilyOptions options);

// An analytics job's spec: the query, and the blob id of its events (JSON lines in this node's
// store).
nlohmann::json analytics_spec(const analytics::Query& query, const std::string& events);

}  // namespace strata::compute
