// The market's decoders (compute/market.h): the first byte picks one, the rest is its message.
// What decodes must encode again to a message that decodes to the same thing; decoded offers
// and demands go through matching.
#include "compute/market.h"
#include "ledger/receipt.h"
#include "tests/fuzz/fuzz_target.h"

using namespace strata;
using namespace strata::network;
using namespace strata::compute;
using namespace strata::ledger;

STRATA_FUZZ_TARGET(market) {
  if (size < 1) return 0;
  std::vector<uint8_t> bytes = fuzz::rest(data, size);
  switch (data[0] % 5) {
    case 0: {
      auto o = decode_offer(bytes);
      if (!o.is_ok()) break;
      fuzz::expect_utf8(o->offer_id, "offer: an id that is not UTF-8");
      for (const OfferedDevice& d : o->devices) {
        fuzz::expect_utf8(d.name, "offer: a device name that is not UTF-8");
        fuzz::expect_utf8(d.backend, "offer: a backend that is not UTF-8");
      }
      for (const auto& k : o->kernels) fuzz::expect_utf8(k.kernel, "offer: a kernel that is not UTF-8");
      auto again = decode_offer(encode(*o));
      fuzz::expect(again.is_ok() && *again == *o, "offer: the round trip fails or changes it");
      Demand d;
      d.kernel = o->kernels.empty() ? "" : o->kernels.front().kernel;
      d.max_price = UINT64_MAX;
      auto fit = match_offers(d, {*o}, 0);
      fuzz::expect(fit.size() <= 1, "offer: matching one offer gives more than one");
      break;
    }
    case 1: {
      auto d = decode_demand(bytes);
      if (!d.is_ok()) break;
      fuzz::expect_utf8(d->job_id, "demand: a job id that is not UTF-8");
      fuzz::expect_utf8(d->kernel, "demand: a kernel that is not UTF-8");
      auto again = decode_demand(encode(*d));
      fuzz::expect(again.is_ok() && *again == *d, "demand: the round trip fails or changes it");
      (void)match_offers(*d, {}, 0);
      break;
    }
    case 2:
    case 3: {
      bool proposal = data[0] % 5 == 2;
      auto a = decode_agreement(bytes, proposal);
      if (!a.is_ok()) break;
      fuzz::expect_utf8(a->job_id, "agreement: a job id that is not UTF-8");
      (void)agreement_hash(*a);
      auto again = decode_agreement(encode(*a), proposal);
      fuzz::expect(again.is_ok() && *again == *a, "agreement: the round trip fails or changes it");
      break;
    }
    case 4: {
      auto r = decode_payment_receipt(bytes);
      if (!r.is_ok()) break;
      fuzz::expect_utf8(r->job_id, "payment receipt: a job id that is not UTF-8");
      auto again = decode_payment_receipt(encode(*r));
      fuzz::expect(again.is_ok() && *again == *r, "payment receipt: the round trip fails or changes it");
      break;
    }
  }
  return 0;
}
