// Tags of state machines and activities: the API's list form
// ([{key, value}]) and the limit on a resource.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>

#include "common/json_fields.h"

namespace nimbus::sfn {

inline constexpr size_t kMaxTags = 50;

inline boost::json::array tag_list(const std::map<std::string, std::string>& tags) {
  boost::json::array out;
  for (const auto& [k, v] : tags) out.push_back(boost::json::object{{"key", k}, {"value", v}});
  return out;
}

// The input's `tags` added to `tags` (a key given again takes the new value).
inline void merge_tags(const boost::json::object& in, std::map<std::string, std::string>& tags) {
  const auto* t = in.if_contains("tags");
  if (t == nullptr || !t->is_array()) return;
  for (const auto& e : t->as_array()) {
    if (!e.is_object()) continue;
    tags[str(e.as_object(), "key")] = str(e.as_object(), "value");
  }
}

}  // namespace nimbus::sfn
