// client::update_many: a loop on its own strand that pulls items while the pacer allows, starts
// each update through the ordinary update call, and turns every completion into one result for
// the sink. The loop sleeps on a timer that each completion cancels to wake it.
#include <openai/client.hpp>

#include "batch/pacer.hpp"
#include "call.hpp"
#include "client_impl.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>

#include <deque>
#include <list>

namespace openai {

namespace asio = boost::asio;
using boost::system::error_code;

namespace detail {

namespace {

using clock = std::chrono::steady_clock;

// How often one item is re-sent after 429s that announced the server's budget before its
// result is the 429. The pacer follows the budget, so a line meets such a 429 only when the
// server's limit drops or another client spends it; the bound keeps a server that refuses
// forever from holding a batch forever.
constexpr unsigned max_requeues = 100;

// An item answered 429 while the server announced its budget: sent again, paced, before any
// new item. `last` is what it reports if it is never re-sent (the batch stopped).
struct requeued_item {
  update_item item;
  update_result last;
  unsigned requeues = 0;
  clock::time_point first_sent;
};

// Everything the loop and the completions share. Completions hold it by shared_ptr, and the
// loop never returns while one is outstanding, so it is never used after the batch ends.
struct batch_state {
  // max_pause: the client's max_retry_after, the longest the rate-limit headers may hold it.
  batch_state(const asio::any_io_executor& strand, const batch_options& options,
              std::chrono::milliseconds max_pause)
      : strand(strand),
        wake(strand),
        pace(options.concurrency, options.max_requests_per_second,
             options.adaptive_concurrency, 1, max_pause),
        progress(options.progress ? options.progress : std::make_shared<batch_progress>()),
        on_progress(options.on_progress),
        request(options.request),
        request_requeueable(options.request),
        first_wave(options.concurrency) {
    request_requeueable.retry_announced_rate_limits = false;
  }

  asio::any_io_executor strand;
  asio::steady_timer wake;
  pacer pace;
  update_sink sink;
  std::shared_ptr<batch_progress> progress;
  std::function<void(const batch_progress&)> on_progress;
  // Each update's options: as given, and for an item kept for re-sending, with the 429s that
  // announce a budget left to the batch.
  request_options request;
  request_options request_requeueable;
  // Until the server announces a budget, only the first wave is kept for re-sending (a copy of
  // each item's metadata): a server without rate-limit headers costs no copies after it.
  std::size_t first_wave;
  std::size_t launched = 0;
  std::deque<requeued_item> again;
  std::list<asio::cancellation_signal> in_flight_signals;  // for cancel_in_flight
  batch_summary summary;
  std::exception_ptr sink_failure;
  clock::time_point started = clock::now();
  clock::time_point window_started = started;
  std::uint64_t window_done = 0;
};

// Whether a result is a 429 the batch sends again: the server announced its budget with it
// (the pacer follows that), and waiting can help (not an exhausted quota).
bool is_requeued_429(const update_result& r) {
  return r.ec == make_error_code(errc::rate_limited) &&
         !r.details.ratelimit_remaining_requests.empty() && r.details.code != "insufficient_quota";
}

}  // namespace

// Writes the progress counters (batch_progress's friend).
struct batch_runner {
  static void publish(batch_state& st) {
    auto& p = *st.progress;
    const auto now = clock::now();
    p.done_ = st.summary.total;
    p.ok_ = st.summary.ok;
    p.failed_ = st.summary.failed;
    p.not_attempted_ = st.summary.not_attempted;
    p.retries_ = st.summary.retries;
    p.in_flight_ = st.pace.in_flight();
    p.concurrency_ = st.pace.limit();
    p.elapsed_ = std::chrono::duration<double>(now - st.started).count();
    const double window = std::chrono::duration<double>(now - st.window_started).count();
    if (window >= 1.0) {
      p.rate_ = static_cast<double>(st.summary.total - st.window_done) / window;
      st.window_started = now;
      st.window_done = st.summary.total;
    } else if (p.rate_.load() == 0 && p.elapsed_.load() > 0) {
      p.rate_ = static_cast<double>(st.summary.total) / p.elapsed_.load();
    }
  }

