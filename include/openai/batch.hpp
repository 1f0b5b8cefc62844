// Many updates at once: client.update_many(source, sink, options) pulls {completion_id,
// metadata} items from a source, updates them with bounded concurrency over the client's pool,
// and hands one result per item to the sink as each finishes. Nothing collects all items or all
// results, so memory stays flat however many there are.
//
//   std::vector<openai::update_item> items = ...;
//   auto summary = co_await client.update_many(
//       openai::source_from_range(items),
//       [](openai::update_result r) { if (!r.ok()) std::cerr << r.details.message << '\n'; },
//       {.concurrency = 64});
//
// One bad item never stops the batch: invalid metadata becomes an error result without being
// sent, an API error after retries becomes an error result, and the batch goes on. A server
// that announces its budget (x-ratelimit-limit/remaining/reset-requests) is followed by it: the
// batch paces at the rate those headers imply, and a 429 carrying them is sent again when the
// budget allows. Without them, on 429s the concurrency halves and then grows back by one per
// clean window (AIMD). An optional cap limits requests per second.
#pragma once

#include <openai/error.hpp>
#include <openai/metadata.hpp>
#include <openai/options.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

namespace openai {

namespace detail {
struct batch_runner;
}

/// One update of a batch: the completion and the metadata it gets.
struct update_item {
  std::string completion_id;  ///< The stored completion to update.
  openai::metadata metadata;  ///< Its new metadata: replaces the old pairs (send them too to keep them).
  std::uint64_t tag = 0;  ///< The caller's (a line number, an index): copied into the result.
};

/// The outcome of one update_item, handed to the sink as soon as it is known.
struct update_result {
  std::uint64_t tag = 0;         ///< update_item::tag of the item.
  std::string completion_id;     ///< update_item::completion_id of the item.
  boost::system::error_code ec;  ///< Empty: updated. Else an openai::errc, or operation_aborted.
  bool attempted = false;        ///< False: never sent (invalid input, or the batch was cancelled).
  diagnostics details;           ///< Status, message, type, code, request id, attempts, violations.
  /// From the item's first send to its result, its retries and re-sends after 429s included
  /// (the latency a caller saw); 0 when it was never sent.
  std::chrono::microseconds elapsed{0};
  /// Whether the update succeeded.
  bool ok() const noexcept { return !ec; }
};

/// Live counters of a running batch, readable from any thread at any time (each counter is
/// atomic; two counters read one after the other may be from different moments).
class batch_progress {
 public:
  std::uint64_t done() const noexcept { return done_.load(); }  ///< Results handed to the sink.
  std::uint64_t ok() const noexcept { return ok_.load(); }  ///< Of those, updated.
  std::uint64_t failed() const noexcept { return failed_.load(); }  ///< Of those, failed (not_attempted included).
  std::uint64_t not_attempted() const noexcept { return not_attempted_.load(); }  ///< Of the failed, never sent.
  std::uint64_t retries() const noexcept { return retries_.load(); }  ///< Extra attempts so far, over all items.
  std::uint64_t in_flight() const noexcept { return in_flight_.load(); }  ///< Updates running now.
  std::uint64_t concurrency() const noexcept { return concurrency_.load(); }  ///< Current limit (lowered on 429s).
  double rate() const noexcept { return rate_.load(); }  ///< Results per second, last second.
  double elapsed_seconds() const noexcept { return elapsed_.load(); }  ///< Since the batch started.

 private:
  friend struct detail::batch_runner;
  std::atomic<std::uint64_t> done_{0}, ok_{0}, failed_{0}, not_attempted_{0}, retries_{0},
      in_flight_{0}, concurrency_{0};
  std::atomic<double> rate_{0}, elapsed_{0};
};

/// How client::update_many runs a batch.
struct batch_options {
  std::size_t concurrency = 64;          ///< Most updates in flight at once.
  double max_requests_per_second = 0;    ///< At most this many updates started per second; 0: no cap.
  bool adaptive_concurrency = true;      ///< Halve on 429s, grow back by one per clean window.
  /// On cancellation: false lets updates in flight finish; true cancels them too.
  bool cancel_in_flight = false;
  /// On cancellation, the items still in the source are pulled and reported as not attempted
  /// (ec operation_aborted, attempted false). False: they are left in the source.
  bool report_unattempted = true;
  request_options request;                ///< Per update (timeout, retries, headers).
  /// Called on the batch's strand after each result (and once at the end).
  std::function<void(const batch_progress&)> on_progress;
  std::shared_ptr<batch_progress> progress;  ///< Optional: counters to read from anywhere.
};

/// What a finished batch did.
struct batch_summary {
  std::uint64_t total = 0;          ///< Results handed to the sink.
  std::uint64_t ok = 0;             ///< Of those, updated.
  std::uint64_t failed = 0;         ///< Of those, failed (not_attempted included).
  std::uint64_t not_attempted = 0;  ///< Of the failed, never sent (invalid, or cancelled first).
  std::uint64_t retries = 0;        ///< Extra attempts over all items.
  double elapsed_seconds = 0;       ///< Wall time of the batch.
  bool cancelled = false;           ///< The batch was cancelled before its source was exhausted.
};

/// Where items come from: each call yields the next one, or nothing when there are no more.
/// Called one call at a time; it may suspend (read a file, wait on a channel).
using update_source = std::function<boost::asio::awaitable<std::optional<update_item>>()>;
/// Where results go: called on the batch's strand, one result at a time.
using update_sink = std::function<void(update_result)>;

namespace detail {

template <typename Iterator>
struct range_source {
  Iterator next, end;
  boost::asio::awaitable<std::optional<update_item>> operator()() {
    if (next == end) co_return std::nullopt;
    co_return update_item(*next++);
  }
};

template <typename Generator>
struct generator_source {
  Generator generate;
  boost::asio::awaitable<std::optional<update_item>> operator()() { co_return generate(); }
};

template <typename Channel>
struct channel_source {
  Channel* channel;
  boost::asio::awaitable<std::optional<update_item>> operator()() {
    auto [ec, item] =
        co_await channel->async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) co_return std::nullopt;  // closed (or cancelled): no more items
    co_return std::optional<update_item>(std::move(item));
  }
};

}  // namespace detail

/// Items of a range of update_item, in order. The range must outlive the batch.
template <typename Range>
update_source source_from_range(Range& range) {
  return detail::range_source<decltype(std::begin(range))>{std::begin(range), std::end(range)};
}

/// Items from a callable returning std::optional<update_item>; empty ends the batch.
template <typename Generator>
update_source source_from_generator(Generator generate) {
  return detail::generator_source<Generator>{std::move(generate)};
}

/// Items received from an asio channel of signature void(error_code, update_item) until it is
/// closed. The channel must outlive the batch.
template <typename Channel>
update_source source_from_channel(Channel& channel) {
  return detail::channel_source<Channel>{&channel};
}

}  // namespace openai
