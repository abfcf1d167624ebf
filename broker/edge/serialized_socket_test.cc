#include "broker/edge/serialized_socket.h"

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/read.hpp"
#include "gtest/gtest.h"

namespace herald::edge {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A connected pair on loopback: `server` is the side under test.
struct SocketPair {
  explicit SocketPair(asio::io_context& io) : server(io), client(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    server = acceptor.accept();
  }
  tcp::socket server;
  tcp::socket client;
};

TEST(SerializedSocketTest, OverlappingWritesReachTheWireWholeAndInOrder) {
  asio::io_context io;
  SocketPair pair(io);
  // A small send buffer makes every large write take many partial writes, the case where two
  // unserialized writers interleave their bytes.
  pair.server.set_option(asio::socket_base::send_buffer_size(4096));
  SerializedSocket socket(std::move(pair.server));

  constexpr size_t kSize = 1 << 20;
  const std::vector<std::string> messages = {std::string(kSize, 'a'), std::string(kSize, 'b'),
                                             std::string(kSize, 'c')};
  std::vector<size_t> written(messages.size(), 0);
  for (size_t i = 0; i < messages.size(); ++i) {
    socket.async_write_some(asio::buffer(messages[i]),
                            [&written, i](boost::system::error_code ec, size_t n) {
                              EXPECT_FALSE(ec) << ec.message();
                              written[i] = n;
                            });
  }
  std::string received(messages.size() * kSize, '\0');
  std::thread reader([&] { asio::read(pair.client, asio::buffer(received)); });
  io.run();
  reader.join();

  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(written[i], kSize) << i;
    EXPECT_TRUE(received.compare(i * kSize, kSize, messages[i]) == 0)
        << "message " << i << " arrived interleaved with another";
  }
}

TEST(SerializedSocketTest, AWriteAfterTheLastCompletesRightAway) {
  asio::io_context io;
  SocketPair pair(io);
  SerializedSocket socket(std::move(pair.server));
  int completed = 0;
  socket.async_write_some(asio::buffer(std::string_view("one")),
                          [&](boost::system::error_code ec, size_t n) {
                            EXPECT_FALSE(ec);
                            EXPECT_EQ(n, 3u);
                            ++completed;
                            socket.async_write_some(asio::buffer(std::string_view("two")),
                                                    [&](boost::system::error_code ec2, size_t) {
                                                      EXPECT_FALSE(ec2);
                                                      ++completed;
                                                    });
                          });
  io.run();
  EXPECT_EQ(completed, 2);
  std::string received(6, '\0');
  asio::read(pair.client, asio::buffer(received));
  EXPECT_EQ(received, "onetwo");
}

TEST(SerializedSocketTest, ReadsPassThrough) {
  asio::io_context io;
  SocketPair pair(io);
  SerializedSocket socket(std::move(pair.server));
  asio::write(pair.client, asio::buffer(std::string_view("ping")));
  std::string received(4, '\0');
  asio::async_read(socket, asio::buffer(received),
                   [](boost::system::error_code ec, size_t) { EXPECT_FALSE(ec); });
  io.run();
  EXPECT_EQ(received, "ping");
}

}  // namespace
}  // namespace herald::edge
