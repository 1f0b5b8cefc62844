// client_options::observer against openai-mock over real TLS: one event per attempt with what a
// metrics exporter needs (and never the completion id), and one per wait for a full pool.
#include "fault_helpers.hpp"

#include <openai/observer.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/test/unit_test.hpp>

#include <mutex>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using openai_mock::fault_action;
using openai_mock::fault_plan;
using test_support::mock_fixture;
using test_support::quick;
using test_support::run;
using test_support::scripted;

namespace {

// What the observer saw, with the views copied out.
struct seen_attempt {
  std::string operation, method, path_template;
  unsigned attempt, status;
  boost::system::error_code error;
  std::chrono::nanoseconds duration;
  std::size_t bytes_sent, bytes_received;
  openai::connection_use connection;
};

struct recording_observer final : openai::observer {
  std::mutex mutex;
  std::vector<seen_attempt> attempts;
  std::vector<openai::pool_wait_event> waits;
  void on_attempt(const openai::attempt_event& e) override {
    std::lock_guard lock(mutex);
    attempts.push_back({std::string(e.operation), std::string(e.method),
                        std::string(e.path_template), e.attempt, e.status, e.error, e.duration,
                        e.bytes_sent, e.bytes_received, e.connection});
  }
  void on_pool_wait(const openai::pool_wait_event& e) override {
    std::lock_guard lock(mutex);
    waits.push_back(e);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(observer)

BOOST_AUTO_TEST_CASE(each_attempt_is_reported_with_its_status_kind_bytes_and_connection) {
  mock_fixture f(scripted({fault_plan::error(503, {}, 10ms), fault_plan::ok()}));
  auto recorder = std::make_shared<recording_observer>();
  auto options = quick(f.options(), 2);
  options.observer = recorder;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  run(io, client.update_completion(f.id(1), {{"k", "v"}}));

  BOOST_TEST_REQUIRE(recorder->attempts.size() == 2u);
  const auto& first = recorder->attempts[0];
  const auto& second = recorder->attempts[1];
  BOOST_TEST(first.operation == "update");
  BOOST_TEST(first.method == "POST");
  BOOST_TEST(first.path_template == "/chat/completions/{id}");
  BOOST_TEST(first.attempt == 1u);
  BOOST_TEST(first.status == 503u);
  BOOST_TEST((first.error == openai::errc::server_error));
  BOOST_TEST((first.connection == openai::connection_use::opened));
  BOOST_TEST(first.bytes_sent > 0u);
  BOOST_TEST(first.bytes_received > 0u);
  BOOST_TEST(first.duration.count() > 0);
  BOOST_TEST(second.attempt == 2u);
  BOOST_TEST(second.status == 200u);
  BOOST_TEST(!second.error);
  BOOST_TEST((second.connection == openai::connection_use::reused));
  for (const auto& a : recorder->attempts)
    for (const auto* text : {&a.operation, &a.method, &a.path_template})
      BOOST_TEST(text->find(f.id(1)) == std::string::npos);
  BOOST_TEST(recorder->waits.empty());  // the pool was never full
}

BOOST_AUTO_TEST_CASE(other_operations_name_themselves_and_resumed_connections_show) {
  mock_fixture f;
  auto recorder = std::make_shared<recording_observer>();
  auto options = f.options();
  options.observer = recorder;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  run(io, client.list_completions({}));
  client.close_idle_connections();  // the next call opens a new connection, resuming TLS
  run(io, client.retrieve_completion(f.id(2)));
  run(io, client.list_completion_messages(f.id(2)));
  BOOST_TEST_REQUIRE(recorder->attempts.size() == 3u);
  BOOST_TEST(recorder->attempts[0].operation == "list");
  BOOST_TEST(recorder->attempts[0].path_template == "/chat/completions");
  BOOST_TEST(recorder->attempts[1].operation == "retrieve");
  BOOST_TEST(recorder->attempts[1].method == "GET");
  BOOST_TEST((recorder->attempts[1].connection == openai::connection_use::resumed));
  BOOST_TEST(recorder->attempts[2].path_template == "/chat/completions/{id}/messages");
}

BOOST_AUTO_TEST_CASE(a_refused_connection_is_an_attempt_without_a_connection) {
  mock_fixture f;
  auto recorder = std::make_shared<recording_observer>();
  auto options = quick(f.options(), 0);
  options.base_url = "https://127.0.0.1:1/v1";  // nothing listens on port 1
  options.observer = recorder;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  BOOST_CHECK_THROW(run(io, client.retrieve_completion(f.id(1))), openai::connection_error);
  BOOST_TEST_REQUIRE(recorder->attempts.size() == 1u);
  BOOST_TEST((recorder->attempts[0].connection == openai::connection_use::none));
  BOOST_TEST((recorder->attempts[0].error == openai::errc::network));
  BOOST_TEST(recorder->attempts[0].status == 0u);
}

BOOST_AUTO_TEST_CASE(waits_for_a_full_pool_are_reported) {
  auto o = mock_fixture::default_options(4);
  auto slow = fault_plan::make(fault_action::delay);
  slow.wait = 100ms;
  o.script["*"] = {slow, slow, slow, slow};
  mock_fixture f(std::move(o));
  auto recorder = std::make_shared<recording_observer>();
  auto options = f.options();
  options.max_connections = 1;
  options.max_streams_per_connection = 1;  // over h2 too, one call at a time
  options.observer = recorder;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  int done = 0;
  for (int i = 1; i <= 3; ++i)
    asio::co_spawn(io, client.retrieve_completion(f.id(i)),
                   [&done](std::exception_ptr e, openai::chat_completion) {
                     BOOST_TEST(!e);
                     ++done;
                   });
  io.run();
  BOOST_TEST(done == 3);
  BOOST_TEST_REQUIRE(recorder->waits.size() == 2u);  // the second and third call waited
  for (const auto& w : recorder->waits) {
    BOOST_TEST(w.got_connection);
    BOOST_TEST(w.waited.count() > 0);
  }
}

BOOST_AUTO_TEST_SUITE_END()
