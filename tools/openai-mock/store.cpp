#include "store.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_path.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <cstdio>
#include <random>
#include <span>
#include <stdexcept>
#include <unordered_map>
#include <variant>
#include <vector>

namespace openai_mock {

namespace json = boost::json;
namespace urls = boost::urls;

namespace {

// Limits of the spec's Metadata schema.
constexpr std::size_t max_metadata_pairs = 16;
constexpr std::size_t max_key_code_points = 64;
constexpr std::size_t max_value_code_points = 512;
constexpr std::int64_t default_limit = 20;
constexpr std::int64_t max_limit = 100;
// Seeded completions look like they were created one minute apart from this instant, so
// `created` increases with the index and tests get stable values.
constexpr std::int64_t first_created = 1738960610;

// The API counts characters, not bytes: "é" is one of the 64 allowed in a key. Boost.JSON
// has already rejected invalid UTF-8, so counting non-continuation bytes is exact.
std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string_view kind_name(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a decimal";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

json::value nullable(const std::optional<std::string>& s) {
  if (s) return json::value(*s);
  return nullptr;
}

response json_response(unsigned status, const json::value& body) {
  response r;
  r.status = status;
  r.body = json::serialize(body);
  return r;
}

// The OpenAI error envelope; clients classify on status, type and code.
response error_response(unsigned status, std::string message, std::optional<std::string> param,
                        std::optional<std::string> code,
                        std::string_view type = "invalid_request_error") {
  json::object err;
  err["message"] = message;
  err["type"] = type;
  err["param"] = nullable(param);
  err["code"] = nullable(code);
  json::object body;
  body["error"] = std::move(err);
  return json_response(status, body);
}

response not_found(std::string_view id) {
  return error_response(404, "No chat completion found with id '" + std::string(id) + "'.",
                        std::nullopt, std::nullopt);
}

response invalid_metadata(std::string message, std::string code) {
  return error_response(400, std::move(message), "metadata", std::move(code));
}

std::string hex(std::uint64_t v, int digits) {
  std::string s(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0 && v != 0; --i, v >>= 4)
    s[static_cast<std::size_t>(i)] = "0123456789abcdef"[v & 0xF];
  return s;
}

struct entry {
  std::uint64_t seq = 0;  // creation order; pagination cursors compare on it
  json::object completion;
  std::vector<json::object> messages;
};

constexpr std::array<std::string_view, 6> topics = {
    "the sea", "autumn leaves", "a quiet server", "coffee at dawn", "city rain", "an old map"};

entry make_seed(std::size_t index) {
  const auto i = static_cast<std::int64_t>(index);
  const std::string id = store::completion_id(index);
  const std::string_view topic = topics[(index - 1) % topics.size()];
  entry e;
  e.seq = index;

  json::object message;
  message["role"] = "assistant";
  message["content"] =
      "Mock answer " + std::to_string(index) + ": a short poem about " + std::string(topic) + ".";
  message["refusal"] = nullptr;
  message["annotations"] = json::array();
  json::object choice;
  choice["index"] = 0;
  choice["message"] = std::move(message);
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = "stop";

  const std::int64_t prompt = 12 + i % 7, completion = 20 + i % 11;
  json::object usage;
  usage["prompt_tokens"] = prompt;
  usage["completion_tokens"] = completion;
  usage["total_tokens"] = prompt + completion;
  usage["prompt_tokens_details"] = json::object{{"cached_tokens", 0}, {"audio_tokens", 0}};
  usage["completion_tokens_details"] = json::object{{"reasoning_tokens", 0},
                                                    {"audio_tokens", 0},
                                                    {"accepted_prediction_tokens", 0},
                                                    {"rejected_prediction_tokens", 0}};

  json::object& c = e.completion;
  c["id"] = id;
  c["object"] = "chat.completion";
  c["created"] = first_created + 60 * i;
  c["model"] = index % 2 == 1 ? "gpt-4o-mini" : "gpt-4o";
  c["choices"] = json::array{std::move(choice)};
  c["usage"] = std::move(usage);
  c["service_tier"] = "default";
  c["system_fingerprint"] = "fp_" + hex(0x5eed000000ull + index, 10);
  c["metadata"] = json::object();
  c["tool_choice"] = nullptr;
  c["tools"] = nullptr;
  c["response_format"] = nullptr;
  c["temperature"] = 1.0;
  c["top_p"] = 1.0;

  // 1, 2 or 3 input messages, so the messages endpoint has something to paginate.
  const std::size_t count = 1 + (index - 1) % 3;
  for (std::size_t k = 0; k < count; ++k) {
    json::object m;
    m["id"] = id + "-" + std::to_string(k);
    const bool system = count > 1 && k == 0;
    m["role"] = system ? "system" : "user";
    m["content"] = system ? std::string("You are a poet.")
                          : (k <= 1 ? "Write a short poem about " + std::string(topic) + "."
                                    : std::string("Make it shorter."));
    m["name"] = nullptr;
    m["content_parts"] = nullptr;
    e.messages.push_back(std::move(m));
  }
  return e;
}

// Clients send `metadata[key]=value` with raw brackets (curl -g does), which RFC 3986 does
// not allow in a query and Boost.URL therefore rejects. Like common web servers, accept
// them: percent-encode every byte outside the RFC's set before parsing.
std::string lenient_target(std::string_view target) {
  static constexpr std::string_view allowed =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?%";
  std::string out;
  out.reserve(target.size());
  for (char c : target) {
    if (allowed.find(c) != std::string_view::npos) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += "0123456789ABCDEF"[b >> 4];
      out += "0123456789ABCDEF"[b & 0xF];
    }
  }
  return out;
}

enum class order { asc, desc };

// The query parameters common to both list endpoints.
struct page_query {
  std::optional<std::string> after;
  std::int64_t limit = default_limit;
  order ord = order::asc;
  std::optional<std::string> model;
  std::map<std::string, std::string> metadata;  // metadata[key]=value filters
};

// Parses the query; returns an error response for a bad limit or order.
std::optional<response> parse_page_query(const urls::url_view& u, page_query& q) {
  // Form-style decoding ('+' is a space), as the usual web stacks do; keys are decoded too,
  // so `metadata%5Bk%5D` arrives as `metadata[k]`.
  urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (auto p : u.params(opts)) {
    const std::string& key = p.key;
    const std::string value = p.has_value ? p.value : std::string();
    if (key == "after") {
      q.after = value;
    } else if (key == "limit") {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size())
        return error_response(
            400, "Invalid 'limit': expected an integer, but got '" + value + "' instead.", "limit",
            "invalid_type");
      if (n < 1)
        return error_response(400,
                              "Invalid 'limit': integer below minimum value. Expected a value >= "
                              "1, but got " +
                                  std::to_string(n) + " instead.",
                              "limit", "integer_below_min_value");
      if (n > max_limit)
        return error_response(400,
                              "Invalid 'limit': integer above maximum value. Expected a value <= "
                              "100, but got " +
                                  std::to_string(n) + " instead.",
                              "limit", "integer_above_max_value");
      q.limit = n;
    } else if (key == "order") {
      if (value == "asc") {
        q.ord = order::asc;
      } else if (value == "desc") {
        q.ord = order::desc;
      } else {
        return error_response(
            400, "Invalid value: '" + value + "'. Supported values are: 'asc' and 'desc'.", "order",
            "invalid_value");
      }
    } else if (key == "model") {
      q.model = value;
    } else if (key.size() > 10 && key.starts_with("metadata[") && key.ends_with("]")) {
      q.metadata[key.substr(9, key.size() - 10)] = value;
    }
  }
  return std::nullopt;
}

json::object list_object(json::array data, bool has_more) {
  // The live API answers null ids for an empty page.
  json::value first = data.empty() ? json::value(nullptr) : data.front().as_object().at("id");
  json::value last = data.empty() ? json::value(nullptr) : data.back().as_object().at("id");
  json::object out;
  out["object"] = "list";
  out["data"] = std::move(data);
  out["first_id"] = std::move(first);
  out["last_id"] = std::move(last);
  out["has_more"] = has_more;
  return out;
}

// The body of POST .../chat/completions/{id}: {"metadata": {..}|null} -> the new metadata,
// or the 400 the API answers.
std::variant<json::object, response> parse_update_body(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec)
    return invalid_metadata(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
        "invalid_json");
  if (!v.is_object())
    return invalid_metadata("Invalid body: expected a JSON object.", "invalid_type");
  const json::object& o = v.get_object();
  for (const auto& kv : o)
    if (kv.key() != "metadata")
      return error_response(400, "Unrecognized request argument supplied: " + std::string(kv.key()),
                            std::string(kv.key()), "unknown_parameter");
  auto it = o.find("metadata");
  if (it == o.end())
    return invalid_metadata("Missing required parameter: 'metadata'.",
                            "missing_required_parameter");
  if (it->value().is_null()) return json::object();
  if (!it->value().is_object())
    return invalid_metadata("Invalid type for 'metadata': expected an object, but got " +
                                std::string(kind_name(it->value())) + " instead.",
                            "invalid_type");
  const json::object& md = it->value().get_object();
  if (md.size() > max_metadata_pairs)
    return invalid_metadata(
        "Invalid 'metadata': too many properties. Expected an object with at "
        "most 16 properties, but got an object with " +
            std::to_string(md.size()) + " properties instead.",
        "object_above_max_properties");
  for (const auto& kv : md) {
    const std::string key(kv.key());
    if (const auto n = code_points(key); n > max_key_code_points)
      return invalid_metadata(
          "Invalid 'metadata': string too long. Expected a key with maximum "
          "length 64, but got a key with length " +
              std::to_string(n) + " instead.",
          "string_above_max_length");
    if (!kv.value().is_string())
      return invalid_metadata("Invalid type for 'metadata." + key +
                                  "': expected a string, but got " +
                                  std::string(kind_name(kv.value())) + " instead.",
                              "invalid_type");
    if (const auto n = code_points(kv.value().get_string()); n > max_value_code_points)
      return invalid_metadata("Invalid 'metadata." + key +
                                  "': string too long. Expected a string with maximum length "
                                  "512, but got a string with length " +
                                  std::to_string(n) + " instead.",
                              "string_above_max_length");
  }
  return md;
}

}  // namespace

