#include "transport/dial.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <memory>
#include <utility>

namespace openai::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// How many addresses a failure message lists; a name with dozens would drown the message.
constexpr std::size_t listed_addresses = 6;

std::string memory_key(std::string_view host, std::string_view port) {
  std::string key(host);
  key += ' ';
  key += port;
  return key;
}

std::string to_text(const tcp::endpoint& e) {
  const std::string address = e.address().to_string();
  return (e.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(e.port());
}

// What the completion handlers report to the dial's coroutine. It is shared with them because
// they may run after dial() returned: a closed attempt completes with operation_aborted, and a
// resolve abandoned at the deadline completes whenever getaddrinfo returns. Everything here is
// touched on the dial's strand only.
struct dial_events {
  dial_events(const asio::any_io_executor& io, const asio::any_io_executor& strand)
      : resolver(io), wake(strand) {}
  tcp::resolver resolver;
  asio::steady_timer wake;  // each event cancels it, which wakes the coroutine
  bool resolved = false;
  boost::system::error_code resolve_error;
  tcp::resolver::results_type results;
  std::vector<std::pair<std::size_t, boost::system::error_code>> finished;  // attempt, outcome

  void notify() { wake.cancel(); }
};

bool cancelled(const asio::cancellation_state& cs) {
  return cs.cancelled() != asio::cancellation_type::none;
}

// A failure's error: the last attempt's own error is the most telling one, unless it is only
// the abort of an attempt closed by the dial itself.
boost::system::error_code telling(const std::vector<boost::system::error_code>& errors) {
  boost::system::error_code found = asio::error::host_not_found;
  for (const auto& ec : errors)
    if (ec && ec != asio::error::operation_aborted) found = ec;
  return found;
}

std::string attempts_text(const std::vector<tcp::endpoint>& order,
                          const std::vector<boost::system::error_code>& errors,
                          std::size_t started) {
  if (order.size() < 2) return {};
  std::string text = " (";
  for (std::size_t i = 0; i < order.size() && i < listed_addresses; ++i) {
    if (i > 0) text += "; ";
    text += to_text(order[i]) + ": ";
    text += i >= started ? std::string("not tried")
            : errors[i]  ? errors[i].message()
                         : std::string("no answer");
  }
  if (order.size() > listed_addresses)
    text += "; " + std::to_string(order.size() - listed_addresses) + " more";
  return text + ")";
}

asio::awaitable<boost::system::error_code> run_dial(const std::string& host, const std::string& port,
                                                    bool host_is_ip, clock::time_point deadline,
                                                    tcp::socket& socket, std::string& problem,
                                                    address_memory* memory, std::string label) {
  // Cancellation is read from the state below, never thrown: a co_await of this coroutine
  // thread throwing would skip its own clean-up, and after the last statement co_spawn's
  // switch back to the caller's executor would throw out of io_context::run() (Boost 1.81
  // does that co_await outside its try block).
  co_await asio::this_coro::throw_if_cancelled(false);
  const auto strand = co_await asio::this_coro::executor;
  const asio::cancellation_state cs = co_await asio::this_coro::cancellation_state;
  const asio::any_io_executor io = socket.get_executor();
  auto events = std::make_shared<dial_events>(io, strand);
  const std::string where = label.empty() ? host + ":" + port : label;
  const std::string& named = label.empty() ? host : label;

  // getaddrinfo blocks Asio's resolver thread for as long as it likes; only the wait for it is
  // bounded here.
  const auto flags = tcp::resolver::numeric_service |
                     (host_is_ip ? tcp::resolver::numeric_host : tcp::resolver::flags{});
  events->resolver.async_resolve(
      host, port, flags,
      asio::bind_executor(strand, [events](boost::system::error_code ec,
                                           tcp::resolver::results_type results) {
        events->resolved = true;
        events->resolve_error = ec;
        events->results = std::move(results);
        events->notify();
      }));
  while (!events->resolved) {
    if (cancelled(cs) || clock::now() >= deadline) {
      events->resolver.cancel();
      const bool aborted = cancelled(cs);
      problem = "cannot resolve " + named + ": " + (aborted ? "cancelled" : "timed out");
      co_return aborted ? asio::error::operation_aborted : asio::error::timed_out;
    }
    events->wake.expires_at(deadline);
    co_await events->wake.async_wait(use_tuple);
  }
  if (events->resolve_error || events->results.empty()) {
    const boost::system::error_code ec =
        events->resolve_error ? events->resolve_error : asio::error::host_not_found;
    problem = "cannot resolve " + named + ": " + ec.message();
    co_return ec;
  }

  std::vector<tcp::endpoint> resolved;
  for (const auto& entry : events->results) resolved.push_back(entry.endpoint());
  const std::vector<tcp::endpoint> order =
      attempt_order(std::move(resolved), memory ? memory->recall(host, port) : std::nullopt);

  dial_schedule schedule(order.size(), connection_attempt_delay);
  std::vector<std::optional<tcp::socket>> attempts(order.size());
  std::vector<boost::system::error_code> errors(order.size());
  std::size_t started = 0;
  auto close_all = [&] {
    for (auto& a : attempts) {
      boost::system::error_code ignored;
      if (a) a->close(ignored);
    }
  };
  for (;;) {
    for (const auto& [index, ec] : std::exchange(events->finished, {})) {
      if (ec) {
        errors[index] = ec;
        schedule.failed(index);
      } else {
        schedule.connected(index);
      }
    }
    const auto now = clock::now();
    const dial_schedule::step step = schedule.next(now);
    if (step.what == dial_schedule::step::start) {
      auto& attempt = attempts[step.index].emplace(io);
      ++started;
      attempt.async_connect(order[step.index],
                            asio::bind_executor(strand, [events, i = step.index](
                                                            boost::system::error_code ec) {
                              events->finished.emplace_back(i, ec);
                              events->notify();
                            }));
      continue;
    }
    if (step.what == dial_schedule::step::connected) {
      socket = std::move(*attempts[step.index]);
      attempts[step.index].reset();
      close_all();
      if (memory) memory->remember(host, port, order[step.index]);
      co_return boost::system::error_code{};
    }
    if (step.what == dial_schedule::step::failed) {
      const auto ec = telling(errors);
      problem = "cannot connect to " + where + ": " + ec.message() +
                attempts_text(order, errors, started);
      co_return ec;
    }
    if (cancelled(cs) || now >= deadline) {
      close_all();
      const bool aborted = cancelled(cs);
      problem = "cannot connect to " + where + ": " + (aborted ? "cancelled" : "timed out") +
                attempts_text(order, errors, started);
      co_return aborted ? asio::error::operation_aborted : asio::error::timed_out;
    }
    events->wake.expires_at(std::min(step.until, deadline));
    co_await events->wake.async_wait(use_tuple);
  }
}

}  // namespace

