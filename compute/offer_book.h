// The offers a node knows: providers' signed offers arrive as frames, are kept until they expire
// (a provider's newer offer replaces its older one) and are passed on once to every other peer, so
// every node of a connected network hears every provider. A provider announces its own here.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "compute/market.h"
#include "network/transport/transport.h"

namespace strata::compute {

// At most this many providers are kept; past it, the offer closest to expiring makes room.
inline constexpr size_t kMaxOffers = 10000;

class OfferBook {
 public:
  explicit OfferBook(network::TransportNode& transport) : transport_(transport) {}

  // For the node's frame dispatch (kOffer): checks the offer (decode_offer verifies its
  // signature) and passes it on if it is new.
  Status handle(const network::PeerInfo& from, const network::FrameView& frame);
  // This node's own offer: kept and sent to every peer.
  void announce(const compute::Offer& offer);
  // Every unexpired offer; each one's signature was checked when it came in.
  std::vector<compute::Offer> offers(uint64_t now_ms) const;

 private:
  // Whether it replaced what was known (and so is to be passed on).
  bool keep(const compute::Offer& offer);

  network::TransportNode& transport_;
  mutable std::mutex mutex_;
  std::map<network::PublicKey, compute::Offer> offers_;  // by provider
  std::set<std::pair<uint64_t, network::PublicKey>> by_expiry_;  // the same offers, soonest to expire first
};

}  // namespace strata::compute
