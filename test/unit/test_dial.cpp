// The Happy Eyeballs decisions of transport/dial.hpp, without sockets or sleeping: the order of
// the addresses, when each attempt starts, and the memory of the address that answered.
#include "transport/dial.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using openai::detail::address_memory;
using openai::detail::attempt_order;
using openai::detail::connection_attempt_delay;
using openai::detail::dial_schedule;
using tcp = asio::ip::tcp;
using step = dial_schedule::step;

namespace {

tcp::endpoint ep(const char* address, unsigned short port = 443) {
  return {asio::ip::make_address(address), port};
}

const dial_schedule::clock::time_point t0{std::chrono::seconds(1000)};

}  // namespace

BOOST_AUTO_TEST_SUITE(attempt_order_rules)

BOOST_AUTO_TEST_CASE(alternates_families_starting_with_the_first_resolved) {
  const auto order = attempt_order({ep("::1"), ep("::2"), ep("::3"), ep("10.0.0.1"), ep("10.0.0.2")},
                                   std::nullopt);
  const std::vector<tcp::endpoint> expected{ep("::1"), ep("10.0.0.1"), ep("::2"), ep("10.0.0.2"),
                                            ep("::3")};
  BOOST_TEST(order == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_ipv4_first_answer_leads_with_ipv4) {
  const auto order = attempt_order({ep("10.0.0.1"), ep("10.0.0.2"), ep("::1")}, std::nullopt);
  const std::vector<tcp::endpoint> expected{ep("10.0.0.1"), ep("::1"), ep("10.0.0.2")};
  BOOST_TEST(order == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_remembered_address_goes_first_and_its_family_leads) {
  const auto order = attempt_order({ep("::1"), ep("::2"), ep("10.0.0.1"), ep("10.0.0.2")},
                                   ep("10.0.0.2"));
  const std::vector<tcp::endpoint> expected{ep("10.0.0.2"), ep("::1"), ep("10.0.0.1"), ep("::2")};
  BOOST_TEST(order == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_remembered_address_no_longer_resolved_is_ignored) {
  const auto order = attempt_order({ep("::1"), ep("10.0.0.1")}, ep("10.9.9.9"));
  const std::vector<tcp::endpoint> expected{ep("::1"), ep("10.0.0.1")};
  BOOST_TEST(order == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dial_schedule_rules)

BOOST_AUTO_TEST_CASE(the_attempt_delay_is_rfc_8305s_recommendation) {
  BOOST_TEST(connection_attempt_delay.count() == 250);
}

BOOST_AUTO_TEST_CASE(starts_one_attempt_then_waits_for_the_attempt_delay) {
  dial_schedule s(3, connection_attempt_delay);
  const auto first = s.next(t0);
  BOOST_TEST(first.what == step::start);
  BOOST_TEST(first.index == 0u);
  const auto then = s.next(t0 + std::chrono::milliseconds(10));
  BOOST_TEST(then.what == step::wait);
  BOOST_TEST((then.until == t0 + connection_attempt_delay));
}

BOOST_AUTO_TEST_CASE(an_unanswered_attempt_gets_the_next_started_beside_it_after_the_delay) {
  dial_schedule s(3, connection_attempt_delay);
  s.next(t0);
  const auto second = s.next(t0 + connection_attempt_delay);
  BOOST_TEST(second.what == step::start);
  BOOST_TEST(second.index == 1u);
  // Both still in flight: the third waits its own delay from the second's start.
  const auto then = s.next(t0 + connection_attempt_delay);
  BOOST_TEST(then.what == step::wait);
  BOOST_TEST((then.until == t0 + 2 * connection_attempt_delay));
}

BOOST_AUTO_TEST_CASE(a_refused_attempt_starts_the_next_at_once) {
  dial_schedule s(3, connection_attempt_delay);
  s.next(t0);
  s.failed(0);
  const auto next = s.next(t0 + std::chrono::milliseconds(1));
  BOOST_TEST(next.what == step::start);
  BOOST_TEST(next.index == 1u);
}

BOOST_AUTO_TEST_CASE(a_failure_beside_a_pending_attempt_still_starts_the_next_at_once) {
  dial_schedule s(3, connection_attempt_delay);
  s.next(t0);
  s.next(t0 + connection_attempt_delay);  // attempt 1 beside the unanswered 0
  s.failed(1);
  const auto next = s.next(t0 + connection_attempt_delay + std::chrono::milliseconds(1));
  BOOST_TEST(next.what == step::start);
  BOOST_TEST(next.index == 2u);
}

BOOST_AUTO_TEST_CASE(the_first_to_connect_wins_even_when_a_later_one_also_does) {
  dial_schedule s(2, connection_attempt_delay);
  s.next(t0);
  s.next(t0 + connection_attempt_delay);
  s.connected(1);
  s.connected(0);
  const auto done = s.next(t0 + connection_attempt_delay);
  BOOST_TEST(done.what == step::connected);
  BOOST_TEST(done.index == 1u);
}

BOOST_AUTO_TEST_CASE(fails_only_when_every_attempt_failed) {
  dial_schedule s(2, connection_attempt_delay);
  s.next(t0);
  s.failed(0);
  s.next(t0);
  BOOST_TEST(s.next(t0).what == step::wait);  // attempt 1 still in flight
  s.failed(1);
  BOOST_TEST(s.next(t0).what == step::failed);
}

BOOST_AUTO_TEST_CASE(with_every_attempt_started_it_waits_for_an_answer_without_limit) {
  dial_schedule s(1, connection_attempt_delay);
  s.next(t0);
  const auto then = s.next(t0 + std::chrono::hours(1));
  BOOST_TEST(then.what == step::wait);
  BOOST_TEST((then.until == dial_schedule::clock::time_point::max()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(address_memory_rules)

BOOST_AUTO_TEST_CASE(recalls_the_address_per_host_and_port) {
  address_memory m;
  BOOST_TEST(!m.recall("localhost", "443").has_value());
  m.remember("localhost", "443", ep("127.0.0.1"));
  m.remember("localhost", "8443", ep("::1", 8443));
  BOOST_TEST(*m.recall("localhost", "443") == ep("127.0.0.1"));
  BOOST_TEST(*m.recall("localhost", "8443") == ep("::1", 8443));
  BOOST_TEST(!m.recall("example.test", "443").has_value());
  m.remember("localhost", "443", ep("::1"));
  BOOST_TEST(*m.recall("localhost", "443") == ep("::1"));
}

BOOST_AUTO_TEST_CASE(is_safe_to_share_between_threads) {
  address_memory m;
  std::atomic<int> forgotten{0};  // Boost.Test's assertions are not for other threads
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&m, &forgotten, t] {
      for (int i = 0; i < 1000; ++i) {
        m.remember("h", "1", ep(t % 2 ? "::1" : "127.0.0.1", 1));
        if (!m.recall("h", "1")) ++forgotten;
      }
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(forgotten.load() == 0);
  const auto last = *m.recall("h", "1");
  BOOST_TEST((last == ep("::1", 1) || last == ep("127.0.0.1", 1)));
}

BOOST_AUTO_TEST_SUITE_END()
