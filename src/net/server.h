// The network front of the broker: one acceptor per listener and num.network.threads IoLoops.
// New connections are spread over the loops round-robin; each then lives on its loop.
//
// Lifecycle: start() binds (failing fast on a busy port), stop() closes the listeners and the
// loops. The Broker must outlive the Server's loops; main() stops the server first.
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
  explicit Server(broker::Broker& broker);
  ~Server();

  bool start(std::string& error);
  void stop();

 private:
  void accept_next(asio::ip::tcp::acceptor& acceptor);

  broker::Broker& broker_;
  std::vector<std::unique_ptr<IoLoop>> loops_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  size_t next_loop_ = 0;
};

}  // namespace gregor::net
