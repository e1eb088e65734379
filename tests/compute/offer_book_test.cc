// The offer book: offers pass from node to node, a provider's newer offer replaces its older one,
// expired and forged offers are not kept (a forged one drops the peer that sent it), and the book
// never holds more than kMaxOffers.
#include <gtest/gtest.h>

#include <cstring>

#include "compute/offer_book.h"
#include "compute/provider.h"
#include "network/clock.h"
#include "network/stream/stream_node.h"
#include "tests/network/network_support.h"

namespace {

using namespace strata;
using namespace strata::compute;
using tests::eventually;

compute::Offer offer(uint8_t provider, uint64_t expires_at, uint64_t price = 100) {
  compute::Offer o;
  o.offer_id = "offer-";
  o.offer_id += std::to_string(provider);
  o.devices = {{"cpu", "cpu", 1ull << 30}};
  o.kernels = {{kRenderKernel, 1e6, price}};
  o.max_subtasks = 2;
  o.expires_at = expires_at;
  o.sign(tests::test_identity(provider));
  return o;
}

struct BookNode {
  std::unique_ptr<network::StreamNode> node;
  std::unique_ptr<OfferBook> book;
  ~BookNode() {
    if (node) node->transport().stop();
  }
};

std::unique_ptr<BookNode> start(uint8_t seed) {
  auto n = std::make_unique<BookNode>();
  network::StreamNode::Options o;
  o.transport.peer_exchange = false;  // a chain, so offers must be passed on to arrive
  n->node = std::move(*network::StreamNode::start(tests::test_identity(seed), o));
  n->book = std::make_unique<OfferBook>(n->node->transport());
  OfferBook* book = n->book.get();
  n->node->handle_frames({network::FrameType::kOffer},
                         [book](const network::PeerInfo& from, const network::FrameView& f) { return book->handle(from, f); });
  return n;
}

TEST(OfferBook, OffersPassAlongAChainAndNewerOnesReplaceOlder) {
  auto a = start(61), b = start(62), c = start(63);
  ASSERT_TRUE(b->node->transport().connect("127.0.0.1", a->node->transport().port()).is_ok());
  ASSERT_TRUE(c->node->transport().connect("127.0.0.1", b->node->transport().port()).is_ok());
  // An offer goes to the peers known when it is announced: both ends of both links first (the
  // dialer knows its peer before the acceptor does; announcing earlier lost the offer at times).
  ASSERT_TRUE(eventually([&] {
    return a->node->transport().peers().size() == 1 && b->node->transport().peers().size() == 2;
  }, 10000));
  uint64_t now = network::now_ms();
  a->book->announce(offer(70, now + 60000, 100));
  // (Two hops on a loaded machine: the suite runs tests side by side, so allow 10 s.)
  ASSERT_TRUE(eventually([&] { return c->book->offers(network::now_ms()).size() == 1; }, 10000));
  a->book->announce(offer(70, now + 90000, 50));
  ASSERT_TRUE(eventually([&] {
    auto offers = c->book->offers(network::now_ms());
    return offers.size() == 1 && offers[0].kernels[0].price == 50;
  }, 10000));
  // An older offer of the same provider does not replace the newer one.
  a->book->announce(offer(70, now + 70000, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(c->book->offers(network::now_ms())[0].kernels[0].price, 50u);
  EXPECT_EQ(a->book->offers(network::now_ms())[0].kernels[0].price, 50u);
  // Expired offers are not kept and not counted.
  c->book->announce(offer(71, now - 1));
  EXPECT_EQ(c->book->offers(network::now_ms()).size(), 1u);
  EXPECT_TRUE(c->book->offers(now + 80000).empty() == false);
  EXPECT_TRUE(c->book->offers(now + 100000).empty());
}

TEST(OfferBook, ForgedOffersDropTheirSender) {
  auto a = start(64);
  auto rogue = network::TransportNode::start(tests::test_identity(65), network::TransportNode::Options{});
  ASSERT_TRUE(rogue.is_ok());
  auto peer = (*rogue)->connect("127.0.0.1", a->node->transport().port());
  ASSERT_TRUE(peer.is_ok());
  compute::Offer forged = offer(72, network::now_ms() + 60000);
  forged.kernels[0].price = 1;  // after signing
  ASSERT_TRUE((*rogue)->send(peer->id, network::FrameType::kOffer, encode(forged)).is_ok());
  EXPECT_TRUE(eventually([&] { return (*rogue)->peers().empty(); }));
  EXPECT_TRUE(a->book->offers(network::now_ms()).empty());
  (*rogue)->stop();
}

TEST(OfferBook, HoldsAtMostTheBound) {
  auto a = start(66);
  uint64_t now = network::now_ms();
  network::PeerInfo from;
  for (size_t i = 0; i <= kMaxOffers; ++i) {
    std::array<uint8_t, 32> seed{};
    std::memcpy(seed.data(), &i, sizeof i);
    compute::Offer o = offer(1, now + 60000 + i);
    o.sign(network::Identity::from_seed(seed));
    std::vector<uint8_t> bytes = encode(o);
    ASSERT_TRUE(a->book->handle(from, network::FrameView{network::FrameType::kOffer, bytes}).is_ok());
  }
  auto offers = a->book->offers(network::now_ms());
  ASSERT_EQ(offers.size(), kMaxOffers);
  // The one closest to expiring made room.
  for (const auto& o : offers) EXPECT_GT(o.expires_at, now + 60000);
}

}  // namespace
