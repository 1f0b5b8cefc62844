#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "line_splitter.hpp"

using namespace openai_cli;

namespace {

// "text" for each line, "!N" for a line of N bytes that was too long.
std::vector<std::string> split(line_splitter& s, const std::vector<std::string>& chunks) {
  std::vector<std::string> out;
  auto drain = [&] {
    while (auto l = s.next())
      out.push_back(l->too_long ? "!" + std::to_string(l->bytes) : std::string(l->text));
  };
  for (const std::string& c : chunks) {
    s.feed(c);
    drain();
  }
  s.end();
  drain();
  return out;
}

using lines = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(line_splitter_suite)

BOOST_AUTO_TEST_CASE(splits_lines_within_and_across_chunks) {
  line_splitter s(100);
  BOOST_TEST((split(s, {"a\nbb", "b\n\nc", "c", "\n"}) == lines{"a", "bbb", "", "cc"}));
}

BOOST_AUTO_TEST_CASE(returns_a_last_line_without_newline) {
  line_splitter s(100);
  BOOST_TEST((split(s, {"a\nlast"}) == lines{"a", "last"}));
  line_splitter t(100);
  BOOST_TEST((split(t, {"a\n"}) == lines{"a"}));
  line_splitter empty(100);
  BOOST_TEST(split(empty, {}).empty());
}

BOOST_AUTO_TEST_CASE(a_line_over_the_bound_is_one_too_long_line_and_the_next_lines_follow) {
  line_splitter s(4);
  BOOST_TEST((split(s, {"ok\n12345\nabcd\nx"}) == lines{"ok", "!5", "abcd", "x"}));
}

BOOST_AUTO_TEST_CASE(a_too_long_line_across_many_chunks_keeps_no_more_than_the_bound) {
  line_splitter s(8);
  std::vector<std::string> chunks{"first\n"};
  for (int i = 0; i < 1000; ++i) chunks.push_back(std::string(1000, 'x'));
  chunks.push_back("tail\nnext\n");
  BOOST_TEST((split(s, chunks) == lines{"first", "!1000004", "next"}));
}

BOOST_AUTO_TEST_CASE(a_too_long_last_line_without_newline_is_reported_once) {
  line_splitter s(3);
  BOOST_TEST((split(s, {"a\n", "bbbb", "bbbb"}) == lines{"a", "!8"}));
}

BOOST_AUTO_TEST_CASE(a_line_exactly_at_the_bound_is_kept) {
  line_splitter s(4);
  BOOST_TEST((split(s, {"ab", "cd\n"}) == lines{"abcd"}));
}

BOOST_AUTO_TEST_SUITE_END()
