// Stream permissions: a node refuses what a key is not allowed to do, and says why.
#include <gtest/gtest.h>

#include "network/stream/stream_registry.h"
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
  meta.publishers = {writer.node_id()};
  meta.subscribers = {reader.node_id()};
  meta.version = 1;
  meta.sign(owner);
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

  // Only the owner changes permissions, with a newer version; afterwards the stranger may
  // subscribe (public).
  StreamMetadata update = meta;
  update.publishers.clear();
  update.subscribers.clear();
  update.public_subscribe = true;
  update.version = 2;
  update.sign(writer);
  expect_refused(reg.apply(update).status(), "only its owner");
  StreamMetadata forged_meta = update;
  forged_meta.owner_key = owner.public_key();  // claims the owner's key without its signature
  expect_refused(reg.apply(forged_meta).status(), "signature");
  update.sign(owner);
  ASSERT_TRUE(reg.apply(update).is_ok() && *reg.apply(update) == false);  // a repeat changes nothing
  EXPECT_EQ(reg.get(meta.id)->version, 2u);
  auto stale = reg.apply(meta);  // the older version is ignored
  ASSERT_TRUE(stale.is_ok());
  EXPECT_FALSE(*stale);
  EXPECT_TRUE(reg.check_subscribe(meta.id, 0, stranger.node_id()).is_ok());
  expect_refused(reg.check_publish(signed_by(writer, meta.id, 0)), "may not publish");  // no longer a publisher
}

TEST(StreamRegistry, BadMetadataIsRefused) {
  StreamRegistry reg;
  expect_refused(reg.create(StreamMetadata{}), "stream id");
  StreamMetadata no_partitions;
  no_partitions.partitions = 0;
  no_partitions.id.assign(1, 's');
  no_partitions.sign(key(1));
  expect_refused(reg.create(no_partitions), "partitions");
  StreamMetadata unsigned_meta;
  unsigned_meta.id = "s";
  expect_refused(reg.create(unsigned_meta), "signature");
  StreamMetadata grow;
  grow.id = "s";
  grow.version = 1;
  grow.sign(key(1));
  ASSERT_TRUE(reg.create(grow).is_ok());
  grow.partitions = 2;
  grow.version = 2;
  grow.sign(key(1));
  expect_refused(reg.apply(grow).status(), "partitions cannot change");
}

// Metadata survives the wire: every field round-trips, and any change after signing, a wrong
// size or garbage is refused by the decoder with the reason.
TEST(StreamRegistry, MetadataWireFormat) {
  StreamMetadata m;
  m.id = "job/9/results";
  m.partitions = 3;
  m.version = 77;
  m.publishers = {key(2).node_id(), key(3).node_id()};
  m.subscribers = {key(4).node_id()};
  m.public_subscribe = true;
  m.sign(key(1));
  auto back = decode_stream_metadata(encode(m));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->owner(), key(1).node_id());

  StreamMetadata changed = m;
  changed.subscribers.insert(key(9).node_id());
  expect_refused(decode_stream_metadata(encode(changed)).status(), "signature");
  changed = m;
  changed.version = 78;
  expect_refused(decode_stream_metadata(encode(changed)).status(), "signature");
  std::vector<uint8_t> junk = encode(m);
  for (size_t i = 0; i < junk.size(); i += 3) junk[i] ^= 0x5a;
  EXPECT_FALSE(decode_stream_metadata(junk).is_ok());
  EXPECT_FALSE(decode_stream_metadata(std::vector<uint8_t>(4, 0)).is_ok());
}

}  // namespace

namespace {

// One peer's stream metadata with an id that is not UTF-8 used to be stored and passed on, and
// then broke JSON listing on every node that had it. It is refused on decode and on apply.
TEST(StreamRegistry, MetadataThatIsNotUtf8IsRefused) {
  StreamMetadata meta;
  meta.id = "sensors/\xff\xfe";
  meta.partitions = 1;
  meta.version = 1;
  meta.sign(key(5));
  auto decoded = decode_stream_metadata(encode(meta));
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_NE(decoded.status().message().find("UTF-8"), std::string::npos) << decoded.status().message();
  StreamRegistry reg;
  expect_refused(reg.apply(meta).status(), "UTF-8");
  expect_refused(reg.create(meta), "UTF-8");
  EXPECT_TRUE(reg.all().empty());
}

}  // namespace
