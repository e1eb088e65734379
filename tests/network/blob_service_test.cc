// Blobs between nodes on loopback: a blob fetched chunk by chunk arrives whole and is kept; a
// missing blob, a peer that sends other bytes or the wrong amount, and a malformed answer are
// each an error that names the problem, and nothing wrong is kept.
#include <gtest/gtest.h>

#include <random>

#include "network/blob_service.h"
#include "network/stream/stream_node.h"
#include "tests/network/network_support.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;

struct BlobNode {
  std::unique_ptr<BlobStore> store;
  std::unique_ptr<StreamNode> node;
  std::unique_ptr<BlobService> blobs;
  BlobNode() = default;
  BlobNode(BlobNode&&) = default;
  // The node's network thread calls into the service: it stops before the service goes.
  ~BlobNode() {
    if (node) node->transport().stop();
  }
};

BlobNode start(uint8_t seed) {
  BlobNode n;
  auto store = BlobStore::open(tests::scratch_dir() + "/blob-node-" + std::to_string(seed));
  EXPECT_TRUE(store.is_ok());
  n.store = std::move(store.value());
  auto node = StreamNode::start(tests::test_identity(seed), StreamNode::Options{});
  EXPECT_TRUE(node.is_ok());
  n.node = std::move(node.value());
  n.blobs = std::make_unique<BlobService>(*n.store, n.node->transport());
  BlobService* service = n.blobs.get();
  n.node->handle_frames({FrameType::kBlobRequest, FrameType::kBlobChunk},
                        [service](const PeerInfo& from, const FrameView& f) { return service->handle(from, f); });
  return n;
}

TEST(BlobService, FetchesWholeBlobsAndKeepsThem) {
  BlobNode a = start(81), b = start(82);
  auto peer = b.node->transport().connect("127.0.0.1", a.node->transport().port());
  ASSERT_TRUE(peer.is_ok());
  std::mt19937 rng(3);
  std::vector<uint8_t> scene(kBlobChunkBytes * 2 + 999);
  for (auto& x : scene) x = static_cast<uint8_t>(rng());
  BlobId id = *a.store->put(scene);
  auto got = b.blobs->fetch(peer->id, id);
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ(*got, scene);
  EXPECT_TRUE(b.store->has(id));
  BlobId missing = blob_id_of(std::vector<uint8_t>{1, 2});
  auto absent = b.blobs->fetch(peer->id, missing);
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound);
  EXPECT_NE(absent.status().message().find("is not here"), std::string::npos) << absent.status().message();
  EXPECT_NE(b.blobs->fetch(tests::test_identity(99).node_id(), missing).status().message().find("no connected peer"),
            std::string::npos);
}

// A peer that answers with other bytes of the right size, the wrong size, or garbage.
TEST(BlobService, LyingPeersAreCaught) {
  BlobNode b = start(84);
  std::atomic<int> mode{0};
  TransportNode* self = nullptr;
  auto rogue = TransportNode::start(tests::test_identity(85), TransportNode::Options{},
                                    [&](const PeerInfo& from, const FrameView& f) -> Status {
                                      if (f.type != FrameType::kBlobRequest) return Status::ok();
                                      auto request = decode_blob_request(f.payload);
                                      if (!request.is_ok()) return request.status();
                                      BlobChunk lie;
                                      lie.id = request->id;
                                      lie.chunk = request->chunk;
                                      lie.total_size = 10;
                                      lie.data.assign(mode == 1 ? 7 : 10, 0xee);
                                      std::vector<uint8_t> bytes = encode(lie);
                                      if (mode == 2) bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9};
                                      (void)self->send(from.id, FrameType::kBlobChunk, bytes);
                                      return Status::ok();
                                    });
  ASSERT_TRUE(rogue.is_ok());
  self = rogue->get();
  auto peer = b.node->transport().connect("127.0.0.1", (*rogue)->port());
  ASSERT_TRUE(peer.is_ok());
  BlobId wanted = blob_id_of(std::vector<uint8_t>(10, 0x11));
  auto other_bytes = b.blobs->fetch(peer->id, wanted);
  EXPECT_NE(other_bytes.status().message().find("do not match the id"), std::string::npos) << other_bytes.status().message();
  EXPECT_FALSE(b.store->has(wanted));
  EXPECT_FALSE(b.store->has(blob_id_of(std::vector<uint8_t>(10, 0xee))));
  mode = 1;
  auto short_chunk = b.blobs->fetch(peer->id, wanted);
  EXPECT_NE(short_chunk.status().message().find("has 7 bytes, not 10"), std::string::npos) << short_chunk.status().message();
  mode = 2;
  auto garbage = b.blobs->fetch(peer->id, wanted, std::chrono::milliseconds(500));
  EXPECT_FALSE(garbage.is_ok());
  // The malformed answer dropped the rogue, with the reason.
  EXPECT_TRUE(tests::eventually([&] {
    for (const auto& r : b.node->transport().rejections())
      if (r.find("blob chunk: malformed") != std::string::npos) return true;
    return false;
  }));
}

}  // namespace

namespace {

// A peer that leaves while a fetch waits for it ends the wait at once, not at the time limit.
TEST(BlobService, PeerLeavingEndsTheWait) {
  BlobNode b = start(86);
  auto silent = TransportNode::start(tests::test_identity(87), TransportNode::Options{},
                                     [](const PeerInfo&, const FrameView&) { return Status::ok(); });
  ASSERT_TRUE(silent.is_ok());
  auto peer = b.node->transport().connect("127.0.0.1", (*silent)->port());
  ASSERT_TRUE(peer.is_ok());
  std::thread leave([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (*silent)->stop();
  });
  auto start_time = std::chrono::steady_clock::now();
  auto got = b.blobs->fetch(peer->id, blob_id_of(std::vector<uint8_t>{7}), std::chrono::seconds(30));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  leave.join();
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.status().message().find("the peer left"), std::string::npos) << got.status().message();
  EXPECT_LT(seconds, 5.0);
}

}  // namespace
