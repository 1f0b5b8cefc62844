// Helpers for tests that script openai-mock's faults: steps, short deadlines, and the failure a
// call must end in.
#pragma once

#include "mock_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_support {

inline openai_mock::fault_step step(openai_mock::fault_action a) {
  return openai_mock::fault_plan::make(a);
}

inline openai_mock::fault_step with_header(openai_mock::fault_step s, std::string name,
                                           std::string value) {
  s.reply.headers[std::move(name)] = std::move(value);
  return s;
}

// Options for a mock that runs `steps` for completion 1.
inline openai_mock::server_options scripted(std::vector<openai_mock::fault_step> steps) {
  auto o = mock_fixture::default_options(5);
  o.script[mock_fixture::id(1)] = std::move(steps);
  return o;
}

// Short deadlines: a hang shows up as a failure, not a stuck test.
inline openai::client_options quick(openai::client_options o, unsigned max_retries) {
  o.timeout = std::chrono::seconds(2);
  o.connect_timeout = std::chrono::seconds(2);
  o.max_retries = max_retries;
  return o;
}

// Runs the update and returns the exception of type E it must fail with.
template <typename E>
E failure(boost::asio::io_context& io, openai::client& client, const std::string& id) {
  try {
    run(io, client.update_completion(id, {{"k", "v"}}));
  } catch (const E& e) {
    return e;
  }
  BOOST_FAIL("the update succeeded");
  throw std::logic_error("unreachable");
}

inline std::uint64_t kind_count(const openai_mock::server::counters& c, const std::string& kind) {
  auto it = c.faults_by_kind.find(kind);
  return it == c.faults_by_kind.end() ? 0 : it->second;
}

}  // namespace test_support
