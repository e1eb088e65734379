// Private to network/: opening a listening socket, for the transport and the API server alike.
#pragma once

#include <boost/asio.hpp>

#include <string>

#include "host/status.h"

namespace strata::network {

// Binds and listens on host:port (0: any free port); `what` names the listener in errors.
inline Status listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host, uint16_t port,
                        const std::string& what) {
  namespace asio = boost::asio;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return invalid_argument(what + " address '" + host + "': " + ec.message());
  asio::ip::tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unavailable("cannot listen " + what + " on " + host + ":" + std::to_string(port) + ": " + ec.message());
  return Status::ok();
}

}  // namespace strata::network
