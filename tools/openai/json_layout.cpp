#include "json_layout.hpp"

#include <cstddef>

namespace openai_cli {

namespace {

constexpr std::ptrdiff_t line_width = 80;  // an array wider than this is spread over lines

bool is_space(char c) { return static_cast<unsigned char>(c) <= ' '; }

bool ends_scalar(char c) { return is_space(c) || c == ',' || c == ':' || c == ']' || c == '}'; }

// The end of the string token that starts at i (at its opening quote).
std::size_t string_end(std::string_view in, std::size_t i) {
  for (++i; i < in.size(); ++i) {
    if (in[i] == '\\') {
      ++i;
      continue;
    }
    if (in[i] == '"') return i + 1;
  }
  return in.size();
}

// A recursive descent that writes as it reads. An array is first tried on one line (where an
// object inside, or a width beyond the line, makes the try fail and the array is spread out).
// line_start is where the current line's indentation begins: the column of a one-line array
// is counted from it, as the official layout counts it.
class layout {
 public:
  explicit layout(std::string_view in) : in_(in) {}

  std::string run() {
    std::size_t i = 0;
    value(i, true, 0, -1);
    return std::move(out_);
  }

 private:
  // Writes the value at or after i; false when a one-line try (limit >= 0) cannot hold it.
  bool value(std::size_t& i, bool spread, int depth, std::ptrdiff_t limit) {
    for (; i < in_.size(); ++i) {
      const char c = in_[i];
      if (c == '"') {
        const std::size_t end = string_end(in_, i);
        out_.append(in_.substr(i, end - i));
        i = end;
        return true;
      }
      if ((c >= '0' && c <= '9') || c == '-') {
        std::size_t end = i + 1;
        while (end < in_.size() && !ends_scalar(in_[end])) ++end;
        out_.append(in_.substr(i, end - i));
        i = end;
        return true;
      }
      if (c == '{' || c == '[') return container(i, c, spread, depth, limit);
      if (c == 't' || c == 'n') {
        out_.append(in_.substr(i, 4));
        i += 4;
        return true;
      }
      if (c == 'f') {
        out_.append(in_.substr(i, 5));
        i += 5;
        return true;
      }
    }
    return true;
  }

  void new_line(int depth) {
    // After an array's ", " the space becomes the newline.
    line_start_ = out_.size();
    if (!out_.empty() && out_.back() == ' ')
      out_.back() = '\n';
    else
      out_ += '\n';
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
  }

  bool container(std::size_t& i, char open, bool spread, int depth, std::ptrdiff_t limit) {
    if (spread && open == '[' && limit < 0) {
      const std::ptrdiff_t room =
          line_width - static_cast<std::ptrdiff_t>(out_.size() - line_start_);
      if (room > 3) {
        const std::size_t written = out_.size(), read = i;
        if (container(i, '[', false, 0, room) &&
            static_cast<std::ptrdiff_t>(out_.size() - written) <= room)
          return true;
        out_.resize(written);
        i = read;
      }
    } else if (limit >= 0 && open == '{') {
      return false;
    }
    const char close = open == '{' ? '}' : ']';
    out_ += open;
    ++i;
    int n = 0;
    while (i < in_.size()) {
      const char c = in_[i];
      if (is_space(c)) {
        ++i;
        continue;
      }
      if (c == close) {
        if (spread && n > 0) new_line(depth);
        out_ += close;
        ++i;
        return open != '{';
      }
      if (open == '[' || c == '"') {
        if (n > 0) out_ += open == '[' ? ", " : ",";
        if (spread) new_line(depth + 1);
        if (open == '{') {
          const std::size_t end = string_end(in_, i);
          out_.append(in_.substr(i, end - i));
          i = end;
          out_ += spread ? ": " : ":";
        }
        if (!value(i, spread, depth + 1, limit) && limit >= 0) return false;
        ++n;
        continue;
      }
      ++i;  // ',' and ':' of the input
    }
    return open != '{';
  }

  std::string_view in_;
  std::string out_;
  std::size_t line_start_ = 0;
};

constexpr std::string_view key_colour = "\x1b[94m", string_colour = "\x1b[92m",
                           number_colour = "\x1b[93m", boolean_colour = "\x1b[96m",
                           null_colour = "\x1b[91m", escape_colour = "\x1b[35m", reset = "\x1b[0m";

}  // namespace

std::string indented_json(std::string_view text) { return layout(text).run(); }

std::string coloured_json(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  // For each open container: whether it is an object whose next string is a key.
  std::string stack;  // '{' expecting a key, '}' expecting a value, '[' an array
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const std::string_view colour =
          !stack.empty() && stack.back() == '{' ? key_colour : string_colour;
      out += colour;
      out += c;
      // An escape is coloured from its backslash to its last character (\n, \u00e9). As in the
      // official colouring, a backslash always starts one, even the second of "\\", whose
      // escape then takes the character after it too.
      bool escaping = false;
      int left = 0;
      std::size_t j = i + 1;
      for (; j < text.size(); ++j) {
        const char d = text[j];
        if (d == '\\') {
          out += reset;
          out += escape_colour;
          out += d;
          escaping = true;
          left = j + 1 < text.size() && text[j + 1] == 'u' ? 5 : 1;
        } else if (escaping) {
          out += d;
          if (--left == 0) {
            out += reset;
            out += colour;
            escaping = false;
          }
        } else {
          out += d;
        }
        if (d == '"') {
          std::size_t backslashes = 0;
          while (backslashes < j - i - 1 && text[j - 1 - backslashes] == '\\') ++backslashes;
          if (backslashes % 2 == 0) break;
        }
      }
      out += reset;
      i = j;
    } else if (c == '{' || c == '[') {
      stack += c;
      out += c;
    } else if ((c == '}' || c == ']') && !stack.empty()) {
      stack.pop_back();
      out += c;
    } else if ((c == ':' || c == ',') && !stack.empty() && stack.back() != '[') {
      stack.back() = stack.back() == '{' ? '}' : '{';
      out += c;
    } else if ((c >= '0' && c <= '9') || c == '-' || c == 't' || c == 'f' || c == 'n') {
      std::size_t end = i + 1;
      while (end < text.size() && !ends_scalar(text[end])) ++end;
      out += c == 't' || c == 'f' ? boolean_colour : c == 'n' ? null_colour : number_colour;
      out.append(text.substr(i, end - i));
      out += reset;
      i = end - 1;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace openai_cli
