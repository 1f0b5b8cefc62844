#include <openai/error.hpp>
#include <openai/metadata.hpp>

#include <boost/test/unit_test.hpp>

namespace {

openai::metadata pairs(std::size_t n) {
  openai::metadata md;
  for (std::size_t i = 0; i < n; ++i) md.emplace("key" + std::to_string(i), "value");
  return md;
}

std::string repeat(std::string_view unit, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += unit;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metadata)

BOOST_AUTO_TEST_CASE(accepts_empty_metadata) {
  BOOST_TEST(openai::metadata_violations({}).empty());
}

BOOST_AUTO_TEST_CASE(accepts_sixteen_pairs) {
  BOOST_TEST(openai::metadata_violations(pairs(16)).empty());
}

BOOST_AUTO_TEST_CASE(rejects_seventeen_pairs) {
  auto v = openai::metadata_violations(pairs(17));
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].find("17 pairs") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(accepts_key_of_sixty_four_characters) {
  BOOST_TEST(openai::metadata_violations({{std::string(64, 'k'), "v"}}).empty());
}

BOOST_AUTO_TEST_CASE(rejects_key_of_sixty_five_characters) {
  auto v = openai::metadata_violations({{std::string(65, 'k'), "v"}});
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].find("65 characters") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(accepts_value_of_five_hundred_twelve_characters) {
  BOOST_TEST(openai::metadata_violations({{"k", std::string(512, 'v')}}).empty());
}

BOOST_AUTO_TEST_CASE(rejects_value_of_five_hundred_thirteen_characters) {
  auto v = openai::metadata_violations({{"k", std::string(513, 'v')}});
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].find("513 characters") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(counts_multibyte_characters_as_one_each) {
  // 64 x "é" is 128 bytes but 64 characters; 512 x "€" (3 bytes) and 512 x "😀" (4 bytes).
  BOOST_TEST(openai::metadata_violations({{repeat("é", 64), repeat("€", 512)}}).empty());
  BOOST_TEST(openai::metadata_violations({{"k", repeat("😀", 512)}}).empty());
  BOOST_TEST(openai::metadata_violations({{repeat("é", 65), "v"}}).size() == 1u);
  BOOST_TEST(openai::metadata_violations({{"k", repeat("😀", 513)}}).size() == 1u);
}

BOOST_AUTO_TEST_CASE(rejects_invalid_utf8_in_keys_and_values) {
  BOOST_TEST(openai::metadata_violations({{"k\xff", "v"}}).size() == 1u);
  BOOST_TEST(openai::metadata_violations({{"k", "\xc3"}}).size() == 1u);        // truncated
  BOOST_TEST(openai::metadata_violations({{"k", "\xc0\xaf"}}).size() == 1u);    // overlong '/'
  BOOST_TEST(openai::metadata_violations({{"k", "\xed\xa0\x80"}}).size() == 1u);  // surrogate
  BOOST_TEST(openai::metadata_violations({{"k", "\xf4\x90\x80\x80"}}).size() == 1u);  // > U+10FFFF
}

BOOST_AUTO_TEST_CASE(does_not_echo_invalid_bytes_in_messages) {
  auto v = openai::metadata_violations({{"bad\xff", "v"}});
  BOOST_TEST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].find('\xff') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(names_every_violation) {
  auto md = pairs(17);
  md.emplace(std::string(65, 'k'), std::string(513, 'v'));
  auto v = openai::metadata_violations(md);
  BOOST_TEST(v.size() == 3u);  // count, key, value
}

BOOST_AUTO_TEST_CASE(validate_throws_validation_error_listing_violations) {
  auto md = pairs(17);
  md.emplace(std::string(65, 'k'), "v");
  try {
    openai::validate(md);
    BOOST_FAIL("validate accepted invalid metadata");
  } catch (const openai::validation_error& e) {
    BOOST_TEST(e.violations().size() == 2u);
    BOOST_TEST((e.code() == openai::errc::invalid_argument));
    BOOST_TEST(std::string(e.what()).find("18 pairs") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("65 characters") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(utf8_length_counts_code_points) {
  BOOST_TEST(openai::utf8_length("") == 0u);
  BOOST_TEST(openai::utf8_length("abc") == 3u);
  BOOST_TEST(openai::utf8_length("h\xc3\xa9llo") == 5u);
  BOOST_TEST(openai::utf8_length("\xe2\x82\xac") == 1u);
  BOOST_TEST(openai::utf8_length("\xf0\x9f\x98\x80") == 1u);
  BOOST_TEST(openai::utf8_length("\x80") == std::string_view::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(metadata_messages)

BOOST_AUTO_TEST_CASE(value_messages_do_not_echo_an_invalid_key) {
  auto v = openai::metadata_violations({{"k\xff", std::string(600, 'v')}});
  BOOST_TEST_REQUIRE(v.size() == 2u);
  for (const auto& m : v) BOOST_TEST(openai::utf8_length(m) != std::string_view::npos, m);
}

BOOST_AUTO_TEST_SUITE_END()
