// Reaching a host: name resolution and a Happy Eyeballs connect (RFC 8305) over every address
// it resolves to. The decisions (the order of the addresses, when to start the next attempt)
// are plain code, unit-tested without sockets; dial() is the thin coroutine that runs them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openai::detail {

// RFC 8305's Connection Attempt Delay, at the value it recommends: an address that has not
// answered within it gets the next one started beside it instead of holding up the rest.
inline constexpr std::chrono::milliseconds connection_attempt_delay{250};

// Per host and port, the address that accepted the last connection: dial() tries it first, so
// a host with a dead address pays for it once, not on every new connection. One is shared by
// a pool's connections; thread-safe.
class address_memory {
 public:
  std::optional<boost::asio::ip::tcp::endpoint> recall(std::string_view host,
                                                       std::string_view port) const;
  void remember(std::string_view host, std::string_view port,
                const boost::asio::ip::tcp::endpoint& answered);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, boost::asio::ip::tcp::endpoint, std::less<>> answered_;
};

// The order of the connection attempts (RFC 8305 section 4): the families alternate, led by
// the family of the first address as resolved. A `first` address among them leads instead,
// and its family with it; one that is not among them is ignored (the name moved elsewhere).
std::vector<boost::asio::ip::tcp::endpoint> attempt_order(
    std::vector<boost::asio::ip::tcp::endpoint> resolved,
    const std::optional<boost::asio::ip::tcp::endpoint>& first);

// When to start which attempt, given what the attempts did: one at first, the next once the
// latest has gone unanswered for `delay` or as soon as one fails, until one connects or all
// have failed. Time comes in as `now`; the overall deadline is the caller's to keep.
class dial_schedule {
 public:
  using clock = std::chrono::steady_clock;

  struct step {
    enum kind { start, wait, connected, failed } what;
    std::size_t index = 0;           // start: the attempt to start; connected: the winner
    clock::time_point until = {};    // wait: when to ask again at the latest
  };

  dial_schedule(std::size_t attempts, clock::duration delay) : attempts_(attempts), delay_(delay) {}

  // What to do now. A `start` counts as started at `now`.
  step next(clock::time_point now);
  void failed(std::size_t index);
  void connected(std::size_t index);

 private:
  std::size_t attempts_;
  clock::duration delay_;
  std::size_t started_ = 0;
  std::size_t in_flight_ = 0;
  clock::time_point last_start_{};
  bool start_now_ = true;  // at first, and after a failure
  std::optional<std::size_t> winner_;
};

// Resolves host:port (numerically when host_is_ip) and connects `socket` to one of its
// addresses as dial_schedule says, all by `deadline`. The losing attempts are closed. Waiting
// for the resolver stops at the deadline and on cancellation (terminal, through the awaiting
// coroutine's slot) even while getaddrinfo still runs on Asio's resolver thread. Returns
// asio::error::timed_out at the deadline, operation_aborted when cancelled, otherwise the
// most telling error of the attempts; `problem` then names the host and what each address
// did. `memory` (may be null) supplies the address to try first and learns the one that
// answered. `label` is what messages call the peer ("proxy http://host:port"); empty: host:port.
boost::asio::awaitable<boost::system::error_code> dial(const std::string& host,
                                                       const std::string& port, bool host_is_ip,
                                                       std::chrono::steady_clock::time_point deadline,
                                                       boost::asio::ip::tcp::socket& socket,
                                                       std::string& problem,
                                                       address_memory* memory,
                                                       std::string_view label = {});

}  // namespace openai::detail
