// One hostile stream among many on one HTTP/2 connection: a connection error caused by one
// stream's frames (openai-mock's hostile faults) fails that one call with a bad_response that
// says what the server did; every other call in flight on the connection goes to a new one
// and succeeds. max_retries = 1: a call the server had seen is another attempt, one it had not
// is sent again without counting one.
#include <boost/test/unit_test.hpp>
#include <string>

#include "h2_helpers.hpp"

using namespace std::chrono_literals;
using namespace test_support;
using openai_mock::fault_action;
using openai_mock::fault_plan;

namespace {

constexpr int others = 60;
constexpr std::size_t stored = others + 2;
const std::string warm_id = mock_fixture::id(stored);  // never faulted
const std::string hostile_id = mock_fixture::id(others / 2);

// Calls 1..others+1 on one warm connection, all held 300 ms (so that they are in flight), but
// the hostile one, whose stream gets `fault`; then `check` looks at what they came to.
template <typename Check>
void many_calls_one_hostile(fault_action fault, unsigned max_retries, Check check) {
  plans_by_id plans(delayed(300ms));
  plans.then(hostile_id, fault_plan::make(fault)).then(warm_id, fault_plan::ok());
  mock_fixture f(stored, plans.decider());
  boost::asio::io_context io;
  auto o = h2_options(f);
  o.max_retries = max_retries;
  openai::client client(io.get_executor(), o);
  test_support::warm_up(io, client, warm_id);
  outcomes calls;
  for (int i = 1; i <= others + 1; ++i) calls.start(client, f.id(i));
  io.run();
  for (const auto& [id, c] : calls.by_id) BOOST_TEST(c.done, id << " never completed");
  check(calls, f);
}

// The hostile stream breaks the connection. said: what its call's error must say; empty when
// the fault is the connection's (a flood), so that the hostile call goes elsewhere too.
void one_hostile_stream_among_many(fault_action fault, std::string_view said) {
  many_calls_one_hostile(fault, 1, [&](const outcomes& calls, mock_fixture& f) {
    for (const auto& [id, c] : calls.by_id) {
      if (id == hostile_id && !said.empty()) {
        BOOST_TEST((c.ec == openai::errc::bad_response), id << ": " << c.ec.message());
        BOOST_TEST(c.diag.attempts == 1u);
        BOOST_TEST(c.diag.message.find(said) != std::string::npos, c.diag.message);
        BOOST_TEST(stored_tag(f, id).empty());
      } else {
        BOOST_TEST(!c.ec, id << ": " << c.ec.message() << ": " << c.diag.message);
        BOOST_TEST(c.diag.attempts <= 2u, id << " took " << c.diag.attempts << " attempts");
        BOOST_TEST(stored_tag(f, id) == "yes", id);
      }
    }
    const auto stats = f.mock().stats();
    BOOST_TEST(kind_count(stats, std::string(openai_mock::fault_action_name(fault))) == 1u);
    BOOST_TEST(stats.h2_connections >= 2u);  // the broken one, and where the others went
  });
}

// The hostile one's answer is a header bomb the client refuses on that stream alone: with no
// retries, the connection goes on serving the others.
void one_refused_stream_among_many(fault_action fault) {
  many_calls_one_hostile(fault, 0, [&](const outcomes& calls, mock_fixture& f) {
    for (const auto& [id, c] : calls.by_id) {
      if (id == hostile_id)
        BOOST_TEST((c.ec == openai::errc::bad_response), id << ": " << c.ec.message());
      else
        BOOST_TEST(!c.ec, id << ": " << c.ec.message() << ": " << c.diag.message);
    }
    BOOST_TEST(f.mock().stats().h2_connections == 1u);
  });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http2_isolation)

BOOST_AUTO_TEST_CASE(a_continuation_flood_fails_only_its_call) {
  one_hostile_stream_among_many(fault_action::continuation_flood, "CONTINUATION");
}

BOOST_AUTO_TEST_CASE(a_push_promise_fails_only_its_call) {
  one_hostile_stream_among_many(fault_action::push_promise, "PUSH_PROMISE");
}

BOOST_AUTO_TEST_CASE(a_header_block_hpack_cannot_decode_fails_only_its_call) {
  one_hostile_stream_among_many(fault_action::bad_hpack, "COMPRESSION_ERROR");
}

BOOST_AUTO_TEST_CASE(a_frame_too_large_fails_only_its_call) {
  one_hostile_stream_among_many(fault_action::oversized_frame, "FRAME_SIZE_ERROR");
}

BOOST_AUTO_TEST_CASE(a_ping_flood_sends_every_call_to_a_new_connection) {
  one_hostile_stream_among_many(fault_action::ping_flood, {});
}

BOOST_AUTO_TEST_CASE(a_settings_frame_of_too_many_entries_sends_every_call_to_a_new_connection) {
  one_hostile_stream_among_many(fault_action::many_settings, {});
}

BOOST_AUTO_TEST_CASE(
    a_bomb_of_many_small_header_fields_fails_only_its_call_and_keeps_the_connection) {
  one_refused_stream_among_many(fault_action::header_field_bomb);
}

BOOST_AUTO_TEST_CASE(headers_over_the_cap_fail_only_their_call_and_keep_the_connection) {
  one_refused_stream_among_many(fault_action::huge_headers);
}

BOOST_AUTO_TEST_SUITE_END()
