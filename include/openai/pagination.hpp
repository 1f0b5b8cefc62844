// Lists of the stored-completions API: one page at a time (page<T>), or every item across pages
// through a pager that fetches the next page only when the previous one is used up, so walking
// 100,000 stored completions holds one page in memory.
//
//   openai::completion_pager pager = client.list_all_completions({.metadata = {{"run", "b7"}}});
//   while (std::optional<openai::chat_completion> c = co_await pager.next())
//     std::cout << c->id() << '\n';
#pragma once

#include <openai/chat_completion.hpp>
#include <openai/metadata.hpp>
#include <openai/options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstddef>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openai {

// GET /chat/completions. Unset fields are not sent (the API's defaults apply: limit 20, asc).
struct list_completions_params {
  std::optional<std::string> after;  // id of the last item of the previous page
  std::optional<int> limit;          // page size, 1..100
  std::optional<std::string> order;  // "asc" or "desc"
  std::optional<std::string> model;
  openai::metadata metadata;         // filter: sent as metadata[key]=value
};

// GET /chat/completions/{id}/messages.
struct list_messages_params {
  std::optional<std::string> after;
  std::optional<int> limit;
  std::optional<std::string> order;
};

// One stored message of a chat completion.
class completion_message {
 public:
  completion_message() = default;
  explicit completion_message(boost::json::object json) : json_(std::move(json)) {}
  std::string_view id() const noexcept;
  std::string_view role() const noexcept;
  std::optional<std::string_view> content() const noexcept;
  const boost::json::object& json() const noexcept { return json_; }

 private:
  boost::json::object json_;
};

// The status object DELETE /chat/completions/{id} returns.
class deletion_status {
 public:
  deletion_status() = default;
  deletion_status(boost::json::object json, std::string request_id)
      : json_(std::move(json)), request_id_(std::move(request_id)) {}
  std::string_view id() const noexcept;
  std::string_view object() const noexcept;  // "chat.completion.deleted"
  bool deleted() const noexcept;
  const boost::json::object& json() const noexcept { return json_; }
  const std::string& request_id() const noexcept { return request_id_; }

 private:
  boost::json::object json_;
  std::string request_id_;
};

// One page of a list: its items, and where the next page starts.
template <typename Item>
class page {
 public:
  page() = default;
  page(std::vector<Item> data, bool has_more, std::optional<std::string> first_id,
       std::optional<std::string> last_id, std::string request_id)
      : data_(std::move(data)),
        has_more_(has_more),
        first_id_(std::move(first_id)),
        last_id_(std::move(last_id)),
        request_id_(std::move(request_id)) {}

  const std::vector<Item>& data() const noexcept { return data_; }
  std::vector<Item>& data() noexcept { return data_; }
  bool has_more() const noexcept { return has_more_; }
  const std::optional<std::string>& first_id() const noexcept { return first_id_; }
  const std::optional<std::string>& last_id() const noexcept { return last_id_; }
  const std::string& request_id() const noexcept { return request_id_; }
  // The `after` that fetches the next page; empty when this is the last page.
  std::optional<std::string> next_after() const {
    return has_more_ && last_id_ ? last_id_ : std::nullopt;
  }

 private:
  std::vector<Item> data_;
  bool has_more_ = false;
  std::optional<std::string> first_id_;
  std::optional<std::string> last_id_;
  std::string request_id_;
};

using completion_page = page<chat_completion>;
using message_page = page<completion_message>;

class client;

// Every item of a list across pages (client::list_all_completions,
// client::list_all_completion_messages). Keeps the client by reference: the client must
// outlive it. Not thread-safe: one next() at a time.
template <typename Item>
class pager {
 public:
  // The next item, fetching the next page when the current one is used up; empty after the
  // last item. Throws like the list call it makes.
  boost::asio::awaitable<std::optional<Item>> next();
  // Items handed out so far.
  std::size_t consumed() const noexcept { return consumed_; }
  // Pages fetched so far.
  std::size_t pages() const noexcept { return pages_; }

 private:
  friend class client;
  // completion_id: whose messages (message_pager); params.metadata and .model only for
  // completions.
  pager(client& c, std::string completion_id, list_completions_params params,
        request_options options)
      : client_(&c),
        completion_id_(std::move(completion_id)),
        params_(std::move(params)),
        options_(std::move(options)) {}

  client* client_;
  std::string completion_id_;
  list_completions_params params_;
  request_options options_;
  std::vector<Item> items_;
  std::size_t index_ = 0;
  bool more_ = true;
  std::size_t consumed_ = 0;
  std::size_t pages_ = 0;
};

using completion_pager = pager<chat_completion>;
using message_pager = pager<completion_message>;

}  // namespace openai
