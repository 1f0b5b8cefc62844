// Batch tagging with the library: every stored completion of a model gets a tag, 16 updates in
// flight, retries and rate limits handled by the batch, one result per item as it finishes.
// Reads OPENAI_API_KEY and OPENAI_BASE_URL.
//
//   batch_tagging KEY=VALUE
#include <openai/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace asio = boost::asio;

asio::awaitable<int> tag_all(openai::client& client, std::string key, std::string value) {
  // The items: here from a list (a file of ids works the same way, see source_from_generator).
  std::vector<openai::update_item> items;
  openai::completion_pager pager = client.list_all_completions();
  while (std::optional<openai::chat_completion> c = co_await pager.next()) {
    openai::metadata md = c->metadata();  // update replaces the metadata: keep the old pairs
    md.insert_or_assign(key, value);
    items.push_back({std::string(c->id()), std::move(md), items.size()});
  }

  openai::batch_options options;
  options.concurrency = 16;            // at most 16 in flight; halved on 429s, grown back after
  options.max_requests_per_second = 0;  // no cap of our own: the server's limits are honoured
  options.on_progress = [](const openai::batch_progress& p) {
    if (p.done() % 50 == 0) std::cerr << p.done() << " done, " << p.retries() << " retries\n";
  };
  // Each result says whether its update succeeded, and if not, why (never attempted: invalid
  // metadata, or the batch was cancelled first).
  auto sink = [](openai::update_result r) {
    if (!r.ok())
      std::cout << "item " << r.tag << " " << r.completion_id << " failed: " << r.ec.message()
                << (r.attempted ? "" : " (not sent)") << " " << r.details.message << '\n';
  };
  openai::batch_summary summary =
      co_await client.update_many(openai::source_from_range(items), sink, options);
  std::cout << summary.ok << " of " << summary.total << " tagged, " << summary.failed
            << " failed, " << summary.retries << " retries\n";
  co_return summary.failed == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  std::string pair = argc == 2 ? argv[1] : "";
  if (pair.find('=') == std::string::npos) {
    std::cerr << "usage: batch_tagging KEY=VALUE\n";
    return 2;
  }
  asio::io_context io;
  openai::client client{io.get_executor(), openai::client_options::from_env()};
  int status = 1;
  asio::co_spawn(io, tag_all(client, pair.substr(0, pair.find('=')), pair.substr(pair.find('=') + 1)),
                 [&status](std::exception_ptr e, int s) {
                   if (e) std::rethrow_exception(e);
                   status = s;
                 });
  io.run();
  return status;
}