  static void deliver(batch_state& st, update_result result) {
    ++st.summary.total;
    if (result.ok()) {
      ++st.summary.ok;
    } else {
      ++st.summary.failed;
      if (!result.attempted) ++st.summary.not_attempted;
    }
    if (result.details.attempts > 1) st.summary.retries += result.details.attempts - 1;
    publish(st);
    if (!st.sink_failure) {
      try {
        st.sink(std::move(result));
      } catch (...) {
        st.sink_failure = std::current_exception();
      }
    }
    if (st.on_progress) st.on_progress(*st.progress);
  }

  // earlier: the item's previous sends, when it is re-sent after a 429 (its attempts and 429s
  // add up in the one result it gets).
  static void launch(const std::shared_ptr<batch_state>& st,
                     const std::shared_ptr<client_impl>& impl, update_item item,
                     const requeued_item* earlier = nullptr) {
    const auto now = clock::now();
    const auto ticket = st->pace.on_start(now);
    const auto first_sent = earlier ? earlier->first_sent : now;
    const bool requeueable =
        earlier || st->launched < st->first_wave || st->pace.follows_server_budget();
    ++st->launched;
    // The copy to send again; only kept while 429s may come back with a budget.
    std::optional<update_item> kept;
    if (requeueable) kept = item;
    const unsigned requeues = earlier ? earlier->requeues + 1 : 0;
    const unsigned attempts_before = earlier ? earlier->last.details.attempts : 0;
    const unsigned rate_limited_before = earlier ? earlier->last.details.rate_limited : 0;

    auto signal = st->in_flight_signals.emplace(st->in_flight_signals.end());
    auto diag = std::make_shared<diagnostics>();
    auto on_done = [st, diag, signal, ticket, kept = std::move(kept), requeues, attempts_before,
                    rate_limited_before, first_sent, tag = item.tag,
                    id = item.completion_id](error_code ec, chat_completion) mutable {
      st->in_flight_signals.erase(signal);
      const auto finished = clock::now();
      st->pace.on_finish(finished, ticket,
                         pacer_feedback{diag->rate_limited, diag->ratelimit_limit_requests,
                                        diag->ratelimit_remaining_requests,
                                        diag->ratelimit_reset_requests});
      update_result result;
      result.tag = tag;
      result.completion_id = std::move(id);
      result.ec = ec;
      result.details = std::move(*diag);
      result.details.attempts += attempts_before;
      result.details.rate_limited += rate_limited_before;
      result.attempted = result.details.attempts > 0;
      if (result.attempted)
        result.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(finished - first_sent);
      if (kept && requeues < max_requeues && is_requeued_429(result)) {
        st->again.push_back(
            requeued_item{std::move(*kept), std::move(result), requeues, first_sent});
      } else {
        deliver(*st, std::move(result));
      }
      st->wake.cancel();
    };
    start_operation<update_op>(
        impl,
        operation_handler<update_op>(asio::bind_cancellation_slot(
            signal->slot(), asio::bind_executor(st->strand, std::move(on_done)))),
        update_op{std::move(item.completion_id), std::move(item.metadata)},
        requeueable ? st->request_requeueable : st->request, diag.get());
  }

  // The next item, or nothing at the end or when the source threw (kept in `failure`).
  static asio::awaitable<std::optional<update_item>> pull(update_source& source,
                                                         std::exception_ptr& failure) {
    try {
      co_return co_await source();
    } catch (...) {
      failure = std::current_exception();
    }
    co_return std::nullopt;
  }

  static asio::awaitable<bool> cancelled() {
    auto state = co_await asio::this_coro::cancellation_state;
    co_return state.cancelled() != asio::cancellation_type::none;
  }

