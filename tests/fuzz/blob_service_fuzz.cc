// The blob messages' decoders (network/blob_service.h): the first byte picks one, the rest is its
// message. What decodes must encode again to a message that decodes to the same thing.
#include "network/blob_service.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;
using namespace strata::network;

STRATA_FUZZ_TARGET(blob_service) {
  if (size < 1) return 0;
  std::vector<uint8_t> bytes = fuzz::rest(data, size);
  if (data[0] & 1) {
    auto c = decode_blob_chunk(bytes);
    if (!c.is_ok()) return 0;
    fuzz::expect_utf8(c->error, "blob chunk: an error that is not UTF-8");
    auto again = decode_blob_chunk(encode(*c));
    fuzz::expect(again.is_ok() && again->id == c->id && again->chunk == c->chunk && again->total_size == c->total_size &&
                     again->data == c->data && again->error == c->error,
                 "blob chunk: the round trip fails or changes it");
  } else {
    auto r = decode_blob_request(bytes);
    if (!r.is_ok()) return 0;
    auto again = decode_blob_request(encode(*r));
    fuzz::expect(again.is_ok() && again->id == r->id && again->chunk == r->chunk,
                 "blob request: the round trip fails or changes it");
  }
  return 0;
}
