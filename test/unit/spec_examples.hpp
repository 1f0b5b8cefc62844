// Reads example response bodies out of the official spec (../shared/openapi/openapi.yaml) with a
// line scanner: the examples are JSON inside YAML block scalars, which is all this needs to read.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace spec {

inline bool available() { return std::filesystem::exists(OPENAI_SPEC_PATH); }

inline std::string read_all() {
  std::ifstream in(OPENAI_SPEC_PATH);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The block scalar that follows the first line starting with `marker` (after leading spaces)
// at or after `from`.
inline std::string block_after(const std::string& text, std::size_t from, std::string_view marker) {
  std::istringstream in(text.substr(from));
  std::string line, block;
  bool found = false;
  std::size_t indent = std::string::npos;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(' ');
    if (!found) {
      found = first != std::string::npos && line.compare(first, marker.size(), marker) == 0;
      continue;
    }
    if (first == std::string::npos) {
      block += '\n';
      continue;
    }
    if (indent == std::string::npos) indent = first;
    if (first < indent) break;
    block += line.substr(indent) + '\n';
  }
  return block;
}

// The example response of an operation (x-oaiMeta.examples.response).
inline std::string operation_example(const std::string& text, std::string_view operation_id) {
  const auto at = text.find("operationId: " + std::string(operation_id));
  if (at == std::string::npos) return {};
  return block_after(text, at, "response:");
}

// The example of a schema (x-oaiMeta.example).
inline std::string schema_example(const std::string& text, std::string_view schema) {
  const auto at = text.find("\n    " + std::string(schema) + ":\n");
  if (at == std::string::npos) return {};
  return block_after(text, at, "example:");
}

}  // namespace spec
