// The compute layer's routes on the node's HTTP API (network/api_server.h):
//
//   POST /api/v1/blobs                      raw body: stores it, answers {"id", "size"}
//   GET  /api/v1/blobs/{id}                 the blob's bytes
//   POST /api/v1/jobs                       {"family": "render" (the default) or "proof", optionally
//                                            "max_price" (per 10^9 work units) and "redundancy", and the
//                                            family's fields}: submits a job. Render: "scene" (manifest
//                                            id), "width", "height", "spp", optionally "seed",
//                                            "max_depth", "rr_depth". Proof: "op" (hash, merkle, verify),
//                                            "algo" (sha256, keccak256, blake2b), "items" (an encoded
//                                            ProofBatch's blob id), optionally "prove" (leaf indices)
//   GET  /api/v1/jobs                       every job with its state and subtask counts
//   GET  /api/v1/jobs/{id}                  one job, with its verification cost ("verification": work
//                                            re-done, as a fraction of the job, and results rejected)
//   POST /api/v1/jobs/{id}/cancel           cancels it (DELETE /api/v1/jobs/{id} too)
//   GET  /api/v1/jobs/{id}/image?format=png|pfm   the finished image (render)
//   GET  /api/v1/jobs/{id}/output           the finished output: JSON lines (proof), the PNG (render)
//   GET  /api/v1/providers                  the providers this node has given work to: results accepted and
//                                            rejected, timeouts, failures, reliability, exclusion
//   GET  /api/v1/receipts                   what each requestor owes this node: receipts kept, the total, and
//                                            the newest receipt (signed by the requestor), which proves it
//   GET  /api/v1/jobs/{id}/progress         WebSocket: the job's progress events from the start, one
//                                            JSON object each ("submitted", "tile" (render) or "batch"
//                                            (proof), "reassigned", "done", "cancelled", "failed")
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "compute/compute_node.h"
#include "network/api_server.h"

namespace strata::compute {

// The routes above, served by `node` (which must outlive the API server).
network::ApiRoutes jobs_routes(ComputeNode& node);
// The progress WebSocket: jobs/{id}/progress -> the job's progress stream.
std::optional<std::string> jobs_stream_alias(const std::vector<std::string>& path);

nlohmann::json job_status_json(const JobStatus& status);

}  // namespace strata::compute
