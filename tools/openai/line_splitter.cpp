#include "line_splitter.hpp"

namespace openai_cli {

void line_splitter::keep(std::string_view start_of_line) {
  if (skipped_ > 0 || partial_.size() + start_of_line.size() > max_line_) {
    // Too long already: count the bytes, keep none of them.
    skipped_ += partial_.size() + start_of_line.size();
    partial_.clear();
  } else {
    partial_.append(start_of_line);
  }
}

std::optional<split_line> line_splitter::finish_line(std::string_view tail) {
  split_line l;
  l.bytes = skipped_ + partial_.size() + tail.size();
  if (skipped_ > 0 || partial_.size() + tail.size() > max_line_) {
    l.too_long = true;
    skipped_ = 0;
    partial_.clear();
    return l;
  }
  if (partial_.empty()) {
    l.text = tail;  // the common case: the whole line is in the chunk, no copy
    return l;
  }
  partial_.append(tail);
  l.text = partial_;
  release_ = true;
  return l;
}

std::optional<split_line> line_splitter::next() {
  if (release_) {
    partial_.clear();
    release_ = false;
  }
  if (done_) return std::nullopt;
  if (const std::size_t nl = rest_.find('\n'); nl != std::string_view::npos) {
    const std::string_view line = rest_.substr(0, nl);
    rest_.remove_prefix(nl + 1);
    return finish_line(line);
  }
  keep(rest_);
  rest_ = {};
  if (!ended_) return std::nullopt;
  done_ = true;
  if (skipped_ == 0 && partial_.empty()) return std::nullopt;
  return finish_line({});
}

}  // namespace openai_cli
