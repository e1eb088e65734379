#include "compute/offer_book.h"

#include "network/clock.h"

namespace strata::compute {

using network::FrameType;
using network::NodeId;
using compute::Offer;

bool OfferBook::keep(const Offer& offer) {
  std::lock_guard lock(mutex_);
  auto it = offers_.find(offer.provider);
  if (it != offers_.end()) {
    if (it->second.expires_at >= offer.expires_at) return false;
    by_expiry_.erase({it->second.expires_at, offer.provider});
  }
  offers_[offer.provider] = offer;
  by_expiry_.insert({offer.expires_at, offer.provider});
  // Expired offers go as new ones come in, so the book stays as large as the live market, and
  // never more than kMaxOffers stay (keys cost nothing to make): the soonest to expire make room.
  uint64_t now = network::now_ms();
  while (!by_expiry_.empty() && (by_expiry_.begin()->first <= now || by_expiry_.size() > kMaxOffers)) {
    offers_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
  return offers_.count(offer.provider) > 0;
}

Status OfferBook::handle(const network::PeerInfo& from, const network::FrameView& frame) {
  if (frame.type != FrameType::kOffer) return invalid_argument("the offer book handles offers only");
  auto offer = compute::decode_offer(frame.payload);
  if (!offer.is_ok()) return offer.status();
  if (offer->expires_at <= network::now_ms()) return Status::ok();  // stale, not wrong
  if (!keep(*offer)) return Status::ok();
  std::vector<NodeId> others;
  for (const network::PeerInfo& p : transport_.peers()) {
    if (p.id != from.id && p.key != offer->provider) others.push_back(p.id);
  }
  if (!others.empty()) (void)transport_.send_many(others, FrameType::kOffer, frame.payload);
  return Status::ok();
}

void OfferBook::announce(const Offer& offer) {
  keep(offer);
  std::vector<NodeId> peers;
  for (const network::PeerInfo& p : transport_.peers()) peers.push_back(p.id);
  if (!peers.empty()) (void)transport_.send_many(peers, FrameType::kOffer, compute::encode(offer));
}

std::vector<Offer> OfferBook::offers(uint64_t now_ms) const {
  std::lock_guard lock(mutex_);
  std::vector<Offer> out;
  for (const auto& [key, offer] : offers_) {
    if (offer.expires_at > now_ms) out.push_back(offer);
  }
  return out;
}

}  // namespace strata::compute
