// Where a call's coroutine runs: its own strand unless the io_context promises one thread.
#include "client_impl.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/test/unit_test.hpp>

namespace asio = boost::asio;
using openai::detail::executor_for_call;

BOOST_AUTO_TEST_SUITE(call_executor)

BOOST_AUTO_TEST_CASE(a_single_threaded_io_context_runs_calls_without_a_strand) {
  asio::io_context one_thread(1);
  const auto ex = executor_for_call(one_thread.get_executor());
  BOOST_TEST(ex.target<asio::io_context::executor_type>() != nullptr);
  BOOST_TEST((ex == asio::any_io_executor(one_thread.get_executor())));
}

BOOST_AUTO_TEST_CASE(an_io_context_without_locking_runs_calls_without_a_strand) {
  asio::io_context unsafe(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
  BOOST_TEST(executor_for_call(unsafe.get_executor()).target<asio::io_context::executor_type>() !=
             nullptr);
}

BOOST_AUTO_TEST_CASE(an_io_context_that_may_run_on_several_threads_gives_each_call_a_strand) {
  asio::io_context any_threads;  // the default hint: any number of threads
  asio::io_context two_threads(2);
  using io_strand = asio::strand<asio::io_context::executor_type>;
  const auto a = executor_for_call(any_threads.get_executor());
  const auto b = executor_for_call(two_threads.get_executor());
  BOOST_TEST(a.target<io_strand>() != nullptr);
  BOOST_TEST(b.target<io_strand>() != nullptr);
  // Each call its own strand, not one shared by all calls.
  BOOST_TEST((a != executor_for_call(any_threads.get_executor())));
}

BOOST_AUTO_TEST_CASE(other_executors_give_each_call_a_strand) {
  asio::thread_pool pool(2);
  const auto ex = executor_for_call(pool.get_executor());
  BOOST_TEST(ex.target<asio::strand<asio::any_io_executor>>() != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
