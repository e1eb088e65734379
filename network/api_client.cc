#include "network/api_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>

namespace strata::network {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

std::string where(const ApiAddress& a) { return a.to_string(); }

// The Host header: HOST:PORT, an IPv6 address in brackets.
std::string host_header(const ApiAddress& a) {
  bool ipv6 = a.host.find(':') != std::string::npos && a.host.front() != '[';
  return (ipv6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

}  // namespace

std::string percent_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Result<HttpResponse> http_request(const ApiAddress& node, const std::string& method, const std::string& target,
                                  const std::string& body, std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  HttpResponse out;
  boost::system::error_code failure;
  std::string step;
  auto run = [&]() -> asio::awaitable<void> {
    boost::system::error_code ec;
    auto fail = [&](const char* what) {
      failure = ec;
      step = what;
    };
    tcp::resolver resolver(io);
    auto endpoints = co_await resolver.async_resolve(node.host, std::to_string(node.port),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("resolving");
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("connecting");
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host_header(node));
    req.set(http::field::authorization, "Bearer " + node.token);
    req.set(http::field::user_agent, "strata");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    boost::system::error_code write_error = ec;  // the server may have answered early (413); read it
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (write_error) ec = write_error;
      co_return fail(write_error ? "sending the request" : "reading the response");
    }
    out.status = static_cast<int>(parser.get().result_int());
    out.body = parser.get().body();
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  };
  asio::co_spawn(io, run(), asio::detached);
  io.run();
  if (failure) return unavailable("node API at " + where(node) + ": " + step + " failed: " + failure.message());
  return out;
}

Status websocket_read(const ApiAddress& node, const std::string& target,
                      const std::function<bool(const std::string&)>& on_message, std::chrono::milliseconds timeout,
                      const std::atomic<bool>* cancel) {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws(io);
  Status result;
  bool done = false;
  bool closed_here = false;  // by the timeout or the cancel flag
  // Closing the socket ends the reader's pending read; it then returns without an error.
  asio::steady_timer watch(io);
  std::function<void()> check_cancel = [&] {
    watch.expires_after(std::chrono::milliseconds(50));
    watch.async_wait([&](boost::system::error_code ec) {
      if (ec || done) return;
      if (cancel->load()) {
        closed_here = true;
        boost::system::error_code ignored;
        beast::get_lowest_layer(ws).socket().close(ignored);
        return;
      }
      check_cancel();
    });
  };
  if (cancel) check_cancel();
  auto run = [&]() -> asio::awaitable<void> {
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    auto endpoints = co_await resolver.async_resolve(node.host, std::to_string(node.port),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      result = unavailable("node API at " + where(node) + ": resolving failed: " + ec.message());
      co_return;
    }
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
    co_await beast::get_lowest_layer(ws).async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      result = unavailable("node API at " + where(node) + ": connecting failed: " + ec.message());
      co_return;
    }
    websocket::response_type response;
    ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
      req.set(http::field::authorization, "Bearer " + node.token);
      req.set(http::field::user_agent, "strata");
    }));
    co_await ws.async_handshake(response, host_header(node), target, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      std::string answer = response.body();
      while (!answer.empty() && answer.back() == '\n') answer.pop_back();
      result = unavailable("node API at " + where(node) + " refused the subscription (" +
                           std::to_string(response.result_int()) + "): " + (answer.empty() ? ec.message() : answer));
      co_return;
    }
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    beast::flat_buffer buffer;
    for (;;) {
      co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (closed_here) co_return;  // the timeout or the cancel flag
        if (ec != websocket::error::closed) {
          result = unavailable("node API at " + where(node) + ": the subscription ended: " + ec.message());
        } else if (ws.reason().code != websocket::close_code::normal && !ws.reason().reason.empty()) {
          result = unavailable("node API at " + where(node) + " closed the subscription: " +
                               std::string(ws.reason().reason.data(), ws.reason().reason.size()));
        }
        co_return;
      }
      std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      if (!on_message(text)) {
        co_await ws.async_close(websocket::close_code::normal, asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }
    }
  };
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    co_await run();
    done = true;
    watch.cancel();
  }, asio::detached);
  if (timeout.count() > 0) {
    io.run_for(timeout);
    if (!io.stopped()) {
      // Time is up: close the socket and let the coroutine finish.
      closed_here = true;
      boost::system::error_code ignored;
      beast::get_lowest_layer(ws).socket().close(ignored);
      io.run();
    }
  } else {
    io.run();
  }
  return result;
}

}  // namespace strata::network
