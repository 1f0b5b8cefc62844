// parse_yaml through libfyaml, a YAML 1.2 parser: flow and block mappings, JSON (a subset of
// YAML 1.2, surrogate pairs included), comments, and an error for anything after the value.
// The rest of the CLI sees only Boost.JSON values.
#include <libfyaml.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "yaml_text.hpp"

namespace openai_cli {

namespace json = boost::json;

namespace {

struct diag_deleter {
  void operator()(fy_diag* d) const { fy_diag_destroy(d); }
};
struct parser_deleter {
  void operator()(fy_parser* p) const { fy_parser_destroy(p); }
};

std::string node_text(fy_node* n) {
  std::size_t len = 0;
  const char* s = fy_node_get_scalar(n, &len);
  return s ? std::string(s, len) : std::string();
}

// YAML 1.2's core schema: an unquoted null, ~, or nothing at all is null; every other scalar
// is kept as the text written ({n: 5} gives "5").
bool is_null_scalar(fy_node* n) {
  if (fy_node_get_style(n) != FYNS_PLAIN) return false;
  const std::string s = node_text(n);
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::string where(fy_node* n) {
  fy_token* t = fy_node_get_scalar_token(n);
  const fy_mark* m = t ? fy_token_start_mark(t) : nullptr;
  if (!m) return {};
  return " at line " + std::to_string(m->line + 1) + ", column " + std::to_string(m->column + 1);
}

json::value to_json(fy_node* n, std::string_view what) {
  if (!n) return nullptr;
  switch (fy_node_get_type(n)) {
    case FYNT_SCALAR:
      if (is_null_scalar(n)) return nullptr;
      return json::string(node_text(n));
    case FYNT_SEQUENCE: {
      json::array a;
      void* it = nullptr;
      while (fy_node* e = fy_node_sequence_iterate(n, &it)) a.push_back(to_json(e, what));
      return a;
    }
    case FYNT_MAPPING: {
      json::object o;
      void* it = nullptr;
      // libfyaml itself rejects duplicate keys, with their position.
      while (fy_node_pair* p = fy_node_mapping_iterate(n, &it)) {
        fy_node* k = fy_node_pair_key(p);
        if (!k || fy_node_get_type(k) != FYNT_SCALAR)
          throw usage_error(std::string(what) + ": a key must be text" + where(k));
        o[node_text(k)] = to_json(fy_node_pair_value(p), what);
      }
      return o;
    }
  }
  return nullptr;
}

// libfyaml's first error as "reason at line L, column C" (1-based, as it counts), or "at the
// end" when the text stopped before the value did.
std::string first_error(fy_diag* d, std::string_view text, bool after_value) {
  void* it = nullptr;
  const fy_diag_error* e = fy_diag_errors_iterate(d, &it);
  // After a complete value libfyaml expects a next document ("missing document start"); what
  // the user did is write more after the value.
  std::string reason = after_value ? "unexpected text after the value" : "not valid YAML or JSON";
  if (!e) return reason;
  if (!after_value) reason += std::string(": ") + (e->msg ? e->msg : "syntax error");
  const long lines = 1 + std::count(text.begin(), text.end(), '\n') -
                     (!text.empty() && text.back() == '\n' ? 1 : 0);
  if (e->line > lines)
    reason += " at the end of the text";
  else
    reason += " at line " + std::to_string(e->line) + ", column " + std::to_string(e->column);
  // The commonest surprise: '{issue: #42}' is a mapping cut short by a comment.
  if (text.find(" #") != std::string_view::npos || text.find("\t#") != std::string_view::npos)
    reason += " (' #' starts a YAML comment: quote a value such as \"#42\")";
  return reason;
}

}  // namespace

json::value parse_yaml(std::string_view text, std::string_view what) {
  fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = nullptr;
  dcfg.output_fn = [](fy_diag*, void*, const char*, std::size_t) {};  // collected, not printed
  const std::unique_ptr<fy_diag, diag_deleter> diag(fy_diag_create(&dcfg));
  if (!diag) throw usage_error(std::string(what) + ": cannot start the YAML parser");
  fy_diag_set_collect_errors(diag.get(), true);

  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 |
                                              FYPCF_RESOLVE_DOCUMENT);  // aliases expanded
  cfg.diag = diag.get();
  const std::unique_ptr<fy_parser, parser_deleter> parser(fy_parser_create(&cfg));
  if (!parser || fy_parser_set_string(parser.get(), text.data(), text.size()) != 0)
    throw usage_error(std::string(what) + ": cannot start the YAML parser");

  json::value result;  // null when the text holds no document (nothing, or only comments)
  int documents = 0;
  while (fy_document* doc = fy_parse_load_document(parser.get())) {
    const auto destroy = [&](fy_document* d) { fy_parse_document_destroy(parser.get(), d); };
    const std::unique_ptr<fy_document, decltype(destroy)> owned(doc, destroy);
    if (++documents > 1)
      throw usage_error(std::string(what) + ": more than one YAML document" +
                        where(fy_document_root(doc)));
    result = to_json(fy_document_root(doc), what);
  }
  if (fy_diag_got_error(diag.get()))
    throw usage_error(std::string(what) + ": " + first_error(diag.get(), text, documents > 0));
  return result;
}

}  // namespace openai_cli