std::optional<tcp::endpoint> address_memory::recall(std::string_view host,
                                                    std::string_view port) const {
  std::lock_guard lock(mutex_);
  const auto found = answered_.find(memory_key(host, port));
  if (found == answered_.end()) return std::nullopt;
  return found->second;
}

void address_memory::remember(std::string_view host, std::string_view port,
                              const tcp::endpoint& answered) {
  std::lock_guard lock(mutex_);
  answered_.insert_or_assign(memory_key(host, port), answered);
}

std::vector<tcp::endpoint> attempt_order(std::vector<tcp::endpoint> resolved,
                                         const std::optional<tcp::endpoint>& first) {
  if (first) {
    const auto found = std::find(resolved.begin(), resolved.end(), *first);
    if (found != resolved.end()) std::rotate(resolved.begin(), found, found + 1);
  }
  std::vector<tcp::endpoint> leading, other;
  for (const auto& e : resolved)
    (e.address().is_v6() == resolved.front().address().is_v6() ? leading : other).push_back(e);
  std::vector<tcp::endpoint> order;
  order.reserve(resolved.size());
  for (std::size_t i = 0; i < std::max(leading.size(), other.size()); ++i) {
    if (i < leading.size()) order.push_back(leading[i]);
    if (i < other.size()) order.push_back(other[i]);
  }
  return order;
}

dial_schedule::step dial_schedule::next(clock::time_point now) {
  if (winner_) return {step::connected, *winner_, {}};
  const bool more = started_ < attempts_;
  if (more && (start_now_ || in_flight_ == 0 || now - last_start_ >= delay_)) {
    start_now_ = false;
    last_start_ = now;
    ++in_flight_;
    return {step::start, started_++, {}};
  }
  if (in_flight_ == 0) return {step::failed, 0, {}};
  return {step::wait, 0, more ? last_start_ + delay_ : clock::time_point::max()};
}

void dial_schedule::failed(std::size_t) {
  if (in_flight_ > 0) --in_flight_;
  start_now_ = true;  // a refusal costs no more than itself: the next address goes at once
}

void dial_schedule::connected(std::size_t index) {
  if (in_flight_ > 0) --in_flight_;
  if (!winner_) winner_ = index;
}

asio::awaitable<boost::system::error_code> dial(const std::string& host, const std::string& port,
                                                bool host_is_ip, clock::time_point deadline,
                                                tcp::socket& socket, std::string& problem,
                                                address_memory* memory, std::string_view label) {
  // On a strand of its own: the handlers of the resolve and of every attempt report to this
  // coroutine, whatever executor the caller runs on. co_spawn passes the caller's cancellation on.
  co_return co_await asio::co_spawn(
      asio::make_strand(socket.get_executor()),
      run_dial(host, port, host_is_ip, deadline, socket, problem, memory, std::string(label)),
      asio::use_awaitable);
}

}  // namespace openai::detail
