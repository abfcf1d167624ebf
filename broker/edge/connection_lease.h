// What keeps an edge connection counted: open in EdgeMetrics, and waited for by the server's
// Stop(). The lease moves from the accepting coroutine to the session that serves the
// connection, which may outlive that coroutine (SSE sessions run on callbacks alone).
//
//   ConnectionLease lease(metrics, tasks);          // at accept
//   StartSession(..., std::move(lease));           // released when the session ends
#ifndef HERALD_BROKER_EDGE_CONNECTION_LEASE_H_
#define HERALD_BROKER_EDGE_CONNECTION_LEASE_H_

#include "broker/edge/edge_metrics.h"
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
      : metrics_(other.metrics_), tasks_(other.tasks_) {
    other.metrics_ = nullptr;
  }
  ConnectionLease& operator=(ConnectionLease&&) = delete;
  ~ConnectionLease() {
    if (metrics_ == nullptr) return;
    metrics_->connections_open.fetch_sub(1, std::memory_order_relaxed);
    tasks_->End();
  }

 private:
  EdgeMetrics* metrics_;
  session::TaskCount* tasks_;
};

}  // namespace herald::edge

#endif  // HERALD_BROKER_EDGE_CONNECTION_LEASE_H_
