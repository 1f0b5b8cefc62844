// An answer is for the request that asked: update, retrieve and delete check the returned id
// against the requested one (client_options::verify_response_id), against openai-mock answering
// with another completion.
#include "fault_helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

namespace asio = boost::asio;
using test_support::mock_fixture;
using test_support::quick;
using test_support::run;
using test_support::scripted;

namespace {

const std::string other_id = "chatcmpl-someone-else";

// A 200 carrying another completion (or its deletion status).
openai_mock::fault_step answer_for_another(bool deletion = false) {
  auto s = openai_mock::fault_plan::error(200);
  s.reply.headers["content-type"] = "application/json";
  s.reply.body = deletion ? R"({"id":")" + other_id +
                                R"(","object":"chat.completion.deleted","deleted":true})"
                          : R"({"id":")" + other_id +
                                R"(","object":"chat.completion","created":1,"model":"gpt-4o",)"
                                R"("choices":[],"metadata":{"k":"v"}})";
  return s;
}

template <typename Op>
void expect_mismatch(Op op, mock_fixture& f, asio::io_context& io, openai::client& client) {
  try {
    op();
    BOOST_FAIL("an answer for another completion was accepted");
  } catch (const openai::bad_response_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find(other_id) != std::string::npos, what);
    BOOST_TEST(what.find(f.id(1)) != std::string::npos, what);
    BOOST_TEST(e.attempts() == 1u);
  }
  // The connection that carried it is gone: the next call needs a new handshake.
  auto c = run(io, client.retrieve_completion(f.id(2)));
  BOOST_TEST(c.id() == f.id(2));
  BOOST_TEST(f.mock().stats().tls_handshakes == 2u);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(answer_identity)

BOOST_AUTO_TEST_CASE(an_update_answered_with_another_completion_is_a_bad_response) {
  mock_fixture f(scripted({answer_for_another()}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  expect_mismatch([&] { run(io, client.update_completion(f.id(1), {{"k", "v"}})); }, f, io,
                  client);
}

BOOST_AUTO_TEST_CASE(a_retrieve_answered_with_another_completion_is_a_bad_response) {
  mock_fixture f(scripted({answer_for_another()}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  expect_mismatch([&] { run(io, client.retrieve_completion(f.id(1))); }, f, io, client);
}

BOOST_AUTO_TEST_CASE(a_delete_answered_for_another_completion_is_a_bad_response) {
  mock_fixture f(scripted({answer_for_another(true)}));
  asio::io_context io;
  openai::client client(io.get_executor(), quick(f.options(), 2));
  expect_mismatch([&] { run(io, client.delete_completion(f.id(1))); }, f, io, client);
}

BOOST_AUTO_TEST_CASE(verify_response_id_off_accepts_an_answer_with_another_id) {
  mock_fixture f(scripted({answer_for_another()}));
  auto options = quick(f.options(), 0);
  options.verify_response_id = false;
  asio::io_context io;
  openai::client client(io.get_executor(), options);
  auto c = run(io, client.update_completion(f.id(1), {{"k", "v"}}));
  BOOST_TEST(c.id() == other_id);
}

BOOST_AUTO_TEST_SUITE_END()
