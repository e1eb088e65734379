// Stream metadata (network/stream/stream_registry.h): decoded from arbitrary bytes; what decodes encodes
// again to the same metadata, and a registry takes it once (a repeat changes nothing) and
// answers permission checks with it.
#include "network/stream/stream_registry.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;
using namespace strata::network;

STRATA_FUZZ_TARGET(stream_registry) {
  std::vector<uint8_t> bytes(data, data + size);
  auto m = decode_stream_metadata(bytes);
  if (!m.is_ok()) return 0;
  fuzz::expect_utf8(m->id, "stream metadata: a stream id that is not UTF-8");
  auto again = decode_stream_metadata(encode(*m));
  fuzz::expect(again.is_ok() && *again == *m, "stream metadata: the round trip fails or changes it");
  StreamRegistry registry;
  auto applied = registry.apply(*m);
  fuzz::expect(applied.is_ok() && *applied, "stream metadata: decoded metadata is refused by a registry");
  auto repeated = registry.apply(*m);
  fuzz::expect(repeated.is_ok() && !*repeated, "stream metadata: the same version applied twice changes something");
  auto got = registry.get(m->id);
  fuzz::expect(got.is_ok() && *got == *m, "stream metadata: the registry gives back other metadata");
  fuzz::expect(registry.check_subscribe(m->id, 0, m->owner()).is_ok(), "stream metadata: the owner may not subscribe");
  (void)registry.check_subscribe(m->id, m->partitions, m->owner());
  StreamMessage message;
  message.stream_id = m->id;
  message.publisher = m->owner_key;
  (void)registry.check_publisher(message);
  (void)short_id(m->owner());
  return 0;
}
