// pager<Item>::next: one page in memory, the next fetched when it is used up.
#include <openai/client.hpp>
#include <openai/pagination.hpp>

#include <type_traits>

namespace openai {

namespace asio = boost::asio;

template <typename Item>
asio::awaitable<std::optional<Item>> pager<Item>::next() {
  while (index_ == items_.size()) {
    if (!more_) co_return std::nullopt;
    // The previous page is released before the next one arrives: one page in memory.
    items_.clear();
    index_ = 0;
    page<Item> p;
    if constexpr (std::is_same_v<Item, chat_completion>) {
      p = co_await client_->list_completions(params_, options_);
    } else {
      list_messages_params params{params_.after, params_.limit, params_.order};
      p = co_await client_->list_completion_messages(completion_id_, std::move(params),
                                                     options_);
    }
    ++pages_;
    const auto after = p.next_after();
    // A page that says "more" but cannot say where the next starts ends the walk here rather
    // than fetching the same page forever.
    more_ = after.has_value() && after != params_.after;
    if (more_) params_.after = after;
    items_ = std::move(p.data());
  }
  ++consumed_;
  co_return std::move(items_[index_++]);
}

template class pager<chat_completion>;
template class pager<completion_message>;

}  // namespace openai
