// update-many's input as updates: lines read in bounded chunks (a regular file with plain
// reads, a pipe or terminal asynchronously, so updates in flight complete and signals are
// handled while no input arrives), each turned into an update or, when it is none, into its
// error record right away. With --resume, lines an earlier run did are skipped.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <openai/batch.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

#include "batch_records.hpp"
#include "line_splitter.hpp"
#include "resume_index.hpp"

namespace openai {
class client;
}

namespace openai_cli {

// The lines of one file descriptor (owned), never more than max_line_bytes of one in memory.
class input_lines {
 public:
  input_lines(boost::asio::io_context& io, int fd);
  input_lines(const input_lines&) = delete;
  input_lines& operator=(const input_lines&) = delete;
  ~input_lines();

  // The next line, or nullopt at the end of the input (or once cancel() stopped a wait).
  // The text stays valid until the next call.
  boost::asio::awaitable<std::optional<split_line>> next();
  // A read waiting for input ends the input.
  void cancel();

 private:
  boost::asio::awaitable<std::size_t> read_some();

  std::optional<boost::asio::posix::stream_descriptor> pipe_;  // pollable inputs
  int fd_ = -1;                                                // the others
  line_splitter lines_;
  std::vector<char> chunk_;
  bool ended_ = false;
};

// How batch_source reads its lines.
struct source_mode {
  bool undo = false;  // the lines are records of an earlier run (--undo)
  // --undoable: the client a line's previous metadata is retrieved with when the line does not
  // carry it; nullptr: never retrieved (no --undoable, or --dry-run, which sends nothing).
  openai::client* retrieve_with = nullptr;
  // Where a line whose retrieve failed goes, as the failed result it is (never sent).
  std::function<void(openai::update_result)> failed;
};

// The update_source client::update_many pulls from.
class batch_source {
 public:
  batch_source(input_lines& in, const openai::metadata& set, const resume_index& done,
               record_writer& writer, source_mode mode = {})
      : in_(in), set_(set), done_(done), writer_(writer), mode_(std::move(mode)) {}

  boost::asio::awaitable<std::optional<openai::update_item>> next();
  // Read no further (SIGINT/SIGTERM).
  void stop() noexcept { stopping_ = true; }

  std::uint64_t lines_read() const noexcept { return line_no_; }
  bool read_to_the_end() const noexcept { return at_end_; }
  // --resume: lines whose record named another completion (the input changed since).
  std::uint64_t changed_lines() const noexcept { return changed_; }
  // The metadata the completion of the item tagged `tag` had before its update, when the line
  // carried it or --undoable retrieved it; forgotten once taken (one entry per line in flight).
  std::optional<boost::json::value> take_previous(std::uint64_t tag);

 private:
  void write_input_error(std::string message, std::optional<std::string> id = std::nullopt);
  // --undoable: the completion's metadata now, or nullopt after handing the failure to
  // mode_.failed.
  boost::asio::awaitable<std::optional<boost::json::value>> retrieve_previous(
      const std::string& completion_id);

  input_lines& in_;
  const openai::metadata& set_;
  const resume_index& done_;
  record_writer& writer_;
  source_mode mode_;
  std::unordered_map<std::uint64_t, boost::json::value> previous_;
  bool stopping_ = false;
  bool at_end_ = false;
  std::uint64_t line_no_ = 0;
  std::uint64_t changed_ = 0;
};

}  // namespace openai_cli
