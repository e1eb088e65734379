// A whole node of the compute layer, as `strata node` runs it: the stream node, the blob store and
// service, the offer book, the requestor's job manager and, when it provides, the provider's host
// scheduler, with every frame kind routed to its service. Its data directory holds the identity,
// db/ (the one database of streams, blobs, jobs, reputation and receipts), images/ and work/.
// Payment receipts addressed to this node are checked and kept.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "compute/chunk_service.h"
#include "compute/offer_book.h"
#include "compute/provider.h"
#include "compute/requestor.h"
#include "network/blob_service.h"
#include "network/blob_store.h"
#include "compute/job_store.h"
#include "ledger/receipt_store.h"
#include "network/stream/stream_node.h"

namespace strata::compute {

class ComputeNode {
 public:
  struct Options {
    std::string data_dir;
    network::StreamNode::Options stream;  // its storage_dir is set from data_dir when storage is wanted
    bool storage = true;
    std::vector<std::unique_ptr<Device>> provide;  // devices to offer; none: not a provider
    Provider::Options provider;
    Requestor::Options requestor;  // image_dir defaults to data_dir/images
    FamilyOptions families;        // how each family plans, checks and (in tests) cheats
  };
  static Result<std::unique_ptr<ComputeNode>> start(const network::Identity& identity, Options options);
  ~ComputeNode();

  network::StreamNode& stream_node() { return *stream_; }
  network::BlobStore& blobs() { return *blob_store_; }
  OfferBook& offers() { return *offers_; }
  Requestor& requestor() { return *requestor_; }
  Provider* provider() { return provider_.get(); }  // null unless it provides
  verifier::ReputationStore& reputation() { return *reputation_; }
  ledger::ReceiptStore& receipts() { return *receipts_; }
  ChunkService& chunks() { return *chunks_; }
  const Families& families() const { return *families_; }

 private:
  ComputeNode() = default;
  void route_frames();  // every frame kind to its service, before the services have all started
  std::unique_ptr<Families> families_;  // before the services that use them, so it goes after them
  std::unique_ptr<network::StreamNode> stream_;
  std::unique_ptr<network::BlobStore> blob_store_;
  std::unique_ptr<network::BlobService> blob_service_;
  std::unique_ptr<compute::JobStore> job_store_;
  std::unique_ptr<verifier::ReputationStore> reputation_;
  std::unique_ptr<ledger::ReceiptStore> receipts_;
  std::unique_ptr<OfferBook> offers_;
  std::unique_ptr<ChunkService> chunks_;
  std::unique_ptr<Provider> provider_;
  std::unique_ptr<Requestor> requestor_;
  // Set once each has started; until then the frames for it are answered or checked here.
  std::atomic<Provider*> serving_provider_{nullptr};
  std::atomic<Requestor*> serving_requestor_{nullptr};
  bool will_provide_ = false;
};

}  // namespace strata::compute
