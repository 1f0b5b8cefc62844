// Metadata of a stored chat completion: at most 16 string pairs, keys of at most 64 characters,
// values of at most 512 characters (characters are Unicode code points of valid UTF-8).
//
//   openai::metadata md{{"experiment", "b7"}, {"reviewed", "yes"}};
//   openai::validate(md);   // throws openai::validation_error naming every violation
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace openai {

/// One brace-constructed pair of metadata{...}; a default-constructed one stands for "no pair".
class metadata_pair {
 public:
  metadata_pair() = default;  ///< No pair.
  /// The pair key = value; both are copied by the metadata constructor.
  metadata_pair(std::string_view key, std::string_view value)
      : key_(key), value_(value), set_(true) {}

 private:
  friend class metadata;
  std::string_view key_, value_;
  bool set_ = false;
};

/// String-to-string pairs, ordered so the same metadata always serializes the same way. It has
/// std::map's interface (at, find, insert_or_assign, emplace, erase, size, iteration) plus
/// brace construction of up to 16 pairs, the API's limit:
///
///     openai::metadata md{{"foo", "bar"}, {"run", "b7"}};
///
/// Why not std::map itself: g++ 12 rejects an initializer_list temporary inside a co_await
/// expression ("array used as initializer"), which is exactly how the headline call is written:
///
///     co_await client.update_completion(id, openai::metadata{{"foo", "bar"}});
///
/// Fixed-arity constructors avoid the initializer_list. Larger metadata (to be rejected by
/// validate) is built with insert_or_assign or from a std::map.
///
/// Copying is cheap enough for a call's argument (16 short strings at most); a metadata is not
/// safe to change while another thread reads it.
class metadata {
 public:
  using map_type = std::map<std::string, std::string, std::less<>>;  ///< The pairs' container.
  using key_type = map_type::key_type;  ///< std::string.
  using mapped_type = map_type::mapped_type;  ///< std::string.
  using value_type = map_type::value_type;  ///< A key-value pair.
  using size_type = map_type::size_type;  ///< std::size_t.
  using iterator = map_type::iterator;  ///< Over the pairs, by key.
  using const_iterator = map_type::const_iterator;  ///< Over the pairs, by key.

  using pair = metadata_pair;  ///< One pair of the brace constructor.

  metadata() = default;  ///< No pairs (an empty object, not null).
  /// A later pair with the same key replaces an earlier one.
  metadata(pair p1, pair p2 = {}, pair p3 = {}, pair p4 = {}, pair p5 = {}, pair p6 = {},
           pair p7 = {}, pair p8 = {}, pair p9 = {}, pair p10 = {}, pair p11 = {},
           pair p12 = {}, pair p13 = {}, pair p14 = {}, pair p15 = {}, pair p16 = {}) {
    for (const pair* p : {&p1, &p2, &p3, &p4, &p5, &p6, &p7, &p8, &p9, &p10, &p11, &p12, &p13,
                          &p14, &p15, &p16})
      if (p->set_) pairs_.insert_or_assign(std::string(p->key_), std::string(p->value_));
  }

  /// JSON null instead of an object: an update with it sends {"metadata": null}, which the API
  /// takes as "no metadata". Adding a pair makes it an ordinary (non-null) metadata again.
  static metadata null_value() {
    metadata md;
    md.null_ = true;
    return md;
  }
  bool is_null() const noexcept { return null_; }  ///< Whether this is null_value().

  /// From any range of string pairs (a std::map, a vector of pairs...).
  template <typename Range>
  static metadata from_pairs(const Range& range) {
    metadata md;
    for (const auto& [key, value] : range) md.insert_or_assign(std::string(key), std::string(value));
    return md;
  }

  /// The value of key; throws std::out_of_range when there is none.
  const std::string& at(std::string_view key) const {
    auto it = pairs_.find(key);
    if (it == pairs_.end()) throw std::out_of_range("no metadata key '" + std::string(key) + "'");
    return it->second;
  }
  /// The value of key, inserted empty when there is none.
  std::string& operator[](std::string_view key) {
    auto it = pairs_.find(key);
    null_ = false;
    if (it == pairs_.end()) it = pairs_.emplace(std::string(key), std::string()).first;
    return it->second;
  }
  /// Sets key to value, replacing an existing value; true when the key is new.
  template <typename V>
  std::pair<iterator, bool> insert_or_assign(std::string key, V&& value) {
    null_ = false;
    return pairs_.insert_or_assign(std::move(key), std::forward<V>(value));
  }
  /// Inserts a pair built from args unless its key exists; true when inserted.
  template <typename... Args>
  std::pair<iterator, bool> emplace(Args&&... args) {
    null_ = false;
    return pairs_.emplace(std::forward<Args>(args)...);
  }
  /// Removes key; 1 when it was there, else 0.
  size_type erase(std::string_view key) {
    auto it = pairs_.find(key);
    if (it == pairs_.end()) return 0;
    pairs_.erase(it);
    return 1;
  }
  /// Removes every pair (and nullness): an empty object.
  void clear() noexcept {
    pairs_.clear();
    null_ = false;
  }

  const_iterator find(std::string_view key) const { return pairs_.find(key); }  ///< The pair of key, or end().
  bool contains(std::string_view key) const { return pairs_.find(key) != pairs_.end(); }  ///< Whether key is there.
  size_type size() const noexcept { return pairs_.size(); }  ///< Number of pairs.
  bool empty() const noexcept { return pairs_.empty(); }  ///< Whether there are no pairs.
  iterator begin() noexcept { return pairs_.begin(); }  ///< First pair, by key.
  iterator end() noexcept { return pairs_.end(); }  ///< Past the last pair.
  const_iterator begin() const noexcept { return pairs_.begin(); }  ///< First pair, by key.
  const_iterator end() const noexcept { return pairs_.end(); }  ///< Past the last pair.

  const map_type& as_map() const noexcept { return pairs_; }  ///< The pairs as a std::map.
  /// Same pairs and same nullness.
  friend bool operator==(const metadata&, const metadata&) = default;

 private:
  map_type pairs_;
  bool null_ = false;
};

inline constexpr std::size_t max_metadata_pairs = 16;  ///< The API's limit of pairs.
inline constexpr std::size_t max_metadata_key_length = 64;  ///< Of a key, in code points.
inline constexpr std::size_t max_metadata_value_length = 512;  ///< Of a value, in code points.

/// Every rule md breaks, one readable sentence each; empty when md is valid.
std::vector<std::string> metadata_violations(const metadata& md);

/// Throws openai::validation_error when metadata_violations(md) is not empty.
void validate(const metadata& md);

/// Number of Unicode code points in s, or npos when s is not valid UTF-8
/// (overlong forms, surrogates and values above U+10FFFF are invalid).
std::size_t utf8_length(std::string_view s) noexcept;

}  // namespace openai
