#include <boost/test/unit_test.hpp>

#include "metadata_syntax.hpp"

using namespace openai_cli;

namespace {

openai::metadata parse(std::string_view text) {
  std::optional<openai::metadata> md = parse_metadata_text(text);
  BOOST_REQUIRE(md.has_value());
  return *md;
}

bool rejects(std::string_view text, std::string_view fragment) {
  try {
    parse_metadata_text(text);
  } catch (const usage_error& e) {
    if (std::string_view(e.what()).find(fragment) != std::string_view::npos) return true;
    BOOST_TEST_MESSAGE("message was: " << e.what());
  }
  return false;
}

const file_reader no_files = [](const std::string& path) -> std::string {
  throw usage_error("cannot read metadata file '" + path + "'");
};

}  // namespace

BOOST_AUTO_TEST_SUITE(metadata_syntax)

BOOST_AUTO_TEST_CASE(reads_the_documented_flow_mapping) {
  BOOST_TEST((parse("{foo: string}") == openai::metadata{{"foo", "string"}}));
}

BOOST_AUTO_TEST_CASE(reads_quoted_keys_with_spaces) {
  BOOST_TEST((parse(R"({foo: string, "two words": x})") ==
              openai::metadata{{"foo", "string"}, {"two words", "x"}}));
  BOOST_TEST((parse("{'it''s': 'a b'}") == openai::metadata{{"it's", "a b"}}));
}

BOOST_AUTO_TEST_CASE(reads_json) {
  BOOST_TEST((parse(R"({"foo":"bar","n":"5"})") == openai::metadata{{"foo", "bar"}, {"n", "5"}}));
  BOOST_TEST((parse(" {\n  \"a\": \"b\"\n}\n") == openai::metadata{{"a", "b"}}));
}

BOOST_AUTO_TEST_CASE(decodes_json_escapes_to_utf8) {
  BOOST_TEST((parse(R"({"k": "a\"b\\c\n\u00e9\ud83d\ude00"})") ==
              openai::metadata{{"k", "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80"}}));
}

BOOST_AUTO_TEST_CASE(keeps_unquoted_scalars_as_strings) {
  BOOST_TEST(
      (parse("{n: 5, b: true, f: 1.50, u: http://x/y?a=b, h: a#42}") ==
       openai::metadata{
           {"n", "5"}, {"b", "true"}, {"f", "1.50"}, {"u", "http://x/y?a=b"}, {"h", "a#42"}}));
  BOOST_TEST((parse(R"({"n": 5})") == openai::metadata{{"n", "5"}}));
  BOOST_TEST((parse("{ spaced  value : two words  }") ==
              openai::metadata{{"spaced  value", "two words"}}));
}

