#include "transport/pool_state.hpp"

#include <boost/test/unit_test.hpp>

using state = openai::detail::pool_state<int, int>;
using kind = state::acquire_result::kind;

BOOST_AUTO_TEST_SUITE(pool_state)

BOOST_AUTO_TEST_CASE(opens_connections_up_to_the_limit_then_asks_to_wait) {
  state s(2);
  BOOST_TEST(s.try_acquire().what == kind::open_new);
  BOOST_TEST(s.try_acquire().what == kind::open_new);
  BOOST_TEST(s.try_acquire().what == kind::wait);
  BOOST_TEST(s.open() == 2u);
}

BOOST_AUTO_TEST_CASE(reuses_a_released_connection_instead_of_opening) {
  state s(2);
  s.try_acquire();
  s.release(7);
  auto r = s.try_acquire();
  BOOST_TEST(r.what == kind::reuse);
  BOOST_TEST(*r.connection == 7);
  BOOST_TEST(s.open() == 1u);
}

BOOST_AUTO_TEST_CASE(hands_the_warmest_idle_connection_out_first) {
  state s(2);
  s.try_acquire();
  s.try_acquire();
  s.release(1);
  s.release(2);
  BOOST_TEST(*s.try_acquire().connection == 2);
}

BOOST_AUTO_TEST_CASE(serves_waiters_in_fifo_order) {
  state s(1);
  s.try_acquire();
  s.enqueue(10);
  s.enqueue(11);
  auto first = s.release(5);
  BOOST_TEST(*first.waiter == 10);
  BOOST_TEST(*first.connection == 5);
  auto second = s.release(5);
  BOOST_TEST(*second.waiter == 11);
  BOOST_TEST(s.idle() == 0u);
}

BOOST_AUTO_TEST_CASE(a_discarded_connection_lets_the_next_waiter_open_one) {
  state s(1);
  s.try_acquire();
  s.enqueue(10);
  auto h = s.discard();
  BOOST_TEST(*h.waiter == 10);
  BOOST_TEST(!h.connection.has_value());
  BOOST_TEST(s.open() == 1u);  // the slot passed on, still counted
}

BOOST_AUTO_TEST_CASE(a_discard_without_waiters_frees_the_slot) {
  state s(1);
  s.try_acquire();
  s.discard();
  BOOST_TEST(s.open() == 0u);
  BOOST_TEST(s.try_acquire().what == kind::open_new);
}

BOOST_AUTO_TEST_CASE(a_cancelled_waiter_leaves_the_queue) {
  state s(1);
  s.try_acquire();
  s.enqueue(10);
  s.enqueue(11);
  BOOST_TEST(s.cancel_wait(10));
  BOOST_TEST(!s.cancel_wait(10));
  BOOST_TEST(*s.release(1).waiter == 11);
}

BOOST_AUTO_TEST_CASE(prefer_new_opens_while_under_the_limit_even_with_idle_connections) {
  state s(2);
  s.try_acquire();
  s.release(1);
  BOOST_TEST(s.try_acquire(true).what == kind::open_new);
  BOOST_TEST(s.idle() == 1u);
  // Full now: the idle one is handed out for the caller to replace.
  BOOST_TEST(s.try_acquire(true).what == kind::reuse);
}

BOOST_AUTO_TEST_CASE(expired_idle_connections_are_taken_out_and_uncounted) {
  state s(3);
  s.try_acquire();
  s.try_acquire();
  s.release(1);
  s.release(2);
  auto taken = s.take_idle_if([](int c) { return c == 1; });
  BOOST_TEST(taken.size() == 1u);
  BOOST_TEST(s.open() == 1u);
  BOOST_TEST(s.idle() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
