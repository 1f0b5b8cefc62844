#include "commands.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <exception>
#include <openai/client.hpp>
#include <ostream>

#include "batch_command.hpp"
#include "client_setup.hpp"
#include "gjson_path.hpp"
#include "metadata_syntax.hpp"
#include "output.hpp"
#include "render.hpp"

namespace openai_cli {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// What every command needs while it runs.
struct session {
  const invocation& inv;
  openai::client& client;
  std::ostream& out;
  std::ostream& err;
  openai::request_options options;  // -H / OPENAI_CUSTOM_HEADERS
  std::string received;             // the last response body, for update, retrieve and delete
};

render_options render_options_of(const global_options& g, bool list_item) {
  render_options o;
  o.format = g.format;
  o.color = g.color;
  o.raw_output = g.raw_output;
  o.list_item = list_item;
  return o;
}

// One result in the chosen format, after --transform. received: the body o was parsed from,
// when o is a whole response (raw prints it, json lays out its text).
void print_value(session& s, const json::object& o, bool list_item,
                 std::string_view received = {}) {
  const global_options& g = s.inv.global;
  render_options r = render_options_of(g, list_item);
  std::optional<json::value> part;
  if (g.transform && !g.transform->empty()) part = gjson_get(o, *g.transform);
  if (part) {
    s.out << render(*part, r) << '\n';
    return;
  }
  r.received = received;  // no path, or it selected nothing: the whole response
  s.out << render(o, r) << '\n';
}

void print_object(session& s, const json::object& o) {
  print_value(s, o, false, s.received);
  s.out << std::flush;
}

// The page size to ask for: --limit, else just enough for --max-items (when under 100).
std::optional<int> page_size(const invocation& inv) {
  if (inv.limit) return inv.limit;
  if (inv.max_items && *inv.max_items < 100) return static_cast<int>(*inv.max_items);
  return std::nullopt;
}

asio::awaitable<int> update(session& s, openai::metadata md) {
  openai::chat_completion c =
      co_await s.client.update_completion(s.inv.completion_id, md, s.options);
  print_object(s, c.json());
  co_return exit_ok;
}

asio::awaitable<int> retrieve(session& s) {
  openai::chat_completion c = co_await s.client.retrieve_completion(s.inv.completion_id, s.options);
  print_object(s, c.json());
  co_return exit_ok;
}

asio::awaitable<int> remove(session& s) {
  openai::deletion_status d = co_await s.client.delete_completion(s.inv.completion_id, s.options);
  print_object(s, d.json());
  co_return exit_ok;
}

// Pages are fetched one at a time (the library's page calls) and printed as they arrive, so a
// list of any length holds one page in memory; --max-items stops early. fetch(after) returns
// the page that starts after `after`.
template <typename Page, typename Fetch>
asio::awaitable<int> print_pages(session& s, std::optional<std::string> after, Fetch fetch) {
  const invocation& inv = s.inv;
  unsigned long long printed = 0;
  for (;;) {
    Page page = co_await fetch(after);
    for (const auto& item : page.data()) {
      print_value(s, item.json(), true);
      if (inv.max_items && ++printed >= *inv.max_items) break;
    }
    s.out << std::flush;
    if (inv.max_items && printed >= *inv.max_items) break;
    std::optional<std::string> next = page.next_after();
    // A server that claims more but makes no progress would otherwise be asked forever.
    if (!next || page.data().empty() || next == after) break;
    after = std::move(next);
  }
  co_return exit_ok;
}

asio::awaitable<int> list(session& s, openai::metadata filter) {
  openai::list_completions_params params;
  params.limit = page_size(s.inv);
  params.order = s.inv.order;
  params.model = s.inv.model;
  params.metadata = std::move(filter);
  co_return co_await print_pages<openai::completion_page>(
      s, s.inv.after, [&](const std::optional<std::string>& after) {
        params.after = after;
        return s.client.list_completions(params, s.options);
      });
}

asio::awaitable<int> list_messages(session& s) {
  openai::list_messages_params params;
  params.limit = page_size(s.inv);
  params.order = s.inv.order;
  co_return co_await print_pages<openai::message_page>(
      s, s.inv.after, [&](const std::optional<std::string>& after) {
        params.after = after;
        return s.client.list_completion_messages(s.inv.completion_id, params, s.options);
      });
}

}  // namespace

