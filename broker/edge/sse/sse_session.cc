#include "broker/edge/sse/sse_session.h"

#include <utility>

#include "broker/edge/sse/sse_session_impl.h"

namespace herald::edge::sse {

void StartSseSession(const SessionContext& context, const auth::BrowserGrant* grant,
                     boost::asio::ip::tcp::socket socket, const Request& request,
                     ConnectionLease lease) {
  internal::StartSseSession(context, grant, std::move(socket), request, std::move(lease));
}

void StartSseSession(const SessionContext& context, const auth::BrowserGrant* grant,
                     TlsStream stream, const Request& request, ConnectionLease lease) {
  internal::StartSseSession(context, grant, std::move(stream), request, std::move(lease));
}

}  // namespace herald::edge::sse
