// Private to network/: opening a listening socket and accepting on it, for the transport and the
// API server alike.
#pragma once

#include <boost/asio.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
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

// Accepts connections until the acceptor is closed, handing each to `serve`. A failed accept
// (out of file descriptors, EMFILE or ENFILE; out of buffers) does not end the loop: it waits, 10 ms
// doubling up to 1 s while the failures go on, and retries; `log` hears of a burst once, when
// it starts, and how many failed when it ends.
inline boost::asio::awaitable<void> accept_connections(boost::asio::ip::tcp::acceptor& acceptor,
                                                       std::function<void(boost::asio::ip::tcp::socket)> serve,
                                                       std::function<void(const std::string&)> log) {
  namespace asio = boost::asio;
  asio::steady_timer backoff(acceptor.get_executor());
  std::chrono::milliseconds wait{0};
  uint64_t failures = 0;
  for (;;) {
    boost::system::error_code ec;
    asio::ip::tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      if (failures++ == 0 && log) log("accepting connections failed (" + ec.message() + "); retrying with back-off");
      wait = std::clamp(wait * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
      backoff.expires_after(wait);
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!acceptor.is_open()) co_return;
      continue;
    }
    if (failures > 0 && log) log("accepting connections again after " + std::to_string(failures) + " failed attempts");
    failures = 0;
    wait = std::chrono::milliseconds(0);
    serve(std::move(socket));
  }
}

}  // namespace strata::network
