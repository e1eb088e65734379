#include "compute/compute_node.h"

#include <cstdio>
#include <filesystem>

#include "compute/frame_checks.h"
#include "network/node_db.h"
#include "compute/task_messages.h"

namespace strata::compute {

using network::FrameType;

Result<std::unique_ptr<ComputeNode>> ComputeNode::start(const network::Identity& identity, Options options) {
  if (options.data_dir.empty()) return invalid_argument("a compute node needs a data directory");
  const std::string& dir = options.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("cannot create the data directory " + dir + ": " + ec.message());
  register_frame_checks();  // before the transport starts taking frames
  std::unique_ptr<ComputeNode> n(new ComputeNode());
  // One database for every store; a data directory of the earlier layout (a database per
  // store) is imported into it once.
  auto db = network::NodeDb::open(dir + "/db");
  if (!db.is_ok()) return db.status();
  for (const auto& [old, family] : {std::pair{"blobs", network::NodeDb::kBlobs}, {"jobs", network::NodeDb::kJobs},
                                    {"reputation", network::NodeDb::kReputation}, {"receipts", network::NodeDb::kReceipts},
                                    {"streams", network::NodeDb::kStreams}}) {
    STRATA_RETURN_IF_ERROR((*db)->import_legacy(dir + "/" + old, family));
  }
  auto blobs = network::BlobStore::open(*db);
  if (!blobs.is_ok()) return blobs.status();
  n->blob_store_ = std::move(*blobs);
  auto jobs = compute::JobStore::open(*db);
  if (!jobs.is_ok()) return jobs.status();
  n->job_store_ = std::move(*jobs);
  auto reputation = verifier::ReputationStore::open(*db);
  if (!reputation.is_ok()) return reputation.status();
  n->reputation_ = std::move(*reputation);
  auto receipts = ledger::ReceiptStore::open(*db);
  if (!receipts.is_ok()) return receipts.status();
  n->receipts_ = std::move(*receipts);
  if (options.storage) options.stream.storage_db = *db;
  auto stream = network::StreamNode::start(identity, std::move(options.stream));
  if (!stream.is_ok()) return stream.status();
  n->stream_ = std::move(*stream);
  network::StreamNode& node = *n->stream_;
  n->blob_service_ = std::make_unique<network::BlobService>(*n->blob_store_, node.transport());
  n->offers_ = std::make_unique<OfferBook>(node.transport());
  n->chunks_ = std::make_unique<ChunkService>(*n->blob_store_, node.transport());
  n->families_ = std::make_unique<Families>(options.families);
  n->will_provide_ = !options.provide.empty();
  // The handlers go in before the provider's self-tests and the requestor's resumed jobs, so that
  // no frame that comes meanwhile is dropped unanswered: a proposal then is refused as early.
  n->route_frames();
  if (!options.provide.empty()) {
    if (options.provider.work_dir.empty()) options.provider.work_dir = dir + "/work";
    auto provider = Provider::start(node, *n->blob_store_, *n->blob_service_, *n->offers_, *n->families_,
                                    std::move(options.provide), std::move(options.provider));
    if (!provider.is_ok()) return provider.status();
    n->provider_ = std::move(*provider);
    n->serving_provider_.store(n->provider_.get());
  }
  if (options.requestor.work_dir.empty()) options.requestor.work_dir = dir + "/work";
  if (options.requestor.image_dir.empty()) {
    options.requestor.image_dir = std::filesystem::absolute(dir + "/images").lexically_normal().string();
  }
  auto requestor = Requestor::start(node, *n->blob_store_, *n->blob_service_, *n->job_store_, *n->offers_,
                                    *n->reputation_, *n->families_, std::move(options.requestor));
  if (!requestor.is_ok()) return requestor.status();
  n->requestor_ = std::move(*requestor);
  n->serving_requestor_.store(n->requestor_.get());
  return n;
}

void ComputeNode::route_frames() {
  ComputeNode* raw = this;
  network::StreamNode& node = *stream_;
  node.handle_frames({FrameType::kBlobRequest, FrameType::kBlobChunk},
                     [raw](const network::PeerInfo& from, const network::FrameView& f) { return raw->blob_service_->handle(from, f); });
  node.handle_frames({FrameType::kChunkRequest, FrameType::kChunkReply},
                     [raw](const network::PeerInfo& from, const network::FrameView& f) { return raw->chunks_->handle(from, f); });
  node.handle_frames({FrameType::kOffer},
                     [raw](const network::PeerInfo& from, const network::FrameView& f) { return raw->offers_->handle(from, f); });
  node.handle_frames({FrameType::kReceipt}, [raw](const network::PeerInfo& from, const network::FrameView& f) -> Status {
    auto receipt = ledger::decode_payment_receipt(f.payload);  // the requestor's signature checked
    if (!receipt.is_ok()) return receipt.status();
    if (network::node_id_of(receipt->requestor) != from.id) return invalid_argument("payment receipt: signed by another key than the peer's");
    if (receipt->provider != raw->stream_->identity().public_key()) return Status::ok();  // not ours to keep
    if (Status s = raw->receipts_->keep(*receipt); !s.is_ok()) {
      std::fprintf(stderr, "receipt from %s not kept: %s\n", network::short_id(from.id).c_str(), s.message().c_str());
    }
    return Status::ok();
  });
  node.handle_frames({FrameType::kTaskReply}, [raw](const network::PeerInfo& from, const network::FrameView& f) -> Status {
    if (Requestor* requestor = raw->serving_requestor_.load()) return requestor->handle(from, f);
    return compute::decode_task_reply(f.payload).status();  // no job proposed yet: not ours
  });
  node.handle_frames({FrameType::kTaskCancel}, [raw](const network::PeerInfo& from, const network::FrameView& f) -> Status {
    if (Provider* provider = raw->serving_provider_.load()) return provider->handle(from, f);
    return compute::decode_task_cancel(f.payload).status();  // nothing to withdraw here
  });
  node.handle_frames({FrameType::kTaskProposal}, [raw](const network::PeerInfo& from, const network::FrameView& f) {
    if (Provider* provider = raw->serving_provider_.load()) return provider->handle(from, f);
    auto proposal = compute::decode_task_proposal(f.payload);
    if (!proposal.is_ok()) return proposal.status();
    std::string why = raw->will_provide_ ? "this node's provider is still starting (testing its devices)" : "this node does not provide";
    compute::TaskReply no{proposal->job_id(), proposal->subtask(), std::nullopt, why};
    (void)raw->stream_->transport().send(from.id, FrameType::kTaskReply, encode(no));
    return Status::ok();
  });
}

ComputeNode::~ComputeNode() {
  // No handler may run once the services it calls are gone.
  if (stream_) stream_->transport().stop();
  requestor_.reset();
  provider_.reset();
}

}  // namespace strata::compute
