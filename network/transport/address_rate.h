// How often each address may start something that costs this node work before it knows who is
// asking (a handshake: a key exchange and a signature check). A token bucket per address: `burst`
// at once, then `per_second`. The caller names the address (an IPv6 host by its /64, as one
// host holds a whole prefix). Not thread-safe: the network thread's.
#pragma once

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <string>
#include <unordered_map>

namespace strata::network {

class AddressRate {
 public:
  using Clock = std::chrono::steady_clock;
  AddressRate(double per_second, double burst, size_t max_addresses = 65536)
      : per_second_(per_second), burst_(burst), max_addresses_(max_addresses) {}

  // Whether `address` may start one more now; takes a token if so.
  bool admit(const std::string& address, Clock::time_point now = Clock::now()) {
    if (per_second_ <= 0) return true;  // unlimited
    auto it = buckets_.find(address);
    if (it == buckets_.end()) {
      if (buckets_.size() >= max_addresses_) forget_full(now);
      // Past the bound even so, a new address is let through untracked: the node's cap on
      // handshakes in progress still holds, and memory does not grow.
      if (buckets_.size() >= max_addresses_) return true;
      it = buckets_.emplace(address, Bucket{burst_, now}).first;
    }
    Bucket& b = it->second;
    b.tokens = std::min(burst_, b.tokens + seconds(now - b.updated) * per_second_);
    b.updated = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  size_t tracked() const { return buckets_.size(); }

  // Whom a rate counts against: an IPv4 address, or an IPv6 host by its /64 (one host holds a
  // whole prefix; counting by address would give it 2^64 buckets).
  static std::string key_of(const boost::asio::ip::address& address) {
    if (address.is_v4()) return address.to_string();
    auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
    boost::asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
  }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };

  static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

  // An address whose bucket has filled again is the same as one never seen.
  void forget_full(Clock::time_point now) {
    std::erase_if(buckets_, [&](const auto& entry) {
      return entry.second.tokens + seconds(now - entry.second.updated) * per_second_ >= burst_;
    });
  }

  double per_second_, burst_;
  size_t max_addresses_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace strata::network