std::string_view route_name(route r) noexcept {
  switch (r) {
    case route::update_completion:
      return "updateChatCompletion";
    case route::get_completion:
      return "getChatCompletion";
    case route::delete_completion:
      return "deleteChatCompletion";
    case route::list_completions:
      return "listChatCompletions";
    case route::list_messages:
      return "getChatCompletionMessages";
    case route::unmatched:
      return "unmatched";
  }
  return "unmatched";
}

std::string store::completion_id(std::size_t index) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "chatcmpl-mock-%06zu", index);
  return buf;
}

struct store::impl {
  store_options options;
  std::vector<std::string> prefix;  // decoded segments of path_prefix
  // A random salt per store plus a counter: unique ids within a run and across runs.
  std::uint64_t request_salt = 0;
  std::atomic<std::uint64_t> request_counter{0};

  mutable std::mutex mutex;  // guards everything below
  std::map<std::uint64_t, entry> by_seq;
  std::unordered_map<std::string, std::uint64_t> seq_of;
  store_stats stats;

  explicit impl(store_options o) : options(std::move(o)) {
    auto parsed = urls::parse_path(options.path_prefix);
    if (!parsed) throw std::invalid_argument("openai_mock: invalid path_prefix");
    for (auto seg : *parsed)
      if (!seg.empty()) prefix.push_back(seg.decode());
    std::random_device rd;
    request_salt = (std::uint64_t{rd()} << 32) ^ rd();
    for (std::size_t i = 1; i <= options.seed_completions; ++i) {
      entry e = make_seed(i);
      seq_of.emplace(completion_id(i), e.seq);
      by_seq.emplace(e.seq, std::move(e));
    }
  }

