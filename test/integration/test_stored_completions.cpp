// retrieve, delete, list (pages and the pager) and messages against openai-mock over TLS.
#include "mock_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <set>

namespace asio = boost::asio;
using test_support::mock_fixture;
using test_support::run;

BOOST_AUTO_TEST_SUITE(stored_completions)

BOOST_AUTO_TEST_CASE(retrieve_returns_the_stored_completion) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto c = run(io, [&]() -> asio::awaitable<openai::chat_completion> {
    co_await client.update_completion(f.id(4), {{"seen", "yes"}});
    co_return co_await client.retrieve_completion(f.id(4));
  }());
  BOOST_TEST(c.id() == f.id(4));
  BOOST_TEST(c.metadata().at("seen") == "yes");
  BOOST_TEST(!c.request_id().empty());
}

BOOST_AUTO_TEST_CASE(delete_removes_the_completion) {
  mock_fixture f;
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto status = run(io, client.delete_completion(f.id(2)));
  BOOST_TEST(status.deleted());
  BOOST_TEST(status.id() == f.id(2));
  BOOST_TEST(status.object() == "chat.completion.deleted");
  BOOST_TEST(!f.mock().metadata_of(f.id(2)).has_value());
  BOOST_CHECK_THROW(run(io, client.retrieve_completion(f.id(2))), openai::not_found_error);
}

BOOST_AUTO_TEST_CASE(list_returns_one_page_with_its_cursor) {
  mock_fixture f(30);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  openai::list_completions_params params;
  params.limit = 10;
  auto p = run(io, client.list_completions(params));
  BOOST_TEST(p.data().size() == 10u);
  BOOST_TEST(p.has_more());
  BOOST_TEST(*p.first_id() == f.id(1));
  BOOST_TEST(*p.last_id() == f.id(10));
  BOOST_TEST(*p.next_after() == f.id(10));
}

BOOST_AUTO_TEST_CASE(list_filters_by_metadata) {
  mock_fixture f(30);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto p = run(io, [&]() -> asio::awaitable<openai::completion_page> {
    for (int i : {3, 7, 11}) co_await client.update_completion(f.id(i), {{"run", "b 7"}});
    openai::list_completions_params params;
    params.metadata.insert_or_assign("run", "b 7");
    co_return co_await client.list_completions(params);
  }());
  BOOST_TEST_REQUIRE(p.data().size() == 3u);
  BOOST_TEST(p.data()[1].id() == f.id(7));
  BOOST_TEST(!p.has_more());
}

BOOST_AUTO_TEST_CASE(pager_walks_every_page_in_order) {
  mock_fixture f(70);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  std::vector<std::string> ids;
  std::size_t pages = 0;
  run(io, [&]() -> asio::awaitable<void> {
    openai::list_completions_params params;
    params.limit = 20;
    auto pager = client.list_all_completions(params);
    while (auto c = co_await pager.next()) ids.emplace_back(c->id());
    pages = pager.pages();
  }());
  BOOST_TEST(ids.size() == 70u);
  BOOST_TEST(pages == 4u);
  BOOST_TEST(std::set<std::string>(ids.begin(), ids.end()).size() == 70u);
  BOOST_TEST(ids.front() == f.id(1));
  BOOST_TEST(ids.back() == f.id(70));
}

BOOST_AUTO_TEST_CASE(pager_fetches_the_next_page_only_when_needed) {
  mock_fixture f(70);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  run(io, [&]() -> asio::awaitable<void> {
    openai::list_completions_params params;
    params.limit = 20;
    auto pager = client.list_all_completions(params);
    for (int i = 0; i < 20; ++i) co_await pager.next();
    BOOST_TEST(pager.pages() == 1u);
    co_await pager.next();
    BOOST_TEST(pager.pages() == 2u);
  }());
  BOOST_TEST(f.mock().stats().requests == 2u);
}

BOOST_AUTO_TEST_CASE(messages_list_returns_the_stored_messages) {
  mock_fixture f(3);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  auto p = run(io, client.list_completion_messages(f.id(1)));
  BOOST_TEST_REQUIRE(!p.data().empty());
  BOOST_TEST(!p.data()[0].id().empty());
  BOOST_TEST(!p.data()[0].role().empty());
  std::size_t walked = 0;
  run(io, [&]() -> asio::awaitable<void> {
    auto pager = client.list_all_completion_messages(f.id(1));
    while (co_await pager.next()) ++walked;
  }());
  BOOST_TEST(walked == p.data().size());
}

BOOST_AUTO_TEST_CASE(invalid_list_parameters_send_nothing) {
  mock_fixture f(3);
  asio::io_context io;
  openai::client client(io.get_executor(), f.options());
  openai::list_completions_params params;
  params.limit = 500;
  BOOST_CHECK_THROW(run(io, client.list_completions(params)), openai::validation_error);
  BOOST_CHECK_THROW(run(io, client.retrieve_completion("")), openai::validation_error);
  BOOST_TEST(f.mock().stats().requests == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
