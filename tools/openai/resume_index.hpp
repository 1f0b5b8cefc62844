// --resume: which input lines an earlier run already updated. A line counts as done only when a
// record says ok for the same line number *and* the same completion id, so an input that
// changed since (a re-run `list` that gained lines at the top) is updated again rather than
// skipped. Sans-io: the records come in as text, one at a time.
//
//   resume_index done;
//   for (each record line r) done.add(parse_resume_record(r));
//   done.seal();
//   if (done.contains(12, "chatcmpl-abc")) skip();
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openai_cli {

// What one line of an earlier run's output says.
struct resume_record {
  enum class kind { ok, failed, corrupt };
  kind what = kind::corrupt;
  std::uint64_t line = 0;
  std::string completion_id;  // ok records only
  std::string problem;        // corrupt: what is wrong, for a warning
};

// Reads {"line":N,"completion_id":"...","ok":true|false,...}. Anything else is corrupt: not
// JSON (invalid UTF-8 included), a line number that is not an integer >= 1, no "ok", an ok
// record without a completion id. A record with "dry_run": true counts as failed (nothing was
// sent). Never allocates more than the record's own size.
resume_record parse_resume_record(std::string_view record);

class resume_index {
 public:
  // Keeps ok records; the others are ignored.
  void add(const resume_record& r);
  // Call once after the last add() and before any query.
  void seal();

  // Whether the earlier run updated this line with this completion id.
  bool contains(std::uint64_t line, std::string_view completion_id) const;
  // Whether any ok record names this line (whatever its id).
  bool recorded(std::uint64_t line) const;
  // Distinct (line, id) pairs recorded ok.
  std::uint64_t size() const noexcept { return entries_.size(); }
  // Of those, the ones naming a line after last_line: an input that shrank, or a corrupt number.
  std::uint64_t beyond(std::uint64_t last_line) const;

 private:
  // (line, hash of the completion id): 16 bytes per record however long the ids. Two ids
  // collide with probability 2^-64, so a changed line is as good as never taken for done.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> entries_;
};

}  // namespace openai_cli
