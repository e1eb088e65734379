// The analytics family's wire messages (compute/schema/analytics.fbs): a batch of events, the
// task that names it, and its aggregates. Decoding verifies the FlatBuffer and every bound a
// receiver relies on (check_batch, check_aggregates) before the contents are used.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/analytics/batch_aggregates.h"
#include "host/status.h"

namespace strata::compute {

inline constexpr size_t kMaxAnalyticsBatchBytes = size_t(1) << 30;  // 2^26 events of 16 bytes, and room

struct AnalyticsTask {
  std::string job_id;
  uint32_t subtask = 0;
  std::array<uint8_t, 32> batch{};
  uint64_t batch_bytes = 0;
  uint32_t events = 0;  // the work paid for
  analytics::BatchNeeds needs;
  uint32_t batch_index = 0;
};

struct AnalyticsResult {
  std::string job_id;
  uint32_t subtask = 0;
  analytics::BatchAggregates aggregates;
};

std::vector<uint8_t> encode(const analytics::EventBatch& batch);
std::vector<uint8_t> encode(const AnalyticsTask& task);
std::vector<uint8_t> encode(const AnalyticsResult& result);
// A batch that passes analytics::check_batch.
Result<analytics::EventBatch> decode_analytics_batch(std::span<const uint8_t> bytes);
Result<AnalyticsTask> decode_analytics_task(std::span<const uint8_t> bytes);
// The aggregates as sent: check_aggregates against the task's batch is the receiver's.
Result<AnalyticsResult> decode_analytics_result(std::span<const uint8_t> bytes);

}  // namespace strata::compute
