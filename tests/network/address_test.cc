// HOST:PORT parsing: what is accepted, and what each refusal says.
#include <gtest/gtest.h>

#include "network/address.h"

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

}  // namespace
