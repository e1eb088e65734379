// The stream messages' decoders (network/stream/stream_message.h): the first byte picks one, the rest is
// its message. check_stream_message must agree with decoding (signature aside); a decoded message
// is within its bounds, encodes again to the same message, and goes through a chain tracker,
// which must call it a duplicate the second time.
#include "network/stream/stream_message.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;
using namespace strata::network;

namespace {

bool same(const StreamMessage& a, const StreamMessage& b) {
  return a.stream_id == b.stream_id && a.partition == b.partition && a.ref == b.ref && a.publisher == b.publisher &&
         a.chain_id == b.chain_id && a.has_prev == b.has_prev && (!a.has_prev || a.prev == b.prev) &&
         a.content_type == b.content_type && a.payload == b.payload && a.signature == b.signature;
}

}  // namespace

STRATA_FUZZ_TARGET(stream_message) {
  if (size < 1) return 0;
  std::vector<uint8_t> bytes = fuzz::rest(data, size);
  switch ((data[0] & 0x7f) % 3) {
    case 0: {
      Status checked = check_stream_message(bytes);
      auto m = decode_stream_message(bytes, data[0] & 0x80 ? SignatureCheck::kVerify : SignatureCheck::kSkip);
      if (data[0] & 0x80) {
        fuzz::expect(checked.is_ok() || !m.is_ok(), "stream message: decodes, yet check_stream_message refuses it");
      } else {
        fuzz::expect(checked.is_ok() == m.is_ok(), "stream message: check_stream_message and decoding disagree");
      }
      if (!m.is_ok()) break;
      fuzz::expect_utf8(m->stream_id, "stream message: a stream id that is not UTF-8");
      fuzz::expect_utf8(m->chain_id, "stream message: a chain id that is not UTF-8");
      fuzz::expect_utf8(m->content_type, "stream message: a content type that is not UTF-8");
      fuzz::expect(check_bounds(*m).is_ok(), "stream message: a decoded message is outside its bounds");
      (void)m->publisher_id();
      bool valid = m->signature_valid();
      fuzz::expect(!(data[0] & 0x80) || valid, "stream message: decoded with a check, yet its signature is invalid");
      auto again = decode_stream_message(encode(*m), SignatureCheck::kSkip);
      fuzz::expect(again.is_ok() && same(*again, *m), "stream message: the round trip fails or changes it");
      ChainTracker tracker;
      (void)tracker.observe(*m);
      fuzz::expect(tracker.observe(*m).verdict == ChainTracker::Verdict::kDuplicate,
                   "stream message: the chain tracker delivers the same message twice");
      break;
    }
    case 1: {
      auto s = decode_subscribe(bytes);
      if (!s.is_ok()) break;
      fuzz::expect_utf8(s->stream_id, "subscribe: a stream id that is not UTF-8");
      auto again = decode_subscribe(encode(*s));
      fuzz::expect(again.is_ok() && *again == *s, "subscribe: the round trip fails or changes it");
      break;
    }
    case 2: {
      auto r = decode_resend(bytes);
      if (!r.is_ok()) break;
      fuzz::expect_utf8(r->partition.stream_id, "resend: a stream id that is not UTF-8");
      auto again = decode_resend(encode(*r));
      fuzz::expect(again.is_ok() && again->partition == r->partition && again->from == r->from && again->to == r->to,
                   "resend: the round trip fails or changes it");
      break;
    }
  }
  return 0;
}