  std::string next_request_id() {
    return "req_" + hex(request_salt, 16) + hex(++request_counter, 16);
  }

  entry* find(std::string_view id) {
    auto it = seq_of.find(std::string(id));
    return it == seq_of.end() ? nullptr : &by_seq.at(it->second);
  }
  const entry* find(std::string_view id) const { return const_cast<impl*>(this)->find(id); }

  bool authorized(const request& req) const {
    auto h = req.header("authorization");
    return h && *h == "Bearer " + options.api_key;
  }

  // Matches the decoded path against the routes; fills `id` for the per-completion ones.
  route match(const request& req, const urls::url_view& u, std::string& id) const {
    std::vector<std::string> segs;
    for (auto s : u.segments()) segs.push_back(s);
    if (segs.size() < prefix.size() + 2 || !std::equal(prefix.begin(), prefix.end(), segs.begin()))
      return route::unmatched;
    std::span<const std::string> rest(segs.begin() + static_cast<std::ptrdiff_t>(prefix.size()),
                                      segs.end());
    if (rest[0] != "chat" || rest[1] != "completions") return route::unmatched;
    const std::string& m = req.method;
    if (rest.size() == 2) return m == "GET" ? route::list_completions : route::unmatched;
    if (rest[2].empty()) return route::unmatched;
    id = rest[2];
    if (rest.size() == 3) {
      if (m == "GET") return route::get_completion;
      if (m == "POST") return route::update_completion;
      if (m == "DELETE") return route::delete_completion;
      return route::unmatched;
    }
    if (rest.size() == 4 && rest[3] == "messages" && m == "GET") return route::list_messages;
    return route::unmatched;
  }

