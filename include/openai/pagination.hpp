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

/// The query of GET /chat/completions (client::list_completions, client::list_all_completions).
/// Unset fields are not sent (the API's defaults apply: limit 20, asc).
struct list_completions_params {
  std::optional<std::string> after;  ///< Id of the last item of the previous page.
  std::optional<int> limit;          ///< Page size, 1..100.
  std::optional<std::string> order;  ///< "asc" or "desc" (by creation time).
  std::optional<std::string> model;  ///< Only the completions of this model.
  openai::metadata metadata;         ///< Filter: sent as metadata[key]=value.
};

/// The query of GET /chat/completions/{id}/messages (client::list_completion_messages).
struct list_messages_params {
  std::optional<std::string> after;  ///< Id of the last message of the previous page.
  std::optional<int> limit;          ///< Page size, 1..100.
  std::optional<std::string> order;  ///< "asc" or "desc".
};

/// One stored message of a chat completion.
class completion_message {
 public:
  completion_message() = default;  ///< An empty message (no fields).
  /// A message of a response page.
  explicit completion_message(boost::json::object json) : json_(std::move(json)) {}
  std::string_view id() const noexcept;  ///< The message's id.
  std::string_view role() const noexcept;  ///< "user", "system", "assistant" ...
  std::optional<std::string_view> content() const noexcept;  ///< Its text; empty when null.
  const boost::json::object& json() const noexcept { return json_; }  ///< The whole object.

 private:
  boost::json::object json_;
};

/// The status object DELETE /chat/completions/{id} returns.
class deletion_status {
 public:
  deletion_status() = default;  ///< An empty status (no fields).
  /// The status of a response, with its x-request-id.
  deletion_status(boost::json::object json, std::string request_id)
      : json_(std::move(json)), request_id_(std::move(request_id)) {}
  std::string_view id() const noexcept;  ///< The deleted completion's id.
  std::string_view object() const noexcept;  ///< "chat.completion.deleted".
  bool deleted() const noexcept;  ///< True when the API confirms the deletion.
  const boost::json::object& json() const noexcept { return json_; }  ///< The whole object.
  const std::string& request_id() const noexcept { return request_id_; }  ///< x-request-id.

 private:
  boost::json::object json_;
  std::string request_id_;
};

/// One page of a list: its items, and where the next page starts.
///
///     openai::completion_page p = co_await client.list_completions({.limit = 100});
///     for (const openai::chat_completion& c : p.data()) std::cout << c.id() << '\n';
///     if (auto after = p.next_after()) { /* list again with .after = *after */ }
template <typename Item>
class page {
 public:
  page() = default;  ///< An empty last page.
  /// A page of a response: its items, whether more follow, the ids at its ends, x-request-id.
  page(std::vector<Item> data, bool has_more, std::optional<std::string> first_id,
       std::optional<std::string> last_id, std::string request_id)
      : data_(std::move(data)),
        has_more_(has_more),
        first_id_(std::move(first_id)),
        last_id_(std::move(last_id)),
        request_id_(std::move(request_id)) {}

  const std::vector<Item>& data() const noexcept { return data_; }  ///< The items, in order.
  std::vector<Item>& data() noexcept { return data_; }  ///< The items, to move them out.
  bool has_more() const noexcept { return has_more_; }  ///< Whether a next page exists.
  const std::optional<std::string>& first_id() const noexcept { return first_id_; }  ///< Id of the first item.
  const std::optional<std::string>& last_id() const noexcept { return last_id_; }  ///< Id of the last item.
  const std::string& request_id() const noexcept { return request_id_; }  ///< x-request-id.
  /// The `after` that fetches the next page; empty when this is the last page.
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

using completion_page = page<chat_completion>;  ///< A page of client::list_completions.
using message_page = page<completion_message>;  ///< A page of client::list_completion_messages.

class client;

/// Every item of a list across pages (client::list_all_completions,
/// client::list_all_completion_messages).
///
///     openai::completion_pager pager = client.list_all_completions();
///     while (std::optional<openai::chat_completion> c = co_await pager.next())
///       std::cout << c->id() << '\n';
///
/// One page is held in memory at a time. A pager is used by one coroutine at a time (it is not
/// thread-safe); the client must outlive it. Cancellation: as the list call next() makes.
template <typename Item>
class pager {
 public:
  /// The next item, fetching the next page when the current one is used up; empty after the
  /// last item. Throws like the list call it makes (api_error, connection_error ...); after a
  /// throw, next() tries the same page again.
  boost::asio::awaitable<std::optional<Item>> next();
  /// Items handed out so far.
  std::size_t consumed() const noexcept { return consumed_; }
  /// Pages fetched so far.
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

using completion_pager = pager<chat_completion>;  ///< Every stored completion of a list.
using message_pager = pager<completion_message>;  ///< Every message of a completion.

}  // namespace openai
