#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "help.hpp"
#include "json_layout.hpp"
#include "debug_lines.hpp"
#include "output.hpp"

using namespace openai_cli;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(output)

// --format json is laid out as the official CLI lays it out (cli_unit.json_layout_conformance
// checks a corpus against its own code); earlier releases of ours printed json on one line.
BOOST_AUTO_TEST_CASE(json_layout_indents_by_two_and_keeps_short_arrays_on_one_line) {
  BOOST_TEST(indented_json(R"({"z":1,"a":{"k":"v","e":{},"l":[]},"arr":[1,"x"],"o":[{"b":2}]})") ==
             "{\n"
             "  \"z\": 1,\n"
             "  \"a\": {\n"
             "    \"k\": \"v\",\n"
             "    \"e\": {},\n"
             "    \"l\": []\n"
             "  },\n"
             "  \"arr\": [1, \"x\"],\n"
             "  \"o\": [\n"
             "    {\n"
             "      \"b\": 2\n"
             "    }\n"
             "  ]\n"
             "}");
}

BOOST_AUTO_TEST_CASE(json_layout_keeps_scalars_as_written_and_parses_back) {
  const std::string text = R"({"s":"a\"b\n\u00e9","n":null,"d":1E0,"t":true})";
  BOOST_TEST(indented_json(text).find("\"d\": 1E0") != std::string::npos);
  BOOST_TEST(json::parse(indented_json(text)) == json::parse(text));
  BOOST_TEST(indented_json(text).find("\"s\": \"a\\\"b\\n\\u00e9\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(compact_json_is_one_line_in_key_order) {
  const json::object o = json::parse(R"({"b":{"c":[1,2]},"a":{}})").as_object();
  BOOST_TEST(compact_json(o) == R"({"b":{"c":[1,2]},"a":{}})");
}

BOOST_AUTO_TEST_CASE(maps_error_kinds_to_exit_statuses) {
  BOOST_TEST(exit_status_for(openai::errc::invalid_argument) == 2);
  BOOST_TEST(exit_status_for(openai::errc::invalid_configuration) == 2);
  BOOST_TEST(exit_status_for(openai::errc::not_found) == 1);
  BOOST_TEST(exit_status_for(openai::errc::authentication) == 1);
  BOOST_TEST(exit_status_for(openai::errc::network) == 1);
  BOOST_TEST(exit_status_for(openai::errc::timeout) == 1);
  BOOST_TEST(exit_status_for(openai::errc::bad_response) == 1);
}

BOOST_AUTO_TEST_CASE(api_errors_give_status_type_code_and_request_id_on_one_line) {
  openai::diagnostics d;
  d.status = 404;
  d.message = "No chat completion found\nwith id 'x'.";
  d.type = "invalid_request_error";
  d.request_id = "req_123";
  d.attempts = 1;
  const std::string line = format_error(openai::errc::not_found, d);
  BOOST_TEST(line ==
             "openai: error: HTTP 404 Not Found: No chat completion found with id 'x'. "
             "(type: invalid_request_error, code: none, request id: req_123)");
  d.code = "invalid_api_key";
  d.param = "metadata";
  d.attempts = 3;
  BOOST_TEST(
      format_error(openai::errc::authentication, d)
          .find("code: invalid_api_key, param: metadata, request id: req_123, attempts: 3") !=
      std::string::npos);
}

BOOST_AUTO_TEST_CASE(validation_errors_list_every_violation) {
  openai::diagnostics d;
  d.violations = {"too many pairs", "key too long"};
  BOOST_TEST(format_error(openai::errc::invalid_argument, d) ==
             "openai: invalid input, nothing sent: too many pairs; key too long");
}

BOOST_AUTO_TEST_CASE(network_errors_give_the_cause_and_attempts) {
  openai::diagnostics d;
  d.message = "connection refused";
  d.attempts = 3;
  BOOST_TEST(format_error(openai::errc::network, d) ==
             "openai: network error: connection refused (after 3 attempts)");
  d.attempts = 1;
  BOOST_TEST(format_error(openai::errc::timeout, d) == "openai: timeout: connection refused");
  BOOST_TEST(format_error(openai::errc::network, openai::diagnostics{}, "fallback") ==
             "openai: network error: fallback");
}

BOOST_AUTO_TEST_CASE(redacts_every_occurrence_of_the_key) {
  BOOST_TEST(redact("key sk-1 and sk-1!", "sk-1") == "key [redacted] and [redacted]!");
  BOOST_TEST(redact("nothing", "") == "nothing");
  BOOST_TEST(redact("aaaaaaaa", "aaaa") == "[redacted][redacted]");
  BOOST_TEST(redact("chatcmpl-mock", "k") == "chatcmpl-mock");
}

BOOST_AUTO_TEST_CASE(debug_lines_add_the_origin_to_the_librarys_lines) {
  const std::string origin = url_origin("https://h:8443/v1");
  BOOST_TEST(origin == "https://h:8443");
  BOOST_TEST(debug_line("openai-asio: -> POST /v1/chat/completions/x attempt 2", origin) ==
             "openai: debug: request POST https://h:8443/v1/chat/completions/x attempt 2 "
             "authorization: Bearer [redacted]");
  BOOST_TEST(debug_line("openai-asio: <- GET /v1/chat/completions?limit=2 attempt 1: 404 request "
                        "id req_9 in 12.0 ms",
                        origin) ==
             "openai: debug: response 404 GET https://h:8443/v1/chat/completions?limit=2 "
             "request-id: req_9 attempt: 1 elapsed: 12.0 ms");
  BOOST_TEST(debug_line("openai-asio: <- GET /v1/x attempt 1: network error (connection refused) "
                        "in 1.0 ms",
                        origin) ==
             "openai: debug: response failed GET https://h:8443/v1/x error: network error "
             "(connection refused) attempt: 1 elapsed: 1.0 ms");
  BOOST_TEST(debug_line("openai-asio:    Authorization: Bearer <REDACTED>", origin) ==
             "openai: debug:    Authorization: Bearer <REDACTED>");
  BOOST_TEST(url_origin("not a url").empty());
}

BOOST_AUTO_TEST_CASE(help_lists_every_flag_of_each_command) {
  for (command c :
       {command::none, command::completions, command::messages, command::update, command::retrieve,
        command::list, command::remove, command::update_many, command::messages_list}) {
    const std::string text = help_text(c);
    for (const flag_spec& f : flag_specs()) {
      const bool listed = text.find("--" + std::string(f.name)) != std::string::npos;
      if (f.commands.empty() || (flag_applies(f, c) && c != command::update_many))
        BOOST_TEST(listed, "help of '" << command_name(c) << "' lists --" << f.name);
    }
  }
  BOOST_TEST(help_text(command::none).find("chat:completions:messages list") != std::string::npos);
  BOOST_TEST(version_text().starts_with("openai "));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(output)

BOOST_AUTO_TEST_CASE(prints_doubles_as_people_write_them) {
  const json::value v =
      json::parse(R"({"t":1.0,"p":0.25,"big":1e300,"i":-3,"u":18446744073709551615})");
  BOOST_TEST(compact_json(v) ==
             R"({"t":1.0,"p":0.25,"big":1e+300,"i":-3,"u":18446744073709551615})");
  BOOST_TEST(json::parse(compact_json(v)) == v);
}

BOOST_AUTO_TEST_SUITE_END()
