#include "net/server.h"

#include <spdlog/spdlog.h>
#include <asio/ip/v6_only.hpp>

#include "net/connection.h"

namespace gregor::net {

Server::Server(broker::Broker& broker) : broker_(broker) {
  for (int i = 0; i < broker_.config().num_network_threads; ++i) {
    loops_.push_back(std::make_unique<IoLoop>("network-" + std::to_string(i)));
  }
}

Server::~Server() {
  stop();
}

bool Server::start(std::string& error) {
  for (const auto& endpoint : broker_.config().listeners) {
    std::error_code ec;
    auto address = endpoint.host.empty() ? asio::ip::address_v6::any()
                                         : asio::ip::make_address(endpoint.host, ec);
    if (ec) {
      error = "listeners: cannot resolve host '" + endpoint.host + "'";
      return false;
    }
    asio::ip::tcp::endpoint bind_to(address, endpoint.port);
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(loops_.front()->context());
    acceptor->open(bind_to.protocol(), ec);
    if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(bind_to, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "listeners: cannot listen on " + endpoint.host + ":" + std::to_string(endpoint.port) +
              ": " + ec.message();
      return false;
    }
    spdlog::info("listening on {}://{}:{}", endpoint.listener_name, endpoint.host,
                 acceptor->local_endpoint().port());
    accept_next(*acceptor);
    acceptors_.push_back(std::move(acceptor));
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
        std::make_shared<Connection>(std::move(*socket), loop, broker_)->start();
      });
    } else {
      spdlog::warn("accept failed: {}", ec.message());
    }
    accept_next(acceptor);
  });
}

void Server::stop() {
  for (auto& acceptor : acceptors_) {
    loops_.front()->post([&acceptor] {
      std::error_code ec;
      acceptor->close(ec);
    });
  }
  for (auto& loop : loops_)
    loop->stop();
  acceptors_.clear();
}

}  // namespace gregor::net
