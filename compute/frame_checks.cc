#include "compute/frame_checks.h"

#include "compute/market.h"
#include "compute/render/messages.h"
#include "compute/task_messages.h"
#include "ledger/receipt.h"
#include "network/transport/frame.h"

namespace strata::compute {

void register_frame_checks() {
  using network::FrameType;
  using network::register_payload_check;
  using Bytes = std::span<const uint8_t>;
  register_payload_check(FrameType::kRenderTask, [](Bytes p) { return decode_render_task(p).status(); });
  register_payload_check(FrameType::kRenderResult, [](Bytes p) { return decode_render_result(p).status(); });
  register_payload_check(FrameType::kOffer, [](Bytes p) { return decode_offer(p).status(); });
  register_payload_check(FrameType::kTaskProposal, [](Bytes p) { return decode_task_proposal(p).status(); });
  register_payload_check(FrameType::kTaskReply, [](Bytes p) { return decode_task_reply(p).status(); });
  register_payload_check(FrameType::kChunkRequest, [](Bytes p) { return decode_chunk_request(p).status(); });
  register_payload_check(FrameType::kChunkReply, [](Bytes p) { return decode_chunk_reply(p).status(); });
  register_payload_check(FrameType::kTaskCancel, [](Bytes p) { return decode_task_cancel(p).status(); });
  ledger::register_frame_checks();
}

}  // namespace strata::compute
