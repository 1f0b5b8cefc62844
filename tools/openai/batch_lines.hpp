// The sans-io parts of `openai chat:completions update-many`: one input line in, an update (or
// the reason there is none) out; one result in, one output record out; the records of an
// earlier run in, the lines already done out; the summary and the progress bar as text.
//
//   {"completion_id": "chatcmpl-abc", "metadata": {"run": "b7"}}        input, one per line
//   {"line":1,"completion_id":"chatcmpl-abc","ok":true,"status":200,"attempts":1,"request_id":"req_1"}
//
// No I/O and no Asio here, so all of it is unit-tested without a socket.
#pragma once

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <openai/metadata.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latency_histogram.hpp"
#include "usage_error.hpp"

namespace openai_cli {

// Whether a line holds nothing but whitespace (such lines are skipped and get no record).
bool is_blank_line(std::string_view line) noexcept;

// The --set pairs, KEY=VALUE each (the first '=' splits). Throws usage_error on a pair without
// '=', an empty key or a key given twice. Does not check the API's limits.
openai::metadata parse_set_pairs(const std::vector<std::string>& pairs);

// What one non-blank input line asks for.
struct parsed_line {
  enum class outcome {
    update,      // send completion_id + metadata (the library still validates them)
    input,       // not an update at all: bad JSON, not an object, no completion id
    validation,  // an update whose metadata cannot be sent (a value that is not a string...)
    skip,        // --undo: a record of nothing applied (a failure, a dry run): no record
  };
  outcome what = outcome::input;
  std::string completion_id;  // when the line names one (also for validation errors)
  openai::metadata metadata;  // update: the line's metadata with the --set pairs merged in
  std::string message;        // input and validation: what is wrong
  // The metadata the completion has now, as the server wrote it (its key order kept), when the
  // line says: a completion object (`"object": "chat.completion"`, as `list --format jsonl`
  // prints it) with a "metadata" member. Goes into the ok record as "previous_metadata".
  std::optional<boost::json::value> previous;
};

// {"completion_id": ID, "metadata": {...} | null} or a completion object ({"id": ID,
// "metadata": ..., ...}); completion_id wins when both are present. The set pairs are merged
// over the line's metadata (a set key replaces the line's value; over null they are the whole
// metadata). A line without metadata is an update only when set is not empty.
parsed_line parse_update_line(std::string_view line, const openai::metadata& set);

// --undo: one record of an earlier update-many run in, the update that restores the metadata it
// names out. An ok record with "previous_metadata" (an object or null) is an update to exactly
// that metadata: the API's update replaces the whole map, so the keys the batch added go and
// the values it replaced come back. An ok record without one is an input error saying why it
// cannot be undone; failed records and dry-run records (nothing was applied) are skipped.
parsed_line parse_undo_line(std::string_view record);

// What a real run's library would refuse before sending, for --dry-run: the completion id's
// rules (not empty, not . or ..), the metadata's limits and the extra headers' (-H). Empty: it
// would be sent. The CLI sees only the public API, so the id and header rules are restated
// here; cli.update_many.dry_run checks them against a real run's records.
std::vector<std::string> dry_run_violations(
    std::string_view completion_id, const openai::metadata& md,
    const std::vector<std::pair<std::string, std::string>>& extra_headers);

// One output record.
struct batch_record {
  std::uint64_t line = 0;
  std::optional<std::string> completion_id;  // nullopt: null (an input line without one)
  bool ok = false;
  unsigned status = 0;  // 0: omitted
  unsigned attempts = 0;
  std::chrono::microseconds elapsed{0};  // from the first send to the result; 0: omitted
  std::string request_id;  // empty: omitted
  // Failures only.
  std::string kind;  // validation | input | api | network | bad_response | timeout | cancelled
  std::string message;
  std::string type;  // empty: omitted
  std::string code;  // empty: omitted
  // Not written: the update failed on its last allowed attempt, after retrying (a later
  // --resume tries it again).
  bool retries_exhausted = false;
  // Ok records: the completion's metadata before the update ("previous_metadata"), when known.
  std::optional<boost::json::value> previous;
  // --dry-run: "dry_run": true and the metadata the update would send ("metadata").
  bool dry_run = false;
  std::optional<openai::metadata> metadata;
};

// The record as one JSON line, without the newline (bytes that are not UTF-8, say in a
// server's x-request-id, are written as the text \xNN, so the line stays valid JSON):
//   {"line":N,"completion_id":"...","ok":true,"status":200,"attempts":1,"request_id":"...",
//    "previous_metadata":{...},"elapsed_us":1234}
//   {"line":N,"completion_id":"...","ok":true,"attempts":0,"dry_run":true,"metadata":{...}}
//   {"line":N,"completion_id":"...","ok":false,"attempts":K,"request_id":"...",
//    "error":{"kind":"api","status":404,"message":"...","type":"...","code":"..."},
//    "elapsed_us":1234}
// elapsed_us: the update's latency, from its first send to its result (absent when never sent).
std::string format_record(const batch_record& r);

// text with every byte that is not part of a valid UTF-8 sequence written as the four
// characters \xNN (NN its hex value); valid text comes back unchanged.
std::string escape_invalid_utf8(std::string_view text);

// The message of the input-error record of a line longer than max_line_bytes.
std::string too_long_line_message(std::uint64_t bytes);

// Whether a failed update used every attempt it was allowed, retries included: the retries ran
// out, not the patience of the server. max_retries 0 exhausts nothing.
bool exhausted_retries(const batch_record& r, unsigned max_retries) noexcept;

// The error kind of a failed update: validation (invalid_argument), api (any HTTP error
// status), network (connection failures and malformed responses), timeout, cancelled.
std::string_view error_kind(boost::system::error_code ec);

// The line number of a record that says ok, or nullopt (a failure, a torn or foreign line).
std::optional<std::uint64_t> ok_line_of_record(std::string_view record);

// Tallies of a run, for the summary and the progress bar.
struct batch_tally {
  std::uint64_t records = 0;  // written in this run
  std::uint64_t ok = 0;
  std::map<std::string, std::uint64_t> failed_by_kind;
  std::uint64_t retries = 0;    // attempts beyond the first, over all records
  std::uint64_t skipped = 0;    // --resume: lines already recorded ok
  std::uint64_t exhausted = 0;  // failed after using up their retries
  latency_histogram latencies;  // of the records with an elapsed time

