// Compares indented_json and coloured_json with the official CLI's layout: reads the corpus
// (one JSON text a line, // comments and blank lines skipped) and the oracle's output (two JSON
// strings per corpus line: indented, coloured), and reports every text laid out differently.
// Exit 0 when all agree.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <iostream>
#include <string>

#include "json_layout.hpp"

namespace json = boost::json;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: json_layout_compare CORPUS ORACLE_OUTPUT\n";
    return 2;
  }
  std::ifstream corpus(argv[1]), oracle(argv[2]);
  std::string line, indented, coloured;
  int cases = 0, failures = 0;
  while (std::getline(corpus, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos || line.starts_with("//")) continue;
    if (!std::getline(oracle, indented) || !std::getline(oracle, coloured)) {
      std::cout << "the oracle's output ends early\n";
      return 1;
    }
    const std::string want_indented(json::parse(indented).as_string());
    const std::string want_coloured(json::parse(coloured).as_string());
    const std::string ours = openai_cli::indented_json(line);
    for (const auto& [what, got, want] :
         {std::tuple{"indented", ours, want_indented},
          std::tuple{"coloured", openai_cli::coloured_json(ours), want_coloured}}) {
      ++cases;
      if (got == want) continue;
      ++failures;
      std::cout << "MISMATCH (" << what << ") for " << line.substr(0, 120)
                << "\n  pretty: " << json::serialize(json::string(want))
                << "\n  ours:   " << json::serialize(json::string(got)) << '\n';
    }
  }
  std::cout << "json layout conformance: " << (cases - failures) << " passed, " << failures
            << " failed\n";
  return failures == 0 && cases > 0 ? 0 : 1;
}
