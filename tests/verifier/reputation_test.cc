// Providers' reputation: outcomes are counted and survive a restart, a rejection excludes the
// provider with its reason, and reliability starts at 1/2 and follows the record.
#include <gtest/gtest.h>

#include "tests/network/network_support.h"
#include "tests/test_support.h"
#include "verifier/reputation.h"

namespace {

using namespace strata;
using namespace strata::verifier;
using Outcome = ReputationStore::Outcome;

TEST(Reputation, CountsExcludesAndSurvivesRestart) {
  std::string dir = tests::scratch_dir() + "/reputation";
  network::NodeId good = tests::test_identity(1).node_id(), bad = tests::test_identity(2).node_id();
  {
    auto store = ReputationStore::open(dir);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    EXPECT_EQ((*store)->get(good).reliability(), 0.5);
    for (int i = 0; i < 8; ++i) ASSERT_TRUE((*store)->record(good, Outcome::kAccepted).status().is_ok());
    ASSERT_TRUE((*store)->record(good, Outcome::kTimeout).status().is_ok());
    ASSERT_TRUE((*store)->record(bad, Outcome::kAccepted).status().is_ok());
    ASSERT_TRUE((*store)->record(bad, Outcome::kRejected, "pixel (3, 4) differs").status().is_ok());
    ASSERT_TRUE((*store)->record(bad, Outcome::kRejected, "later reason").status().is_ok());
    ASSERT_TRUE((*store)->record(bad, Outcome::kFailure).status().is_ok());
  }
  auto store = ReputationStore::open(dir);
  ASSERT_TRUE(store.status().is_ok());
  ProviderRecord g = (*store)->get(good), b = (*store)->get(bad);
  EXPECT_EQ(g.accepted, 8u);
  EXPECT_EQ(g.timeouts, 1u);
  EXPECT_FALSE(g.excluded);
  EXPECT_DOUBLE_EQ(g.reliability(), 9.0 / 11.0);
  EXPECT_EQ(b.rejected, 2u);
  EXPECT_EQ(b.failures, 1u);
  EXPECT_TRUE(b.excluded);
  EXPECT_EQ(b.reason, "pixel (3, 4) differs");  // the first reason stays
  EXPECT_EQ((*store)->all().size(), 2u);
  // Acceptances count receipts and add their amounts to what is owed.
  auto paid = (*store)->record(good, Outcome::kAccepted, "", 250);
  ASSERT_TRUE(paid.is_ok());
  EXPECT_EQ(paid->paid, 250u);
  EXPECT_EQ(paid->receipts, 9u);
}

}  // namespace
