// A base URL the test knows to be valid, parsed (the test fails at once when it is not).
#pragma once

#include "http/url.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

namespace test_support {

inline openai::detail::base_url target(const std::string& url) {
  std::string problem;
  auto u = openai::detail::parse_base_url(url, problem);
  BOOST_TEST_REQUIRE(u.has_value(), problem);
  return *u;
}

}  // namespace test_support
