// Content-addressed blobs: ids are BLAKE2b-256 (RFC 7693 test vector), blobs round-trip in and
// across chunks and across reopening, equal bytes are kept once, and a damaged store is an
// error rather than wrong bytes.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <random>

#include "network/blob_store.h"
#include "network/node_db.h"
#include "tests/test_support.h"

namespace {

using namespace strata;
using namespace strata::network;

TEST(BlobStore, IdsAreBlake2b256) {
  const std::string abc = "abc";
  BlobId id = blob_id_of(std::span(reinterpret_cast<const uint8_t*>(abc.data()), abc.size()));
  EXPECT_EQ(to_string(id), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  auto parsed = parse_blob_id(to_string(id));
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(*parsed, id);
  for (const char* bad : {"", "xyz", "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d5231g"}) {
    EXPECT_NE(parse_blob_id(bad).status().message().find("64 hexadecimal"), std::string::npos) << bad;
  }
}

TEST(BlobStore, RoundTripsChunksAndReopening) {
  std::string dir = tests::scratch_dir() + "/blobs";
  std::mt19937 rng(5);
  std::vector<uint8_t> big(kBlobChunkBytes * 2 + 12345);
  for (auto& b : big) b = static_cast<uint8_t>(rng());
  std::vector<uint8_t> small = {1, 2, 3}, empty;
  BlobId big_id, small_id, empty_id;
  {
    auto store = BlobStore::open(dir);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    auto a = (*store)->put(big), b = (*store)->put(small), c = (*store)->put(empty);
    ASSERT_TRUE(a.is_ok() && b.is_ok() && c.is_ok());
    big_id = *a, small_id = *b, empty_id = *c;
    EXPECT_EQ(big_id, blob_id_of(big));
    EXPECT_EQ(*(*store)->put(big), big_id);  // the same bytes, the same blob
    EXPECT_EQ(*(*store)->size(big_id), big.size());
    auto last = (*store)->chunk(big_id, 2);
    ASSERT_TRUE(last.is_ok());
    EXPECT_EQ(last->size(), 12345u);
    EXPECT_NE((*store)->chunk(big_id, 3).status().message().find("no chunk 3"), std::string::npos);
  }
  auto store = BlobStore::open(dir);
  ASSERT_TRUE(store.is_ok());
  EXPECT_EQ(*(*store)->get(big_id), big);
  EXPECT_EQ(*(*store)->get(small_id), small);
  EXPECT_TRUE((*store)->get(empty_id)->empty());
  BlobId absent = blob_id_of(std::vector<uint8_t>{9});
  EXPECT_FALSE((*store)->has(absent));
  EXPECT_EQ((*store)->get(absent).status().code(), StatusCode::kNotFound);
}

TEST(BlobStore, DamageIsAnErrorNotWrongBytes) {
  std::string dir = tests::scratch_dir() + "/damaged-blobs";
  std::vector<uint8_t> bytes(1000, 7);
  BlobId id;
  {
    auto store = BlobStore::open(dir);
    ASSERT_TRUE(store.is_ok());
    id = *(*store)->put(bytes);
  }
  {
    // Flip the stored chunk behind the store's back.
    auto db = NodeDb::open(dir);
    ASSERT_TRUE(db.is_ok());
    std::string key = "c" + std::string(id.begin(), id.end()) + std::string(8, '\0');
    ASSERT_TRUE((*db)->db().Put(rocksdb::WriteOptions(), (*db)->family(NodeDb::kBlobs), key, std::string(1000, 8)).ok());
  }
  auto store = BlobStore::open(dir);
  ASSERT_TRUE(store.is_ok());
  auto got = (*store)->get(id);
  EXPECT_FALSE(got.is_ok());
  EXPECT_NE(got.status().message().find("damaged"), std::string::npos) << got.status().message();
}

}  // namespace
