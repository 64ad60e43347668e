// The network front of the broker: the listeners' sockets and num.network.threads IoLoops.
// New connections are spread over the loops round-robin; each then lives on its loop.
//
// Lifecycle: bind() resolves each listener's host and binds its addresses before the broker
// opens its logs, so a host that does not resolve or a port in use fails start-up at once;
// serve() then listens and accepts (clients are refused until the broker can answer them);
// stop() closes the listeners and the loops. The Broker must outlive the Server's loops: main()
// stops the server first.
#pragma once

#include <asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "net/io_loop.h"

namespace gregor::net {

class Server {
 public:
  explicit Server(int network_threads);
  ~Server();

  // Binds every listener; false with a one-line `error` naming the listener.
  bool bind(const std::vector<broker::Endpoint>& listeners, std::string& error);
  // Starts accepting the bound listeners' connections for `broker`.
  bool serve(broker::Broker& broker, std::string& error);
  void stop();

 private:
  struct Listener {
    broker::Endpoint endpoint;
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
  };

  // Binds each address of `endpoint`'s host (every one a name resolves to).
  bool bind(const broker::Endpoint& endpoint, std::string& error);
  void accept_next(asio::ip::tcp::acceptor& acceptor);

  broker::Broker* broker_ = nullptr;  // set by serve()
  std::vector<std::unique_ptr<IoLoop>> loops_;
  std::vector<Listener> listeners_;
  size_t next_loop_ = 0;
};

}  // namespace gregor::net
