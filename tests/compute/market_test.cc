// Market messages: offers, demands and agreements round-trip the wire with their signatures; any
// change after signing breaks them; an agreement needs both signatures; malformed input is named;
// matching keeps only offers that can serve the demand, cheapest first, then fastest.
#include <gtest/gtest.h>

#include <functional>

#include "compute/market.h"
#include "network/blob_store.h"
#include "network/transport/frame.h"
#include "tests/network/network_support.h"

namespace {

using namespace strata;
using namespace strata::network;
using namespace strata::compute;

Identity key(uint8_t n) { return tests::test_identity(n); }

Offer offer(uint8_t provider, uint64_t price, double score, uint64_t memory = 8ull << 30) {
  Offer o;
  o.offer_id = "offer-" + std::to_string(provider);
  o.devices = {{"NVIDIA H100", "cuda", memory}, {"cpu", "cpu", 1ull << 30}};
  o.kernels = {{"render/pathtrace-v1", score, price}, {"proof/sha256-v1", score * 10, price / 2}};
  o.max_subtasks = 4;
  o.expires_at = 2000000;
  o.sign(key(provider));
  return o;
}

Demand demand() {
  Demand d;
  d.job_id = "job-1";
  d.kernel = "render/pathtrace-v1";
  d.min_memory_bytes = 4ull << 30;
  d.max_price = 100;
  d.deadline = 1500000;
  d.work = 1920ull * 1080 * 256;
  d.sign(key(1));
  return d;
}

void expect_error(const Status& s, const std::string& needle) {
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

TEST(Market, MessagesRoundTripAndSignaturesCoverEveryField) {
  Offer o = offer(2, 50, 1e9);
  o.sample_pieces = 2;
  o.sign(key(2));
  auto o2 = decode_offer(encode(o));
  ASSERT_TRUE(o2.is_ok()) << o2.status().to_string();
  EXPECT_EQ(*o2, o);
  Demand d = demand();
  auto d2 = decode_demand(encode(d));
  ASSERT_TRUE(d2.is_ok()) << d2.status().to_string();
  EXPECT_EQ(*d2, d);

  // A change to any signed field breaks the signature.
  std::vector<std::function<void(Offer&)>> offer_edits = {
      [](Offer& x) { x.offer_id += "x"; },          [](Offer& x) { x.devices[0].memory_bytes++; },
      [](Offer& x) { x.devices[1].backend = "opencl"; }, [](Offer& x) { x.kernels.push_back({"proof/x", 1, 1}); },
      [](Offer& x) { x.kernels[0].speed *= 2; },    [](Offer& x) { x.kernels[1].price--; },
      [](Offer& x) { x.kernels[1].kernel = "proof/keccak256-v1"; },
      [](Offer& x) { x.max_subtasks++; },           [](Offer& x) { x.expires_at++; },
      [](Offer& x) { x.sample_pieces++; },          [](Offer& x) { x.provider = key(9).public_key(); }};
  for (size_t i = 0; i < offer_edits.size(); ++i) {
    Offer changed = o;
    offer_edits[i](changed);
    EXPECT_FALSE(changed.signature_valid()) << "offer field " << i;
    expect_error(decode_offer(encode(changed)).status(), "signature");
  }
  std::vector<std::function<void(Demand&)>> demand_edits = {
      [](Demand& x) { x.job_id += "x"; }, [](Demand& x) { x.kernel = "other"; },
      [](Demand& x) { x.min_memory_bytes++; }, [](Demand& x) { x.max_price++; },
      [](Demand& x) { x.deadline++; }, [](Demand& x) { x.work++; }};
  for (size_t i = 0; i < demand_edits.size(); ++i) {
    Demand changed = d;
    demand_edits[i](changed);
    EXPECT_FALSE(changed.signature_valid()) << "demand field " << i;
  }
}

TEST(Market, AgreementsNeedBothSignatures) {
  Agreement a;
  a.job_id = "job-1";
  a.subtasks = {0, 3, 7};
  a.price = 40;
  a.deadline = 1400000;
  a.requestor = key(1).public_key();
  a.provider = key(2).public_key();
  expect_error(a.check(), "requestor's signature");
  a.sign_as_requestor(key(1));
  expect_error(a.check(), "provider's signature");
  expect_error(decode_agreement(encode(a)).status(), "provider's signature");
  a.sign_as_provider(key(2));
  ASSERT_TRUE(a.check().is_ok());
  auto back = decode_agreement(encode(a));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, a);
  Agreement cheaper = a;
  cheaper.price = 1;  // after both signed
  expect_error(cheaper.check(), "signature");
  Agreement more = a;
  more.subtasks.push_back(8);
  expect_error(more.check(), "signature");
}

TEST(Market, MalformedMessagesAreNamed) {
  std::vector<uint8_t> junk = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  expect_error(decode_offer(junk).status(), "offer: malformed");
  expect_error(decode_demand(junk).status(), "demand: malformed");
  expect_error(decode_agreement(junk).status(), "agreement: malformed");
  Offer nameless = offer(2, 1, 1);
  nameless.offer_id.clear();
  nameless.sign(key(2));
  expect_error(decode_offer(encode(nameless)).status(), "offer id is empty");
  Offer bad_speed = offer(2, 1, 1);
  bad_speed.kernels[1].speed = -1;
  bad_speed.sign(key(2));
  expect_error(decode_offer(encode(bad_speed)).status(), "the speed of 'proof/sha256-v1'");
  Offer twice = offer(2, 1, 1);
  twice.kernels[1].kernel = twice.kernels[0].kernel;
  twice.sign(key(2));
  expect_error(decode_offer(encode(twice)).status(), "listed twice");
  for (uint32_t pieces : {0u, 17u}) {
    Offer bad_pieces = offer(2, 1, 1);
    bad_pieces.sample_pieces = pieces;
    bad_pieces.sign(key(2));
    expect_error(decode_offer(encode(bad_pieces)).status(), std::to_string(pieces) + " sample pieces (1 to 16)");
  }
  std::vector<uint8_t> flipped = encode(demand());
  for (size_t i = 0; i < flipped.size(); i += 5) flipped[i] ^= 0x33;
  EXPECT_FALSE(decode_demand(flipped).is_ok());
}

TEST(Market, MatchingPicksServableOffersCheapestThenFastest) {
  Demand d = demand();
  std::vector<Offer> offers = {offer(2, 60, 1e9), offer(3, 40, 5e8), offer(4, 40, 2e9), offer(5, 101, 9e9),
                               offer(6, 10, 1e9, 2ull << 30)};
  Offer expired = offer(7, 5, 1e9);
  expired.expires_at = 1000;
  expired.sign(key(7));
  Offer wrong_kernel = offer(8, 5, 1e9);
  wrong_kernel.kernels = {{"analytics/window-v1", 1e9, 5}};
  wrong_kernel.sign(key(8));
  Offer forged = offer(9, 5, 1e9);
  forged.kernels[0].price = 1;  // changed after signing
  offers.insert(offers.end(), {expired, wrong_kernel, forged});
  // Offers whose signatures were checked on arrival (an offer book's) are not checked again: the
  // forged one, cheapest, then comes first.
  auto trusted = match_offers(d, offers, 1000000, SignatureCheck::kSkip);
  ASSERT_EQ(trusted.size(), 4u);
  EXPECT_EQ(trusted[0].offer_id, "offer-9");
  auto picked = match_offers(d, offers, 1000000);
  ASSERT_EQ(picked.size(), 3u);
  EXPECT_EQ(picked[0].offer_id, "offer-4");  // 40, faster
  EXPECT_EQ(picked[1].offer_id, "offer-3");  // 40, slower
  EXPECT_EQ(picked[2].offer_id, "offer-2");  // 60
  // offer-5 is over the price, offer-6 lacks memory, the rest are expired, cannot run the
  // kernel, or forged.
}

// Each kernel has its own speed and price: a demand for another kernel of the same offers is
// matched and ranked by that kernel's.
TEST(Market, MatchingUsesTheDemandedKernelsPriceAndSpeed) {
  Demand d = demand();
  d.kernel = "proof/sha256-v1";
  d.max_price = 25;
  d.sign(key(1));
  std::vector<Offer> offers = {offer(2, 60, 1e9), offer(3, 40, 5e8), offer(4, 40, 2e9), offer(5, 101, 9e9)};
  auto picked = match_offers(d, offers, 1000000);
  ASSERT_EQ(picked.size(), 2u);  // offer-2's sha256 costs 30, offer-5's 50
  EXPECT_EQ(picked[0].offer_id, "offer-4");
  EXPECT_EQ(picked[1].offer_id, "offer-3");
  d.kernel = "proof/keccak256-v1";
  d.sign(key(1));
  EXPECT_TRUE(match_offers(d, offers, 1000000).empty());
}

}  // namespace
