// Asio's contracts, kept with real calls against openai-mock: an lvalue completion handler is
// copied, never moved from; destroying the client while a batch runs ends the batch cleanly; an
// io_context that promises one thread (no per-call strands) still serves, cancels and shuts
// down concurrent calls.
#include "fault_helpers.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::mock_fixture;

namespace {

// A handler the caller keeps: calls are counted in state shared by its copies, so a copy that
// ran shows in the original, and an original that was moved from has lost its state.
struct kept_handler {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  template <typename... Args>
  void operator()(boost::system::error_code ec, Args&&...) const {
    BOOST_TEST(!ec, ec.message());
    ++*calls;
  }
};

template <typename Start>
void expect_copied(Start start) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  kept_handler handler;
  start(client, f, handler);
  BOOST_TEST_REQUIRE(handler.calls != nullptr);  // not moved from
  io.run();
  BOOST_TEST(handler.calls->load() == 1);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(asio_contracts)

BOOST_AUTO_TEST_CASE(an_lvalue_handler_is_copied_by_update) {
  expect_copied([](openai::client& c, mock_fixture& f, kept_handler& h) {
    c.async_update_completion(f.id(1), {{"k", "v"}}, h);
  });
}

BOOST_AUTO_TEST_CASE(an_lvalue_handler_is_copied_by_retrieve) {
  expect_copied([](openai::client& c, mock_fixture& f, kept_handler& h) {
    c.async_retrieve_completion(f.id(1), h);
  });
}

BOOST_AUTO_TEST_CASE(an_lvalue_handler_is_copied_by_retrieve_with_diagnostics) {
  openai::diagnostics diag;
  expect_copied([&diag](openai::client& c, mock_fixture& f, kept_handler& h) {
    c.async_retrieve_completion(f.id(1), {}, diag, h);
  });
}

BOOST_AUTO_TEST_CASE(an_lvalue_handler_is_copied_by_delete) {
  expect_copied([](openai::client& c, mock_fixture& f, kept_handler& h) {
    c.async_delete_completion(f.id(1), h);
  });
}

BOOST_AUTO_TEST_CASE(an_lvalue_handler_is_copied_by_list) {
  expect_copied([](openai::client& c, mock_fixture&, kept_handler& h) {
    c.async_list_completions({}, h);
  });
}

BOOST_AUTO_TEST_CASE(an_lvalue_handler_is_copied_by_list_messages) {
  expect_copied([](openai::client& c, mock_fixture& f, kept_handler& h) {
    c.async_list_completion_messages(f.id(1), {}, h);
  });
}

BOOST_AUTO_TEST_CASE(destroying_the_client_during_update_many_ends_the_batch_cancelled) {
  // The source would go on for far longer than the test (20 ms per update, 8 at a time): only
  // the client's destruction can end this batch.
  constexpr std::size_t stored = 50, cap = 100000;
  auto o = mock_fixture::default_options(stored);
  o.faults = [](const openai_mock::request&) {
    auto slow = openai_mock::fault_plan::make(openai_mock::fault_action::delay);
    slow.wait = 20ms;
    return slow;
  };
  mock_fixture f(std::move(o));

  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::thread runner([&io] { io.run(); });
  std::optional<openai::client> client(std::in_place, io.get_executor(), f.options());

  std::size_t pulled = 0;  // on the batch's strand only
  auto endless = [&]() -> std::optional<openai::update_item> {
    if (pulled == cap) return std::nullopt;
    ++pulled;
    return openai::update_item{f.id(1 + pulled % stored), {{"batch", "x"}}, pulled};
  };
  std::atomic<std::size_t> results{0};
  std::atomic<int> handler_calls{0};
  std::promise<openai::batch_summary> done;
  openai::batch_options options;
  options.concurrency = 8;
  options.report_unattempted = false;  // the rest of an endless source stays in it
  client->async_update_many(
      openai::source_from_generator(endless), [&](openai::update_result) { ++results; },
      options, [&](std::exception_ptr failure, openai::batch_summary summary) {
        BOOST_TEST(!failure);
        if (++handler_calls == 1) done.set_value(summary);
      });

  for (int i = 0; i < 3000 && results.load() < 10; ++i) std::this_thread::sleep_for(10ms);
  BOOST_TEST_REQUIRE(results.load() >= 10u);
  client.reset();  // from another thread than the one running the batch

  auto finished = done.get_future();
  BOOST_TEST_REQUIRE((finished.wait_for(60s) == std::future_status::ready));
  const auto summary = finished.get();
  guard.reset();
  runner.join();
  BOOST_TEST(handler_calls.load() == 1);
  BOOST_TEST(summary.cancelled);
  BOOST_TEST(summary.total == results.load());  // each update launched has its result
  BOOST_TEST(summary.total < cap);
}

BOOST_AUTO_TEST_CASE(a_single_threaded_io_context_serves_cancels_and_shuts_down_concurrent_calls) {
  // Each answer is held 30 ms, so that calls are in flight when one is cancelled and when the
  // client is destroyed.
  constexpr std::size_t stored = 20, calls = 48;
  auto o = mock_fixture::default_options(stored);
  o.faults = [](const openai_mock::request&) {
    auto slow = openai_mock::fault_plan::make(openai_mock::fault_action::delay);
    slow.wait = 30ms;
    return slow;
  };
  mock_fixture f(std::move(o));

  asio::io_context io(1);  // concurrency hint 1: the client gives calls no strand of their own
  auto guard = asio::make_work_guard(io);
  std::thread runner([&io] { io.run(); });
  auto options = f.options();
  options.max_connections = 8;
  std::optional<openai::client> client(std::in_place, io.get_executor(), options);

  std::atomic<int> succeeded{0}, aborted{0}, failed{0};
  std::atomic<std::size_t> completed{0};
  auto count = [&](boost::system::error_code ec, openai::chat_completion) {
    if (!ec) ++succeeded;
    else if (ec == asio::error::operation_aborted) ++aborted;
    else ++failed;
    ++completed;
  };
  asio::cancellation_signal cancel_one;
  // Started from this thread while the io thread runs: initiation from outside is allowed.
  for (std::size_t i = 0; i < calls; ++i) {
    openai::metadata md{{"call", std::to_string(i)}};
    if (i == calls - 1)
      client->async_update_completion(f.id(1 + i % stored), md,
                                      asio::bind_cancellation_slot(cancel_one.slot(), count));
    else
      client->async_update_completion(f.id(1 + i % stored), md, count);
  }
  // The last call waits for a connection behind 40 others: cancel it there, on the io thread
  // (cancellation slots are not thread-safe).
  asio::post(io, [&] { cancel_one.emit(asio::cancellation_type::terminal); });
  for (int i = 0; i < 3000 && succeeded.load() < 8; ++i) std::this_thread::sleep_for(10ms);
  BOOST_TEST_REQUIRE(succeeded.load() >= 8);
  client.reset();  // from this thread, with calls still in flight
  for (int i = 0; i < 3000 && completed.load() < calls; ++i) std::this_thread::sleep_for(10ms);
  guard.reset();
  runner.join();

  BOOST_TEST(completed.load() == calls);  // every call completed exactly once
  BOOST_TEST(failed.load() == 0);
  BOOST_TEST(aborted.load() >= 1);  // the cancelled one, and those the destruction ended
  BOOST_TEST(succeeded.load() + aborted.load() == static_cast<int>(calls));
}

BOOST_AUTO_TEST_SUITE_END()
