// Where update-many's records go, and the tallies of what has been written. One thread (the
// io_context's) writes, so nothing here locks.
#pragma once

#include <ostream>
#include <stdexcept>

#include "batch_lines.hpp"

namespace openai_cli {

struct record_writer {
  std::ostream& out;
  batch_tally tally;
  bool dry_run = false;  // --dry-run: every record says "dry_run": true

  void write(const batch_record& r) {
    if (dry_run && !r.dry_run) {
      batch_record marked = r;
      marked.dry_run = true;
      return write(marked);
    }
    out << format_record(r) << '\n';
    out.flush();  // one record per finished line, on disk at once: --resume relies on it
    if (!out) throw std::runtime_error("cannot write the output records");
    tally.add(r);
  }
};

}  // namespace openai_cli
