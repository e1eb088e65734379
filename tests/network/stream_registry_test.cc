// Stream permissions: a node refuses what a key is not allowed to do, and says why.
#include <gtest/gtest.h>

#include "network/stream_registry.h"
#include "tests/network/network_support.h"

namespace {

using namespace strata;
using namespace strata::network;

Identity key(uint8_t n) { return tests::test_identity(n); }

StreamMessage signed_by(const Identity& id, const std::string& stream, uint32_t partition) {
  StreamMessage m;
  m.stream_id = stream;
  m.partition = partition;
  m.ref = {1, 0};
  m.payload = {42};
  m.sign(id);
  return m;
}

void expect_refused(const Status& s, const std::string& needle) {
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
}

TEST(StreamRegistry, PublishAndSubscribePermissions) {
  Identity owner = key(1), writer = key(2), reader = key(3), stranger = key(4);
  StreamRegistry reg;
  StreamMetadata meta;
  meta.id = "job/1/results";
  meta.partitions = 2;
  meta.owner = owner.node_id();
  meta.publishers = {writer.node_id()};
  meta.subscribers = {reader.node_id()};
  ASSERT_TRUE(reg.create(meta).is_ok());
  expect_refused(reg.create(meta), "already exists");

  EXPECT_TRUE(reg.check_publish(signed_by(owner, meta.id, 0)).is_ok());
  EXPECT_TRUE(reg.check_publish(signed_by(writer, meta.id, 1)).is_ok());
  expect_refused(reg.check_publish(signed_by(stranger, meta.id, 0)), "may not publish");
  expect_refused(reg.check_publish(signed_by(writer, meta.id, 2)), "partition 2 does not exist");
  expect_refused(reg.check_publish(signed_by(writer, "job/2/results", 0)), "does not exist");
  StreamMessage forged = signed_by(writer, meta.id, 0);
  forged.payload[0] = 43;
  expect_refused(reg.check_publish(forged), "signature");

  EXPECT_TRUE(reg.check_subscribe(meta.id, 0, reader.node_id()).is_ok());
  EXPECT_TRUE(reg.check_subscribe(meta.id, 1, owner.node_id()).is_ok());
  expect_refused(reg.check_subscribe(meta.id, 0, stranger.node_id()), "may not subscribe");

  // Only the owner changes permissions; afterwards the stranger may subscribe (public).
  expect_refused(reg.set_permissions(meta.id, writer.node_id(), {}, {}, true), "only its owner");
  ASSERT_TRUE(reg.set_permissions(meta.id, owner.node_id(), {}, {}, true).is_ok());
  EXPECT_TRUE(reg.check_subscribe(meta.id, 0, stranger.node_id()).is_ok());
  expect_refused(reg.check_publish(signed_by(writer, meta.id, 0)), "may not publish");  // no longer a publisher
}

TEST(StreamRegistry, BadMetadataIsRefused) {
  StreamRegistry reg;
  expect_refused(reg.create(StreamMetadata{}), "stream id");
  StreamMetadata no_partitions;
  no_partitions.partitions = 0;
  no_partitions.id.assign(1, 's');
  expect_refused(reg.create(no_partitions), "partitions");
}

}  // namespace
