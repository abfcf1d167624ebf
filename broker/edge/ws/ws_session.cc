#include "broker/edge/ws/ws_session.h"

#include <utility>

#include "broker/edge/ws/ws_session_impl.h"

namespace herald::edge::ws {

void StartWsSession(const SessionContext& context, const auth::BrowserGrant* grant,
                    boost::asio::ip::tcp::socket socket, Request request, ConnectionLease lease) {
  internal::StartWsSession(context, grant, std::move(socket), request, std::move(lease));
}

void StartWsSession(const SessionContext& context, const auth::BrowserGrant* grant,
                    TlsStream stream, Request request, ConnectionLease lease) {
  internal::StartWsSession(context, grant, std::move(stream), request, std::move(lease));
}

}  // namespace herald::edge::ws
