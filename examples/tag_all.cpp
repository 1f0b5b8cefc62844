// List, then update: every stored completion gets one more metadata pair, its other pairs
// kept (an update replaces the whole metadata). The list is read page by page while updates of
// the items already listed run, 16 at a time, so memory stays flat however many there are.
// Completions that already carry the pair are skipped: running it again sends nothing.
//
//   OPENAI_API_KEY=sk-... ./tag_all reviewed=yes
//
// Reads OPENAI_BASE_URL too, so it runs against openai-mock as well as the real API.
#include <openai/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>
#include <string>

namespace asio = boost::asio;

// The batch's source: the next listed completion that lacks the pair, with the pair added.
struct untagged_completions {
  openai::completion_pager* pager;
  std::string key, value;
  std::size_t* already_tagged;

  asio::awaitable<std::optional<openai::update_item>> operator()() {
    while (std::optional<openai::chat_completion> c = co_await pager->next()) {
      openai::metadata md = c->metadata();
      if (md.contains(key) && md.at(key) == value) {
        ++*already_tagged;
        continue;
      }
      md.insert_or_assign(key, value);
      openai::update_item item;
      item.completion_id = c->id();
      item.metadata = std::move(md);
      co_return item;
    }
    co_return std::nullopt;
  }
};

asio::awaitable<int> tag_all(openai::client& client, std::string key, std::string value) {
  openai::list_completions_params params;
  params.limit = 100;  // the largest page: fewer list requests
  openai::completion_pager pager = client.list_all_completions(params);
  std::size_t already_tagged = 0;

  // Called on the batch's strand, one result at a time.
  auto report_failure = [](openai::update_result r) {
    if (!r.ok()) std::cout << "failed " << r.completion_id << ": " << r.details.message << '\n';
  };
  openai::batch_options options;
  options.concurrency = 16;
  untagged_completions source{&pager, key, value, &already_tagged};
  openai::batch_summary summary = co_await client.update_many(source, report_failure, options);

  std::cout << "listed " << pager.consumed() << " completions in " << pager.pages()
            << " pages: " << summary.ok << " tagged " << key << '=' << value << ", "
            << already_tagged << " already tagged, " << summary.failed << " failed\n";
  co_return summary.failed == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  const std::string pair = argc > 1 ? argv[1] : "";
  const auto eq = pair.find('=');
  if (eq == std::string::npos || eq == 0) {
    std::cerr << "usage: tag_all KEY=VALUE\n";
    return 2;
  }
  asio::io_context io;
  openai::client client(io.get_executor(), openai::client_options::from_env());
  int status = 1;
  asio::co_spawn(io, tag_all(client, pair.substr(0, eq), pair.substr(eq + 1)),
                 [&status](std::exception_ptr e, int result) {
                   if (e) std::rethrow_exception(e);  // the list failed: out of io.run()
                   status = result;
                 });
  try {
    io.run();
  } catch (const std::exception& e) {  // a bad key, the network: a message, exit 1
    std::cerr << "tag_all: " << e.what() << '\n';
    return 1;
  }
  return status;
}
