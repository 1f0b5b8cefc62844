#include "resume_index.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <functional>

namespace openai_cli {

namespace json = boost::json;

namespace {

resume_record corrupt(std::string problem) {
  resume_record r;
  r.problem = std::move(problem);
  return r;
}

std::uint64_t id_hash(std::string_view id) noexcept { return std::hash<std::string_view>{}(id); }

}  // namespace

resume_record parse_resume_record(std::string_view record) {
  boost::system::error_code ec;
  // The parser validates UTF-8 and keeps numbers as numbers: a line number of 2^64-1 is just a
  // number here, never a size.
  const json::value v = json::parse(record, ec);
  if (ec) return corrupt("not a JSON record (" + ec.message() + ")");
  if (!v.is_object()) return corrupt("not a JSON object");
  const json::object& o = v.get_object();
  const json::value* line = o.if_contains("line");
  if (!line) return corrupt("no \"line\"");
  resume_record r;
  if (line->is_uint64() && line->get_uint64() > 0)
    r.line = line->get_uint64();
  else if (line->is_int64() && line->get_int64() > 0)
    r.line = static_cast<std::uint64_t>(line->get_int64());
  else
    return corrupt("\"line\" is not a line number");
  const json::value* ok = o.if_contains("ok");
  if (!ok || !ok->is_bool()) return corrupt("no \"ok\" true or false");
  // A dry run's record says what would have been done: nothing was, so the line is not done.
  const json::value* dry = o.if_contains("dry_run");
  if (!ok->get_bool() || (dry && dry->is_bool() && dry->get_bool())) {
    r.what = resume_record::kind::failed;
    return r;
  }
  const json::value* id = o.if_contains("completion_id");
  if (!id || !id->is_string()) return corrupt("an ok record without a \"completion_id\"");
  r.what = resume_record::kind::ok;
  r.completion_id = std::string(id->get_string());
  return r;
}

void resume_index::add(const resume_record& r) {
  if (r.what == resume_record::kind::ok) entries_.emplace_back(r.line, id_hash(r.completion_id));
}

void resume_index::seal() {
  std::sort(entries_.begin(), entries_.end());
  entries_.erase(std::unique(entries_.begin(), entries_.end()), entries_.end());
  entries_.shrink_to_fit();
}

bool resume_index::contains(std::uint64_t line, std::string_view completion_id) const {
  return std::binary_search(entries_.begin(), entries_.end(),
                            std::pair{line, id_hash(completion_id)});
}

bool resume_index::recorded(std::uint64_t line) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), std::pair{line, std::uint64_t{0}});
  return it != entries_.end() && it->first == line;
}

std::uint64_t resume_index::beyond(std::uint64_t last_line) const {
  if (last_line == UINT64_MAX) return 0;
  auto it = std::lower_bound(entries_.begin(), entries_.end(),
                             std::pair{last_line + 1, std::uint64_t{0}});
  return static_cast<std::uint64_t>(entries_.end() - it);
}

}  // namespace openai_cli