  std::uint64_t failed() const noexcept { return records - ok; }
  void add(const batch_record& r);
};

// One line, without the newline:
//   openai: update-many: 20000 lines, 19990 ok, 10 failed (input 5, validation 5),
//   412 retries, 4.21 s, 4748 updates/s, p50 12.1 ms, p99 30.2 ms
// ("interrupted" instead of "update-many" after SIGINT/SIGTERM; skipped lines when any; when
// lines ran out of retries: "3 out of retries (--resume redoes them)" after the failures;
// --dry-run: "dry run, nothing sent: " after the prefix, and lines/s for updates/s).
std::string format_summary(const batch_tally& t, double elapsed_seconds, bool interrupted,
                           bool dry_run = false);

// What the progress bar shows.
struct progress_view {
  std::uint64_t done = 0;
  std::optional<std::uint64_t> total;  // lines to do, when known (a regular input file)
  std::uint64_t failed = 0;
  std::uint64_t retries = 0;
  std::uint64_t in_flight = 0;
  double rate = 0;  // results per second, recently
  double elapsed_seconds = 0;
};

// One line of at most width columns, without newline or carriage return:
//   [##########          ]  50%  10000/20000  4512/s  ETA 0:02  in flight 64  retries 120
std::string format_progress(const progress_view& v, std::size_t width = 100);

}  // namespace openai_cli