// YAML 1.2 (and the official CLI's Go yaml.v3): '#' after a space starts a comment, so
// '{h: #42}' is an unclosed mapping; the text "#42" needs quotes.
BOOST_AUTO_TEST_CASE(reads_a_space_and_hash_as_a_comment_as_yaml_does) {
  BOOST_TEST(rejects("{h: #42}", "not valid YAML"));
  BOOST_TEST(rejects("{h: #42}", "' #' starts a YAML comment: quote a value such as \"#42\""));
  BOOST_TEST((parse(R"({h: "#42"})") == openai::metadata{{"h", "#42"}}));
  BOOST_TEST((parse("{a: b,  # why\n c: d}  # note") ==
              openai::metadata{{"a", "b"}, {"c", "d"}}));
}

BOOST_AUTO_TEST_CASE(expands_yaml_aliases) {
  BOOST_TEST((parse("{a: &x b, c: *x}") == openai::metadata{{"a", "b"}, {"c", "b"}}));
}

BOOST_AUTO_TEST_CASE(reads_empty_mappings_and_trailing_commas) {
  BOOST_TEST(parse("{}").empty());
  BOOST_TEST(parse(" { } ").empty());
  BOOST_TEST((parse("{a: b,}") == openai::metadata{{"a", "b"}}));
}

BOOST_AUTO_TEST_CASE(reads_null_as_no_mapping) {
  BOOST_TEST(!parse_metadata_text("null").has_value());
  BOOST_TEST(!parse_metadata_text("  null\n").has_value());
  BOOST_TEST(!parse_metadata_argument("null", no_files).has_value());
}

BOOST_AUTO_TEST_CASE(rejects_nested_objects_and_arrays) {
  BOOST_TEST(rejects(R"({"a": {"b": "c"}})", "nested objects"));
  BOOST_TEST(rejects("{a: [1, 2]}", "nested arrays"));
  BOOST_TEST(rejects("{a: b[1]}", "missing comma"));
  BOOST_TEST(rejects("[a, b]", "not a list"));
}

BOOST_AUTO_TEST_CASE(rejects_null_values_missing_values_and_duplicates) {
  BOOST_TEST(rejects("{a: null}", "null value"));
  BOOST_TEST(rejects(R"({"a": null})", "null value"));
  BOOST_TEST(rejects("{a: }", "has no value"));
  BOOST_TEST(rejects("{a}", "key 'a' has no value"));  // YAML: a key with no value
  BOOST_TEST(rejects("{a: 1, a: 2}", "duplicate key at line 1, column 8"));
}

BOOST_AUTO_TEST_CASE(rejects_malformed_text_with_a_position) {
  BOOST_TEST(rejects("", "empty"));
  BOOST_TEST(rejects("foo=bar", "must be a mapping"));
  BOOST_TEST(rejects("{a: b", "missing comma in flow mapping at the end of the text"));
  BOOST_TEST(rejects(R"({"a: b})", "without closing quote at line 1"));
  BOOST_TEST(rejects("{a: b} x", "unexpected text after the value at line 1, column 8"));
  BOOST_TEST(rejects("{a: b}\n---\nc: d\n", "more than one YAML document"));
  BOOST_TEST(rejects(R"({"a": "\q"})", "invalid escape 'q'"));
  BOOST_TEST(rejects(R"({"a": "\ud800"})", "invalid UTF8 escape"));
  BOOST_TEST(rejects("{a: b c, d e}", "key 'd e' has no value"));  // YAML: 'd e' is a key
  BOOST_TEST(rejects("{a: b[1]}", "at line 1, column 6"));
  BOOST_TEST(rejects("{\n  a: b,\n  a: c\n}", "duplicate key at line 3, column 3"));
}

BOOST_AUTO_TEST_CASE(reads_at_path_through_the_reader) {
  std::string asked;
  const file_reader reader = [&](const std::string& path) {
    asked = path;
    return std::string("{from: file}\n");
  };
  BOOST_TEST((*parse_metadata_argument("@md.yaml", reader) == openai::metadata{{"from", "file"}}));
  BOOST_TEST(asked == "md.yaml");
  const file_reader null_file = [](const std::string&) { return std::string("null\n"); };
  BOOST_TEST(!parse_metadata_argument("@md.json", null_file).has_value());
}

BOOST_AUTO_TEST_CASE(names_the_file_in_errors_and_reports_unreadable_files) {
  const file_reader bad = [](const std::string&) { return std::string("{a: [1]}"); };
  try {
    parse_metadata_argument("@bad.yaml", bad);
    BOOST_TEST(false);
  } catch (const usage_error& e) {
    BOOST_TEST(std::string(e.what()).find("bad.yaml") != std::string::npos);
  }
  BOOST_CHECK_THROW(parse_metadata_argument("@missing", no_files), usage_error);
  BOOST_CHECK_THROW(parse_metadata_argument("@", no_files), usage_error);
  BOOST_CHECK_THROW(read_file_or_stdin("/nonexistent/openai-cli-test"), usage_error);
}

BOOST_AUTO_TEST_CASE(reads_list_filters_as_key_value_or_mapping) {
  BOOST_TEST((parse_metadata_filter("run=b7", no_files) == openai::metadata{{"run", "b7"}}));
  BOOST_TEST((parse_metadata_filter("eq=a=b", no_files) == openai::metadata{{"eq", "a=b"}}));
  BOOST_TEST((parse_metadata_filter("empty=", no_files) == openai::metadata{{"empty", ""}}));
  BOOST_TEST((parse_metadata_filter("{a: 1, b: 2}", no_files) ==
              openai::metadata{{"a", "1"}, {"b", "2"}}));
  BOOST_CHECK_THROW(parse_metadata_filter("novalue", no_files), usage_error);
  BOOST_CHECK_THROW(parse_metadata_filter("=x", no_files), usage_error);
}

BOOST_AUTO_TEST_CASE(reads_block_yaml) {
  BOOST_TEST((parse("foo: bar\nn: 5\nquoted: \"a: b\"\n") ==
              openai::metadata{{"foo", "bar"}, {"n", "5"}, {"quoted", "a: b"}}));
  BOOST_TEST((parse("# a comment\nurl: http://x/y?a=b\n") ==
              openai::metadata{{"url", "http://x/y?a=b"}}));
  BOOST_TEST(rejects("a:\n  b: c\n", "nested objects"));
  BOOST_TEST(rejects("a:\n  - 1\n", "nested arrays"));
  BOOST_TEST(rejects("a: ~\nb: c\n", "null value"));
  BOOST_TEST(rejects("a: b\na: c\n", "duplicate key at line 2"));
  BOOST_TEST(rejects("- a\n- b\n", "not a list"));
  BOOST_TEST(rejects("a: \"unterminated\nb: c\n", "line"));
}

BOOST_AUTO_TEST_CASE(resolves_file_references_inside_the_mapping) {
  std::vector<std::string> asked;
  const file_reader reader = [&](const std::string& path) {
    asked.push_back(path);
    return path == "bin" ? std::string("\x00\xff", 2) : std::string("text of ") + path;
  };
  const auto md = parse_metadata_argument(
      R"({a: "@notes.txt", b: "@file://f.txt", c: "@data://d.txt", d: "\\@literal", e: "@bin", f: plain})",
      reader);
  BOOST_REQUIRE(md.has_value());
  BOOST_TEST(md->at("a") == "text of notes.txt");
  BOOST_TEST(md->at("b") == "text of f.txt");
  BOOST_TEST(md->at("c") == "dGV4dCBvZiBkLnR4dA==");  // base64 of "text of d.txt"
  BOOST_TEST(md->at("d") == "@literal");
  BOOST_TEST(md->at("e") == "AP8=");  // not text: base64
  BOOST_TEST(md->at("f") == "plain");
  BOOST_TEST((asked == std::vector<std::string>{"notes.txt", "f.txt", "d.txt", "bin"}));
  BOOST_CHECK_THROW(parse_metadata_argument("{a: \"@missing.txt\"}", no_files), usage_error);
  BOOST_CHECK_THROW(parse_metadata_argument("{a: \"@dir/missing\"}", no_files), usage_error);
  // A handle, not a file: kept as text when no such file exists.
  BOOST_TEST(parse_metadata_argument("{a: \"@alice\"}", no_files)->at("a") == "@alice");
}

BOOST_AUTO_TEST_SUITE_END()
