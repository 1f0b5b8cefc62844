// The one exception of the command line's sans-io parts: the user asked for something that
// cannot work. main prints it and exits 2, before anything is sent.
#pragma once

#include <stdexcept>
#include <string>

namespace openai_cli {

class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace openai_cli
