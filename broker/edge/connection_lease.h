// What keeps an edge connection counted: open in EdgeMetrics, against its client's limits,
// and waited for by the server's Stop(). The lease moves from the accepting coroutine to the
// session that serves the connection, which may outlive that coroutine (SSE sessions run on
// callbacks alone).
//
//   ConnectionLease lease(metrics, tasks, PeerOf(socket));   // at accept
//   lease.Hold(std::move(admission.slot));         // once the client is admitted
//   StartSession(..., std::move(lease));           // released when the session ends
#ifndef HERALD_BROKER_EDGE_CONNECTION_LEASE_H_
#define HERALD_BROKER_EDGE_CONNECTION_LEASE_H_

#include <optional>
#include <string>
#include <utility>

#include "boost/asio/ip/tcp.hpp"
#include "broker/edge/client_address.h"
#include "broker/edge/client_limits.h"
#include "broker/edge/edge_metrics.h"
#include "broker/edge/http_request.h"
#include "broker/session/task_count.h"

namespace herald::edge {

// Move-only. `metrics` and `tasks` must outlive the lease (the server waits for it).
class ConnectionLease {
 public:
  // `peer`: the socket's peer, which listings and the close's log line name (unspecified for
  // a connection without one).
  ConnectionLease(EdgeMetrics& metrics, session::TaskCount& tasks,
                  const boost::asio::ip::tcp::endpoint& peer)
      : metrics_(&metrics), tasks_(&tasks), peer_(peer) {
    metrics_->connections_open.fetch_add(1, std::memory_order_relaxed);
    tasks_->Begin();
  }
  ConnectionLease(ConnectionLease&& other) noexcept
      : metrics_(other.metrics_),
        tasks_(other.tasks_),
        slot_(std::move(other.slot_)),
        peer_(other.peer_),
        forwarded_(other.forwarded_) {
    other.metrics_ = nullptr;
  }
  ConnectionLease& operator=(ConnectionLease&&) = delete;
  ~ConnectionLease() {
    if (metrics_ == nullptr) return;
    // Before the task ends: the limits belong to the server, which may go once it has.
    slot_ = ClientSlot();
    metrics_->connections_open.fetch_sub(1, std::memory_order_relaxed);
    tasks_->End();
  }

  // Counts the connection against its client's limits for as long as the lease lives.
  void Hold(ClientSlot slot) { slot_ = std::move(slot); }
  // The client a trusted proxy forwards this connection for.
  void SetForwardedClient(const boost::asio::ip::address& client) {
    peer_ = boost::asio::ip::tcp::endpoint(client, 0);
    forwarded_ = true;
  }
  // The client as listings and log lines name it: the forwarded client, else the socket's
  // peer. Kept here rather than asked of the socket: a close's log line names it after the
  // socket has closed.
  std::string Peer() const {
    return forwarded_ ? FormatClient(peer_.address()) : FormatPeer(peer_);
  }

 private:
  EdgeMetrics* metrics_;
  session::TaskCount* tasks_;
  ClientSlot slot_;
  boost::asio::ip::tcp::endpoint peer_;
  bool forwarded_ = false;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_CONNECTION_LEASE_H_
