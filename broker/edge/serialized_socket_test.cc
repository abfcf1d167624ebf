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

TEST(SerializedSocketTest, WriteNowTakesWhatFitsAndTheAsynchronousWriteTheRest) {
  asio::io_context io;
  SocketPair pair(io);
  // A small send buffer: a large write cannot fit at once.
  pair.server.set_option(asio::socket_base::send_buffer_size(4096));
  pair.server.non_blocking(true);
  SerializedSocket socket(std::move(pair.server));

  std::string message(1 << 20, '\0');
  for (size_t i = 0; i < message.size(); ++i) message[i] = static_cast<char>('a' + i % 26);
  boost::system::error_code ec;
  const size_t now = socket.WriteNow(asio::buffer(message), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_LT(now, message.size());
  size_t later = 0;
  socket.async_write_some(asio::buffer(message.data() + now, message.size() - now),
                          [&later](boost::system::error_code ec, size_t n) {
                            EXPECT_FALSE(ec) << ec.message();
                            later = n;
                          });
  std::string received(message.size(), '\0');
  std::thread reader([&] { asio::read(pair.client, asio::buffer(received)); });
  io.run();
  reader.join();
  EXPECT_EQ(now + later, message.size());
  EXPECT_TRUE(received == message);
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
