#include "broker/edge/sse/sse_session.h"

#include <utility>

#include "broker/edge/sse/sse_session_impl.h"

namespace herald::edge::sse {

void StartSseSession(const SessionContext& context, boost::asio::ip::tcp::socket socket,
                     const Request& request, ConnectionLease lease) {
  internal::StartSseSession(context, std::move(socket), request, std::move(lease));
}

void StartSseSession(const SessionContext& context, TlsStream stream, const Request& request,
                     ConnectionLease lease) {
  internal::StartSseSession(context, std::move(stream), request, std::move(lease));
}

}  // namespace herald::edge::sse
