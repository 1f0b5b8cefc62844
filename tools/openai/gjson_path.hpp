// A GJSON path evaluator over Boost.JSON values: what --transform and --transform-error take,
// so that paths written for the official CLI (which uses GJSON) select the same data here.
//
//   gjson_get(completion, "choices.0.message.content")     -> "Mind of circuits hum..."
//   gjson_get(list_item, "metadata.@keys")                  -> ["foo"]
//   gjson_get(doc, "friends.#(age>40)#.first")              -> ["Dale","Jane"]
//
// Covered: dotted keys with `\` escapes, array indexes, `#` (length), `#.path` (map over an
// array), `*` and `?` wildcards in keys, `|` pipes, queries `#(path op value)` (first match)
// and `#(...)#` (all matches) with == != < <= > >= % !%, and the modifiers @this @keys @values
// @reverse @ugly @pretty @flatten (@flatten:{"deep":true}) @valid. Not covered: multipaths
// ([a,b] / {a,b}), literals (!true), JSON Lines paths (..), @join and the other modifiers.
// No I/O; never throws on a malformed path (GJSON answers "no match" too).
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string_view>

namespace openai_cli {

// The value path selects in doc, or std::nullopt when it selects nothing.
std::optional<boost::json::value> gjson_get(const boost::json::value& doc, std::string_view path);

}  // namespace openai_cli
