// What keeps an edge connection counted: open in EdgeMetrics, against its client's limits,
// and waited for by the server's Stop(). The lease moves from the accepting coroutine to the
// session that serves the connection, which may outlive that coroutine (SSE sessions run on
// callbacks alone).
//
//   ConnectionLease lease(metrics, tasks);          // at accept
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
  ConnectionLease(EdgeMetrics& metrics, session::TaskCount& tasks)
      : metrics_(&metrics), tasks_(&tasks) {
    metrics_->connections_open.fetch_add(1, std::memory_order_relaxed);
    tasks_->Begin();
  }
  ConnectionLease(ConnectionLease&& other) noexcept
      : metrics_(other.metrics_),
        tasks_(other.tasks_),
        slot_(std::move(other.slot_)),
        forwarded_client_(other.forwarded_client_) {
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
  void SetForwardedClient(const boost::asio::ip::address& client) { forwarded_client_ = client; }
  // The client as listings name it: the forwarded client, else the socket's peer.
  std::string Peer(const boost::asio::ip::tcp::endpoint& socket_peer) const {
    return forwarded_client_ ? FormatClient(*forwarded_client_) : FormatPeer(socket_peer);
  }

 private:
  EdgeMetrics* metrics_;
  session::TaskCount* tasks_;
  ClientSlot slot_;
  std::optional<boost::asio::ip::address> forwarded_client_;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_CONNECTION_LEASE_H_
