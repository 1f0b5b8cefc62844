// Splits a byte stream into lines with a bound on the memory a line may take: update-many reads
// its input and the records of an earlier run through it, so a 100 MiB line (or a file with no
// newline at all) costs at most the bound, never the line's size. Sans-io: the caller reads
// chunks (from a file, a pipe, anything) and feeds them in.
//
//   line_splitter lines(1 << 20);
//   lines.feed(chunk);
//   while (auto l = lines.next()) use(*l);  // then feed the next chunk, or end()
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openai_cli {

// Input lines longer than this are not read: a valid update line is a few tens of KiB at most.
inline constexpr std::size_t max_line_bytes = std::size_t{1} << 20;

struct split_line {
  std::string_view text;    // without the newline; empty when too_long
  std::uint64_t bytes = 0;  // the line's length, also when it was too long to keep
  bool too_long = false;    // longer than the bound: its bytes were skipped
};

class line_splitter {
 public:
  explicit line_splitter(std::size_t max_line = max_line_bytes) : max_line_(max_line) {}

  // The next chunk of input. Call only once next() has returned nullopt for the previous one;
  // the chunk must stay alive until then.
  void feed(std::string_view chunk) noexcept { rest_ = chunk; }
  // The input has ended: a last line without a newline is still returned.
  void end() noexcept { ended_ = true; }

  // The next whole line, or nullopt when more input is needed (or, after end(), when all is
  // done). The text stays valid until the next call to next() or feed().
  std::optional<split_line> next();

 private:
  std::optional<split_line> finish_line(std::string_view tail);
  void keep(std::string_view start_of_line);

  std::size_t max_line_;
  std::string_view rest_;      // unread part of the fed chunk
  std::string partial_;        // the start of a line that spans chunks (at most max_line_)
  std::uint64_t skipped_ = 0;  // > 0: the current line is too long, this many bytes so far
  bool release_ = false;       // the last line returned lives in partial_
  bool ended_ = false;
  bool done_ = false;
};

}  // namespace openai_cli