  static asio::awaitable<void> wait_for_wake(batch_state& st, clock::time_point until) {
    st.wake.expires_at(until);
    co_await st.wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  static asio::awaitable<batch_summary> run(std::shared_ptr<client_impl> impl,
                                            update_source source, update_sink sink,
                                            batch_options options) {
    co_await asio::this_coro::throw_if_cancelled(false);
    auto st = std::make_shared<batch_state>(co_await asio::this_coro::executor, options,
                                            impl->options().max_retry_after);
    st->sink = std::move(sink);
    std::exception_ptr source_failure;
    bool source_done = false;

    // Until the source is exhausted and nothing is in flight or waiting to be sent again: wait
    // until the pacer lets one more start (a completion or the clock wakes us), then start the
    // oldest re-queued item, else the source's next.
    for (;;) {
      if (st->sink_failure || co_await cancelled()) break;
      const bool nothing_to_start = source_done && st->again.empty();
      if (nothing_to_start && st->pace.in_flight() == 0) break;
      const auto now = clock::now();
      auto when = nothing_to_start ? std::nullopt : st->pace.next_start(now);
      if (!when || *when > now) {
        co_await wait_for_wake(*st, when ? *when : clock::time_point::max());
        continue;
      }
      if (!st->again.empty()) {
        auto earlier = std::move(st->again.front());
        st->again.pop_front();
        launch(st, impl, std::move(earlier.item), &earlier);
        continue;
      }
      auto item = co_await pull(source, source_failure);
      if (!item) {
        source_done = true;
        continue;
      }
      launch(st, impl, std::move(*item));
    }

    const bool was_cancelled = co_await cancelled();
    if (was_cancelled && options.cancel_in_flight)
      for (auto& signal : st->in_flight_signals) signal.emit(asio::cancellation_type::terminal);
    while (st->pace.in_flight() > 0) co_await wait_for_wake(*st, clock::time_point::max());
    // Stopped early: the items waiting to be sent again end with their last 429.
    while (!st->again.empty()) {
      deliver(*st, std::move(st->again.front().last));
      st->again.pop_front();
    }
    if (was_cancelled && options.report_unattempted && !source_failure) {
      for (;;) {
        auto item = co_await pull(source, source_failure);
        if (!item) break;
        update_result result;
        result.tag = item->tag;
        result.completion_id = std::move(item->completion_id);
        result.ec = asio::error::operation_aborted;
        result.details.message = "not attempted: the batch was cancelled";
        deliver(*st, std::move(result));
      }
    }
    st->summary.cancelled = was_cancelled;
    publish(*st);
    st->summary.elapsed_seconds = st->progress->elapsed_seconds();
    if (st->on_progress) st->on_progress(*st->progress);
    if (source_failure) std::rethrow_exception(source_failure);
    if (st->sink_failure) std::rethrow_exception(st->sink_failure);
    co_return st->summary;
  }
};

}  // namespace detail

void client::start_batch(
    asio::any_completion_handler<void(std::exception_ptr, batch_summary)> handler,
    update_source source, update_sink sink, batch_options options) {
  // Registered like a call, so that destroying the client cancels the batch: the loop stops
  // pulling, its updates in flight end aborted, and the handler gets a cancelled summary.
  auto call = impl_->register_call();
  if (!call) {
    batch_summary cancelled;
    cancelled.cancelled = true;
    asio::post(get_executor(), asio::append(std::move(handler), nullptr, cancelled));
    return;
  }
  // The handler's own cancellation slot reaches the loop through the call's signal, which is
  // emitted only on the call's strand, where the loop runs.
  auto user_slot = asio::get_associated_cancellation_slot(handler);
  if (user_slot.is_connected()) {
    user_slot.assign([call](asio::cancellation_type type) {
      asio::dispatch(call->strand, [call, type] { call->signal.emit(type); });
    });
  }
  auto handler_executor = asio::get_associated_executor(handler, get_executor());
  auto on_done = [handler = std::move(handler), impl = impl_, call, user_slot](
                     std::exception_ptr failure, batch_summary summary) mutable {
    impl->unregister_call(call);
    if (user_slot.is_connected()) user_slot.clear();
    std::move(handler)(failure, std::move(summary));
  };
  asio::co_spawn(call->strand,
                 detail::batch_runner::run(impl_, std::move(source), std::move(sink),
                                           std::move(options)),
                 asio::bind_cancellation_slot(
                     call->signal.slot(),
                     asio::bind_executor(handler_executor, std::move(on_done))));
}

asio::awaitable<batch_summary> client::update_many(update_source source, update_sink sink,
                                                   batch_options options) {
  return async_update_many(std::move(source), std::move(sink), std::move(options),
                           asio::use_awaitable);
}

}  // namespace openai