int run_command(const invocation& inv, std::ostream& out, std::ostream& err) {
  // Never printed: the API key and any proxy password.
  auto hide = [&](std::string text) { return redact_secrets(std::move(text), inv.global.client); };
  auto usage = [&](const std::string& message) {
    err << hide("openai: " + message) << '\n';
    return exit_usage;
  };
  if (inv.cmd == command::update_many)
    return run_update_many(inv, client_options_of(inv.global, nullptr), out, err);

  // Everything that can be checked without the network is checked before the client exists.
  openai::metadata update_md;
  openai::metadata filter;
  try {
    if (inv.cmd == command::update) {
      std::optional<openai::metadata> md =
          parse_metadata_argument(*inv.metadata_text, read_file_or_stdin);
      update_md = md ? std::move(*md) : openai::metadata::null_value();
    }
    for (const std::string& f : inv.metadata_filters)
      for (auto& [k, v] : parse_metadata_filter(f, read_file_or_stdin)) {
        if (filter.contains(k)) throw usage_error("--metadata filter '" + k + "' given twice");
        filter.insert_or_assign(k, v);
      }
  } catch (const usage_error& e) {
    return usage(e.what());
  }
  if (std::vector<std::string> v = openai::metadata_violations(update_md); !v.empty()) {
    openai::diagnostics d;
    d.violations = std::move(v);
    err << hide(render_error(openai::errc::invalid_argument, d, {}, inv.global,
                             inv.global.error_color))
        << '\n';
    return exit_usage;
  }
  if (inv.global.format == output_format::explore)
    err << "openai: warning: --format explore has no interactive viewer "
        << (inv.global.stdout_is_terminal ? "in this build" : "without a terminal")
        << "; printing json\n";

  try {
    asio::io_context io(1);  // one thread runs it: calls need no strand of their own
    openai::client client{io.get_executor(), client_options_of(inv.global, &err)};
    session s{inv, client, out, err, openai::request_options{}, {}};
    s.options.extra_headers = inv.global.headers;
    if (inv.cmd == command::update || inv.cmd == command::retrieve || inv.cmd == command::remove)
      s.options.on_response_body = [&received = s.received](unsigned, std::string_view body) {
        received.assign(body);
      };
    auto body = [&]() -> asio::awaitable<int> {
      switch (inv.cmd) {
        case command::update:
          co_return co_await update(s, std::move(update_md));
        case command::retrieve:
          co_return co_await retrieve(s);
        case command::remove:
          co_return co_await remove(s);
        case command::list:
          co_return co_await list(s, std::move(filter));
        case command::messages_list:
          co_return co_await list_messages(s);
        default:
          co_return exit_usage;
      }
    };
    // Stop as soon as the command is done: idle keep-alive connections of the pool (and their
    // timers) would otherwise keep io.run() going until they expire.
    int status = exit_failure;
    std::exception_ptr failure;
    asio::co_spawn(io, body(), [&](std::exception_ptr e, int rc) {
      failure = e;
      status = rc;
      io.stop();
    });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return status;
  } catch (const openai::error& e) {
    err << hide(render_error(e.kind(), e.details(), e.what(), inv.global, inv.global.error_color))
        << '\n';
    return exit_status_for(e.kind());
  } catch (const std::exception& e) {
    err << hide(std::string("openai: error: ") + e.what()) << '\n';
    return exit_failure;
  }
}

}  // namespace openai_cli
