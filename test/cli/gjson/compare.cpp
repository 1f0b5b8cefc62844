// Compares gjson_get with the reference GJSON: reads the oracle's lines
// ("DOC<TAB>PATH<TAB>found<TAB>VALUE"), evaluates each path on DOCS_DIR/DOC.json here, and
// reports every path whose presence or value differs (values compared as JSON, so 1.0 and 1
// or spacing do not count). Exit 0 when all agree.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "gjson_path.hpp"

namespace json = boost::json;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: gjson_compare DOCS_DIR ORACLE_OUTPUT\n";
    return 2;
  }
  std::map<std::string, json::value> docs;
  std::ifstream oracle(argv[2]);
  std::string line;
  int cases = 0, failures = 0;
  while (std::getline(oracle, line)) {
    std::istringstream fields(line);
    std::string doc, path, found, value;
    std::getline(fields, doc, '\t');
    std::getline(fields, path, '\t');
    std::getline(fields, found, '\t');
    std::getline(fields, value);
    if (!docs.contains(doc)) {
      std::ifstream in(std::string(argv[1]) + "/" + doc + ".json");
      std::stringstream text;
      text << in.rdbuf();
      docs[doc] = json::parse(text.str());
    }
    ++cases;
    const std::optional<json::value> ours = openai_cli::gjson_get(docs[doc], path);
    bool same = ours.has_value() == (found == "1");
    if (same && ours) {
      boost::system::error_code ec;
      const json::value expected = json::parse(value, ec);
      auto numbers_equal = [](const json::value& a, const json::value& b) {
        return a.is_number() && b.is_number() && a.to_number<double>() == b.to_number<double>();
      };
      same = !ec && (expected == *ours || numbers_equal(expected, *ours) ||
                     json::serialize(expected) == json::serialize(*ours));
    }
    if (!same) {
      ++failures;
      std::cout << "MISMATCH " << doc << " '" << path << "': gjson "
                << (found == "1" ? value : "<no match>") << ", ours "
                << (ours ? json::serialize(*ours) : "<no match>") << '\n';
    }
  }
  std::cout << "gjson conformance: " << (cases - failures) << " passed, " << failures
            << " failed\n";
  return failures == 0 && cases > 0 ? 0 : 1;
}
