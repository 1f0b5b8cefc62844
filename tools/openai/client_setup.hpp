// The library's options for one command line, and the secrets its messages must never show.
// No I/O: the unit tests check the wiring of every flag into openai::client_options.
//
//   openai::client_options o = client_options_of(inv.global, &std::cerr);
#pragma once

#include <iosfwd>
#include <openai/options.hpp>
#include <string>
#include <vector>

#include "args.hpp"

namespace openai_cli {

// g.client (the environment through client_options::from_env, the flags over it) with
// --max-retries, --timeout and, with --debug and a stream, the library's debug_log printed on
// debug_to as debug_line() shows it.
openai::client_options client_options_of(const global_options& g, std::ostream* debug_to);

// What must never be printed: the API key, and the password of every proxy URL the options
// hold (as written and percent-decoded). Empty strings left out.
std::vector<std::string> secrets_of(const openai::client_options& o);

// text with every secret of o (or of the list) replaced by "[redacted]", by openai::redact.
std::string redact_secrets(std::string text, const openai::client_options& o);
std::string redact_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace openai_cli
