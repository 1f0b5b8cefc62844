#include "batch_input.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <openai/client.hpp>

namespace openai_cli {

namespace asio = boost::asio;

namespace {

constexpr std::size_t chunk_bytes = std::size_t{1} << 16;

bool is_regular_fd(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

input_lines::input_lines(asio::io_context& io, int fd) : chunk_(chunk_bytes) {
  // A regular file never makes a read wait long, and epoll refuses it anyway.
  if (!is_regular_fd(fd)) {
    try {
      pipe_.emplace(io, fd);  // takes the descriptor
      return;
    } catch (const boost::system::system_error&) {
      // Not pollable (/dev/null and other devices): plain reads then.
    }
  }
  fd_ = fd;
}

input_lines::~input_lines() {
  if (fd_ >= 0) ::close(fd_);
}

void input_lines::cancel() {
  if (pipe_) pipe_->cancel();
}

asio::awaitable<std::size_t> input_lines::read_some() {
  if (pipe_) {
    auto [ec, n] =
        co_await pipe_->async_read_some(asio::buffer(chunk_), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::eof) co_return 0;
    if (ec) throw boost::system::system_error(ec, "cannot read the input");
    co_return n;
  }
  for (;;) {
    const ssize_t n = ::read(fd_, chunk_.data(), chunk_.size());
    if (n >= 0) co_return static_cast<std::size_t>(n);
    if (errno != EINTR)
      throw boost::system::system_error(errno, boost::system::system_category(),
                                        "cannot read the input");
  }
}

asio::awaitable<std::optional<split_line>> input_lines::next() {
  for (;;) {
    if (auto l = lines_.next()) co_return l;
    if (ended_) co_return std::nullopt;
    std::size_t n = 0;
    try {
      n = co_await read_some();
    } catch (const boost::system::system_error& e) {
      if (e.code() != asio::error::operation_aborted) throw;
      ended_ = true;  // cancelled: a partial line is not a line
      co_return std::nullopt;
    }
    if (n == 0) {
      ended_ = true;
      lines_.end();
    } else {
      lines_.feed({chunk_.data(), n});
    }
  }
}

void batch_source::write_input_error(std::string message, std::optional<std::string> id) {
  batch_record r;
  r.line = line_no_;
  r.completion_id = std::move(id);
  r.kind = "input";
  r.message = std::move(message);
  writer_.write(r);
}

std::optional<boost::json::value> batch_source::take_previous(std::uint64_t tag) {
  auto it = previous_.find(tag);
  if (it == previous_.end()) return std::nullopt;
  std::optional<boost::json::value> v(std::move(it->second));
  previous_.erase(it);
  return v;
}

asio::awaitable<std::optional<boost::json::value>> batch_source::retrieve_previous(
    const std::string& completion_id) {
  openai::diagnostics diag;
  auto [ec, c] = co_await mode_.retrieve_with->async_retrieve_completion(
      completion_id, openai::request_options{}, diag, asio::as_tuple(asio::use_awaitable));
  if (!ec) {
    const boost::json::value* md = c.json().if_contains("metadata");
    co_return md ? *md : boost::json::value(nullptr);
  }
  openai::update_result r;
  r.tag = line_no_;
  r.completion_id = completion_id;
  r.ec = ec;
  r.attempted = diag.attempts > 0;
  r.details = std::move(diag);
  r.details.message = "not updated: the retrieve of its metadata first (--undoable) failed: " +
                      (r.details.message.empty() ? ec.message() : r.details.message);
  mode_.failed(std::move(r));
  co_return std::nullopt;
}

asio::awaitable<std::optional<openai::update_item>> batch_source::next() {
  while (!stopping_) {
    const std::optional<split_line> l = co_await in_.next();
    if (!l) {
      at_end_ = !stopping_;
      break;
    }
    ++line_no_;
    if (l->too_long) {
      write_input_error(too_long_line_message(l->bytes));
      continue;
    }
    if (is_blank_line(l->text)) continue;
    parsed_line p = mode_.undo ? parse_undo_line(l->text) : parse_update_line(l->text, set_);
    if (p.what == parsed_line::outcome::skip) continue;
    // Done only when the record is for this very completion: an input that gained lines at the
    // top since has other ids at these numbers, and those are updated (again, harmlessly).
    if (done_.recorded(line_no_)) {
      if (done_.contains(line_no_, p.completion_id)) {
        ++writer_.tally.skipped;
        continue;
      }
      ++changed_;
    }
    if (p.what == parsed_line::outcome::update) {
      if (!p.previous && mode_.retrieve_with) {
        p.previous = co_await retrieve_previous(p.completion_id);
        if (!p.previous) continue;
      }
      if (p.previous) previous_.insert_or_assign(line_no_, std::move(*p.previous));
      co_return openai::update_item{std::move(p.completion_id), std::move(p.metadata), line_no_};
    }
    if (p.what == parsed_line::outcome::input) {
      write_input_error(std::move(p.message), p.completion_id.empty()
                                                  ? std::nullopt
                                                  : std::optional(std::move(p.completion_id)));
      continue;
    }
    batch_record r;
    r.line = line_no_;
    r.completion_id = std::move(p.completion_id);
    r.kind = "validation";
    r.message = std::move(p.message);
    writer_.write(r);
  }
  co_return std::nullopt;
}

}  // namespace openai_cli
