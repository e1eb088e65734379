// The compute layer's frames on the wire: it has the transport check them with their decoders
// (network/transport/frame.h), the ledger's receipts with them.
#pragma once

namespace strata::compute {

// Registers the checks of render tasks and results, offers, task proposals, replies and
// cancellations, chunk requests and replies, and payment receipts. Idempotent; ComputeNode::start
// calls it.
void register_frame_checks();

}  // namespace strata::compute
