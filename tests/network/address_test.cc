// HOST:PORT parsing: what is accepted, and what each refusal says. Rates per address: a token
// bucket against its closed form, and whom an address counts as.
#include <gtest/gtest.h>

#include "network/transport/address.h"
#include "network/transport/address_rate.h"

namespace {

using strata::network::parse_host_port;

TEST(Address, HostPort) {
  auto a = parse_host_port("127.0.0.1:7701");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 7701);
  EXPECT_EQ(a->to_string(), "127.0.0.1:7701");
  auto v6 = parse_host_port("::1:80");  // the last colon separates the port
  ASSERT_TRUE(v6.is_ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(parse_host_port("0.0.0.0:0", true)->port, 0);
  for (const char* bad : {"localhost", ":80", "host:", "host:65536", "host:80x", "host:-1", "host:0"}) {
    auto r = parse_host_port(bad);
    EXPECT_FALSE(r.is_ok()) << bad;
    EXPECT_NE(r.status().message().find("HOST:PORT"), std::string::npos) << r.status().message();
  }
}

// burst at once, then per_second: after t seconds of asking without end, burst + per_second * t
// have been let through (to within the one partly filled token).
TEST(AddressRate, LetsThroughTheBurstThenThePerSecondRate) {
  using strata::network::AddressRate;
  AddressRate rate(4, 10, 3);
  auto t0 = AddressRate::Clock::time_point{} + std::chrono::hours(1);
  int admitted = 0;
  for (int i = 0; i < 100; ++i) admitted += rate.admit("a", t0);
  EXPECT_EQ(admitted, 10);
  for (int ms = 1; ms <= 5000; ++ms) admitted += rate.admit("a", t0 + std::chrono::milliseconds(ms));
  EXPECT_GE(admitted, 10 + 4 * 5 - 1);
  EXPECT_LE(admitted, 10 + 4 * 5);
  EXPECT_TRUE(rate.admit("b", t0 + std::chrono::seconds(5)));  // another address: its own bucket
  // A full table forgets addresses whose buckets have filled again; past that, a new address is
  // let through without being tracked, and the table does not grow.
  EXPECT_TRUE(rate.admit("c", t0 + std::chrono::seconds(5)));
  EXPECT_EQ(rate.tracked(), 3u);
  EXPECT_TRUE(rate.admit("d", t0 + std::chrono::seconds(5)));
  EXPECT_EQ(rate.tracked(), 3u);
  EXPECT_TRUE(rate.admit("e", t0 + std::chrono::seconds(60)));  // all full again by then
  EXPECT_EQ(rate.tracked(), 1u);
  AddressRate unlimited(0, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(unlimited.admit("a", t0));
}

TEST(AddressRate, AnIPv6HostCountsByItsPrefix) {
  using strata::network::AddressRate;
  namespace ip = boost::asio::ip;
  EXPECT_EQ(AddressRate::key_of(ip::make_address("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(AddressRate::key_of(ip::make_address("::ffff:192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(AddressRate::key_of(ip::make_address("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressRate::key_of(ip::make_address("2001:db8:1:2:ffff:ffff:ffff:ffff")), "2001:db8:1:2::/64");
  EXPECT_NE(AddressRate::key_of(ip::make_address("2001:db8:1:3::1")), "2001:db8:1:2::/64");
}

}  // namespace
