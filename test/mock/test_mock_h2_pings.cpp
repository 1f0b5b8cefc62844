// openai-mock's h2_pings counter: PING frames a client sends count, their ACKs do not. Spoken as
// h2c with prior knowledge on the plain port, frame by frame, so the test controls exactly
// which frames the mock receives.
#define BOOST_TEST_MODULE openai_mock h2 pings
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <string>

#include "server.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint8_t settings_type = 0x4, ping_type = 0x6, goaway_type = 0x7, ack = 0x1;

// A frame on stream 0 (RFC 9113 section 4.1): 24-bit length, type, flags, stream id, payload.
std::string frame(std::uint8_t type, std::uint8_t flags, const std::string& payload = {}) {
  const auto n = payload.size();
  std::string f{static_cast<char>(n >> 16),
                static_cast<char>(n >> 8),
                static_cast<char>(n),
                static_cast<char>(type),
                static_cast<char>(flags),
                0,
                0,
                0,
                0};
  return f + payload;
}

struct frame_head {
  std::size_t length;
  std::uint8_t type, flags;
};

frame_head read_frame(tcp::socket& s, std::string& payload) {
  std::array<std::uint8_t, 9> h{};
  asio::read(s, asio::buffer(h));
  const frame_head head{(std::size_t{h[0]} << 16) | (std::size_t{h[1]} << 8) | h[2], h[3], h[4]};
  payload.assign(head.length, '\0');
  asio::read(s, asio::buffer(payload));
  return head;
}

// Reads frames until a PING ACK carrying `opaque` (the mock's SETTINGS and its ACK of ours pass).
void await_ping_ack(tcp::socket& s, const std::string& opaque) {
  for (std::string payload;;) {
    const auto head = read_frame(s, payload);
    BOOST_TEST_REQUIRE(head.type != goaway_type, "the mock sent GOAWAY");
    if (head.type == ping_type && (head.flags & ack) && payload == opaque) return;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(counts_pings_a_client_sends_and_not_the_acks_it_sends) {
  openai_mock::server mock(openai_mock::server_options{});
  mock.start();
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), mock.http_port()});
  const std::string first = "pingpin1", second = "pingpin2";
  asio::write(s, asio::buffer(std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") +
                              frame(settings_type, 0) + frame(ping_type, 0, first)));
  await_ping_ack(s, first);
  BOOST_TEST(mock.stats().h2_pings == 1u);
  BOOST_TEST(mock.stats().h2_connections == 1u);

  // An ACK the client sends (as it would to a server's PING) is no check of the connection.
  asio::write(s, asio::buffer(frame(ping_type, ack, "unasked!") + frame(ping_type, 0, second)));
  await_ping_ack(s, second);
  BOOST_TEST(mock.stats().h2_pings == 2u);
}

BOOST_AUTO_TEST_CASE(a_connection_without_pings_counts_none) {
  openai_mock::server mock(openai_mock::server_options{});
  mock.start();
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), mock.http_port()});
  asio::write(
      s, asio::buffer(std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + frame(settings_type, 0)));
  // The mock's ACK of our SETTINGS: by then our frames have been read.
  for (std::string payload;;) {
    const auto head = read_frame(s, payload);
    if (head.type == settings_type && (head.flags & ack)) break;
  }
  BOOST_TEST(mock.stats().h2_connections == 1u);
  BOOST_TEST(mock.stats().h2_pings == 0u);
}
