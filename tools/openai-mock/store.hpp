// The mock's API logic, sans-io: stored chat completions in memory and a pure
// `handle(request) -> response` for the stored-completions endpoints. No sockets here, so
// every rule (auth, metadata validation, pagination) is unit-tested without a network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "exchange.hpp"

namespace openai_mock {

struct store_options {
  std::string api_key = "sk-mock-key";
  std::size_t seed_completions = 0;
  std::string path_prefix = "/v1";
};

// Which endpoint a request was routed to; named after the spec's operationIds.
enum class route {
  update_completion,  // POST   {prefix}/chat/completions/{id}
  get_completion,     // GET    {prefix}/chat/completions/{id}
  delete_completion,  // DELETE {prefix}/chat/completions/{id}
  list_completions,   // GET    {prefix}/chat/completions
  list_messages,      // GET    {prefix}/chat/completions/{id}/messages
  unmatched,          // anything else (404 "Invalid URL")
};

// "updateChatCompletion", ..., "unmatched".
std::string_view route_name(route r) noexcept;

struct store_stats {
  std::uint64_t requests = 0;      // every request handle() saw, authorized or not
  std::uint64_t unauthorized = 0;  // answered 401
  // "<METHOD> <route_name>" -> count, e.g. "POST updateChatCompletion".
  std::map<std::string, std::uint64_t> by_route;
};

class store {
 public:
  explicit store(store_options options);
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  // Thread-safe: the server's io threads call this concurrently.
  response handle(const request& req);

  store_stats stats() const;
  std::uint64_t count(std::string_view method, route r) const;

  // Current metadata of a stored completion; nullopt when the id is unknown (or deleted).
  std::optional<std::map<std::string, std::string>> metadata_of(std::string_view id) const;

  // "chatcmpl-mock-000001" for index 1: the ids of the seeded completions.
  static std::string completion_id(std::size_t index);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace openai_mock
