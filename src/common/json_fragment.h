// A JSON fragment: one value already written as its wire JSON text, carried
// in a handler's output (services/service.h) where the value would be, for
// the awsJson writer to copy as it is. DynamoDB keeps an item as its JSON
// text: GetItem answers that text instead of parsing it into a value only
// for the writer to write the same text back.
//
// Only a handler told that its output is written as awsJson text answers
// one, and it says that it did (services::Payload): only then does the
// writer look for fragments, so no client's value can pose as one. Every
// other reader of an output (in-process calls, tests, other protocols)
// therefore sees values only.
#pragma once

#include <boost/json.hpp>
#include <string_view>
#include <utility>

namespace nimbus {

// The one member of a fragment's object: no model member or wire name
// starts with a NUL.
inline constexpr std::string_view kJsonFragmentKey{"\0nimbus.json-fragment", 21};

// `text` (one JSON value, as the wire has it) as a fragment.
inline boost::json::object json_fragment(boost::json::string text) {
  boost::json::object o;
  o.emplace(kJsonFragmentKey, std::move(text));
  return o;
}

// The text of a fragment, or null when `v` is not one.
inline const boost::json::string* json_fragment_text(const boost::json::value& v) {
  const auto* o = v.if_object();
  if (o == nullptr || o->size() != 1) return nullptr;
  const auto& [key, text] = *o->begin();
  if (std::string_view(key.data(), key.size()) != kJsonFragmentKey) return nullptr;
  return text.if_string();
}

}  // namespace nimbus