  response dispatch(const request& req) {
    ++stats.requests;
    const std::string target = lenient_target(req.target);
    auto parsed = urls::parse_origin_form(target);
    std::string id;
    const route r = parsed ? match(req, *parsed, id) : route::unmatched;
    ++stats.by_route[req.method + " " + std::string(route_name(r))];

    if (!authorized(req)) {
      ++stats.unauthorized;
      // Never echo the key that was sent, not even masked: it would land in client logs.
      return error_response(
          401,
          req.header("authorization")
              ? "Incorrect API key provided. You can find your API key at "
                "https://platform.openai.com/account/api-keys."
              : "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          std::nullopt, "invalid_api_key");
    }
    if (!parsed || r == route::unmatched) {
      std::string path = parsed ? std::string(parsed->encoded_path()) : req.target;
      return error_response(404, "Invalid URL (" + req.method + " " + path + ")", std::nullopt,
                            std::nullopt);
    }
    switch (r) {
      case route::list_completions:
        return list_completions(*parsed);
      case route::get_completion:
        return get_completion(id);
      case route::update_completion:
        return update_completion(id, req.body);
      case route::delete_completion:
        return delete_completion(id);
      case route::list_messages:
        return list_messages(id, *parsed);
      case route::unmatched:
        break;
    }
    return error_response(404, "Invalid URL", std::nullopt, std::nullopt);
  }

  response get_completion(const std::string& id) const {
    const entry* e = find(id);
    if (!e) return not_found(id);
    return json_response(200, e->completion);
  }

  response update_completion(const std::string& id, std::string_view body) {
    entry* e = find(id);
    if (!e) return not_found(id);
    auto parsed = parse_update_body(body);
    if (auto* err = std::get_if<response>(&parsed)) return std::move(*err);
    e->completion["metadata"] = std::move(std::get<json::object>(parsed));
    return json_response(200, e->completion);
  }

  response delete_completion(const std::string& id) {
    auto it = seq_of.find(id);
    if (it == seq_of.end()) return not_found(id);
    by_seq.erase(it->second);
    seq_of.erase(it);
    return json_response(
        200, json::object{{"object", "chat.completion.deleted"}, {"id", id}, {"deleted", true}});
  }

  static bool matches(const entry& e, const page_query& q) {
    const json::object& c = e.completion;
    if (q.model && c.at("model").as_string() != *q.model) return false;
    const json::object& md = c.at("metadata").as_object();
    for (const auto& [k, v] : q.metadata) {
      auto it = md.find(k);
      if (it == md.end() || it->value().as_string() != v) return false;
    }
    return true;
  }

  response list_completions(const urls::url_view& u) const {
    page_query q;
    if (auto err = parse_page_query(u, q)) return std::move(*err);
    std::optional<std::uint64_t> cursor;
    if (q.after) {
      const entry* a = find(*q.after);
      if (!a)
        return error_response(
            400, "No chat completion found with id '" + *q.after + "' (the 'after' cursor).",
            "after", std::nullopt);
      cursor = a->seq;
    }
    json::array data;
    bool has_more = false;
    auto visit = [&](const entry& e) {
      if (cursor && (q.ord == order::asc ? e.seq <= *cursor : e.seq >= *cursor)) return true;
      if (!matches(e, q)) return true;
      if (static_cast<std::int64_t>(data.size()) == q.limit) {
        has_more = true;
        return false;
      }
      data.push_back(e.completion);
      return true;
    };
    if (q.ord == order::asc) {
      for (const auto& [seq, e] : by_seq)
        if (!visit(e)) break;
    } else {
      for (auto it = by_seq.rbegin(); it != by_seq.rend(); ++it)
        if (!visit(it->second)) break;
    }
    return json_response(200, list_object(std::move(data), has_more));
  }

  response list_messages(const std::string& id, const urls::url_view& u) const {
    const entry* e = find(id);
    if (!e) return not_found(id);
    page_query q;
    if (auto err = parse_page_query(u, q)) return std::move(*err);
    std::vector<const json::object*> ordered;
    for (const auto& m : e->messages) ordered.push_back(&m);
    if (q.ord == order::desc) std::reverse(ordered.begin(), ordered.end());
    std::size_t start = 0;
    if (q.after) {
      auto it = std::find_if(ordered.begin(), ordered.end(), [&](const json::object* m) {
        return m->at("id").as_string() == *q.after;
      });
      if (it == ordered.end())
        return error_response(400,
                              "No message found with id '" + *q.after + "' (the 'after' cursor).",
                              "after", std::nullopt);
      start = static_cast<std::size_t>(it - ordered.begin()) + 1;
    }
    json::array data;
    std::size_t i = start;
    for (; i < ordered.size() && static_cast<std::int64_t>(data.size()) < q.limit; ++i)
      data.push_back(*ordered[i]);
    return json_response(200, list_object(std::move(data), i < ordered.size()));
  }
};

store::store(store_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
store::~store() = default;

response store::handle(const request& req) {
  response res;
  {
    std::lock_guard lock(impl_->mutex);
    res = impl_->dispatch(req);
  }
  res.headers["x-request-id"] = impl_->next_request_id();
  res.headers["content-type"] = "application/json";
  return res;
}

store_stats store::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

std::uint64_t store::count(std::string_view method, route r) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->stats.by_route.find(std::string(method) + " " + std::string(route_name(r)));
  return it == impl_->stats.by_route.end() ? 0 : it->second;
}

std::optional<std::map<std::string, std::string>> store::metadata_of(std::string_view id) const {
  std::lock_guard lock(impl_->mutex);
  const entry* e = impl_->find(id);
  if (!e) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& kv : e->completion.at("metadata").as_object())
    out.emplace(kv.key(), kv.value().as_string());
  return out;
}

}  // namespace openai_mock
