#include "net/server.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <asio/ip/v6_only.hpp>
#include <sstream>

#include "net/connection.h"

namespace gregor::net {

Server::Server(int network_threads) {
  for (int i = 0; i < network_threads; ++i) {
    loops_.push_back(std::make_unique<IoLoop>("network-" + std::to_string(i)));
  }
}

Server::~Server() {
  stop();
}

namespace {

// The addresses a listener binds: every interface for an empty host, else each address its host
// names (a numeric address, or every address a name resolves to: "localhost" may be 127.0.0.1
// and ::1, and a client may try either).
std::vector<asio::ip::address> bind_addresses(asio::io_context& context,
                                              const broker::Endpoint& endpoint,
                                              std::string& error) {
  if (endpoint.host.empty()) return {asio::ip::address_v6::any()};
  std::error_code ec;
  auto address = asio::ip::make_address(endpoint.host, ec);
  if (!ec) return {address};
  asio::ip::tcp::resolver resolver(context);
  auto results = resolver.resolve(endpoint.host, "", asio::ip::resolver_base::passive, ec);
  std::vector<asio::ip::address> addresses;
  for (const auto& entry : results) {
    const auto resolved = entry.endpoint().address();
    if (std::find(addresses.begin(), addresses.end(), resolved) == addresses.end())
      addresses.push_back(resolved);
  }
  if (addresses.empty()) {
    error = "listeners: cannot resolve host '" + endpoint.host + "' of " +
            broker::listeners_text({endpoint}) + (ec ? ": " + ec.message() : "");
  }
  return addresses;
}

// Whether an address a host name resolved to may be left out: the machine has no such
// interface (::1 without IPv6), while another of the name's addresses is bound.
bool unavailable(const std::error_code& ec) {
  return ec == std::errc::address_not_available || ec == std::errc::address_family_not_supported;
}

std::string text(const asio::ip::tcp::endpoint& endpoint) {
  std::ostringstream out;
  out << endpoint;
  return out.str();
}

}  // namespace

bool Server::bind(const std::vector<broker::Endpoint>& listeners, std::string& error) {
  for (const auto& endpoint : listeners) {
    if (!bind(endpoint, error)) return false;
  }
  return true;
}

bool Server::bind(const broker::Endpoint& endpoint, std::string& error) {
  const auto addresses = bind_addresses(loops_.front()->context(), endpoint, error);
  if (addresses.empty()) return false;
  uint16_t port = endpoint.port;  // port 0: the first bind picks it, the others follow
  size_t bound = 0;
  for (const auto& address : addresses) {
    asio::ip::tcp::endpoint bind_to(address, port);
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(loops_.front()->context());
    std::error_code ec;
    acceptor->open(bind_to.protocol(), ec);
    if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(bind_to, ec);
    if (ec && addresses.size() > 1 && unavailable(ec)) continue;
    if (ec) {
      error = "listeners: cannot listen on " + broker::listeners_text({endpoint}) + " (" +
              text(bind_to) + "): " + ec.message();
      return false;
    }
    port = acceptor->local_endpoint().port();
    listeners_.push_back({endpoint, std::move(acceptor)});
    ++bound;
  }
  if (bound == 0) {
    error = "listeners: no address of '" + endpoint.host + "' can be bound on this machine";
    return false;
  }
  return true;
}

bool Server::serve(broker::Broker& broker, std::string& error) {
  broker_ = &broker;
  for (auto& [endpoint, acceptor] : listeners_) {
    std::error_code ec;
    acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "listeners: cannot listen on " + broker::listeners_text({endpoint}) + " (" +
              text(acceptor->local_endpoint()) + "): " + ec.message();
      return false;
    }
    spdlog::info("listening on {} ({})", broker::listeners_text({endpoint}),
                 text(acceptor->local_endpoint()));
    accept_next(*acceptor);
  }
  for (auto& loop : loops_)
    loop->start();
  return true;
}

void Server::accept_next(asio::ip::tcp::acceptor& acceptor) {
  IoLoop& loop = *loops_[next_loop_++ % loops_.size()];
  acceptor.async_accept(loop.context(), [this, &acceptor, &loop](std::error_code ec,
                                                                 asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      // The socket belongs to `loop`; the connection must start there.
      loop.post([this, &loop,
                 socket = std::make_shared<asio::ip::tcp::socket>(std::move(socket))]() mutable {
        std::make_shared<Connection>(std::move(*socket), loop, *broker_)->start();
      });
    } else {
      spdlog::warn("accept failed: {}", ec.message());
    }
    accept_next(acceptor);
  });
}

void Server::stop() {
  for (auto& [endpoint, acceptor] : listeners_) {
    loops_.front()->post([&acceptor] {
      std::error_code ec;
      acceptor->close(ec);
    });
  }
  for (auto& loop : loops_)
    loop->stop();
  listeners_.clear();
}

}  // namespace gregor::net
