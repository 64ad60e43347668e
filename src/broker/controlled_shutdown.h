// Controlled shutdown, the broker's side: on SIGTERM, before it stops serving, a broker in a
// cluster asks the controller (Kafka's ControlledShutdown request, through BlockingClient) to move
// the leadership of its partitions to other ISR members, so that producers see only a retriable
// NOT_LEADER_OR_FOLLOWER rather than a leader gone for a session timeout.
//
//   sigwait(...);
//   gregor::broker::shut_down_controlled(*broker);   // blocks: call it on the main thread
//   server.stop();
//   broker->shutdown();
//
// Tries controlled.shutdown.max.retries times, controlled.shutdown.retry.backoff.ms apart, until
// the controller reports nothing left to move; then waits (bounded) until this broker has seen
// the new leaders. Does nothing in embedded (single-broker) mode or with
// controlled.shutdown.enable=false. Never fails the shutdown: what could not move is logged.
#pragma once

namespace gregor::broker {

class Broker;

// True when the controller moved every leadership away (or there was nothing to do).
bool shut_down_controlled(Broker& broker);

}  // namespace gregor::broker
