// Lenient reads of a Boost.JSON object: a missing, null or mistyped field reads as "absent".
// API responses grow new fields and occasionally send null; accessors must not throw on either.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace openai::detail {

inline const boost::json::value* field(const boost::json::object& o, std::string_view key) noexcept {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

inline std::optional<std::string_view> string_field(const boost::json::object& o,
                                                    std::string_view key) noexcept {
  const auto* v = field(o, key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}

inline std::optional<std::int64_t> int_field(const boost::json::object& o,
                                             std::string_view key) noexcept {
  const auto* v = field(o, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

inline const boost::json::object* object_field(const boost::json::object& o,
                                               std::string_view key) noexcept {
  const auto* v = field(o, key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

inline const boost::json::array* array_field(const boost::json::object& o,
                                             std::string_view key) noexcept {
  const auto* v = field(o, key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

}  // namespace openai::detail
