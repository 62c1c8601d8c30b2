// Tag keys AWS keeps for itself: a key starting with "aws:", in any case,
// is set by AWS services (CloudFormation's aws:cloudformation:stack-name,
// ...), never added, changed or removed by a user. Each service refuses such
// keys with its own error unless the caller may set them
// (services::takes_aws_tags).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus {

inline bool reserved_tag_key(std::string_view key) {
  return key.size() >= 4 && (key[0] | 0x20) == 'a' && (key[1] | 0x20) == 'w' &&
         (key[2] | 0x20) == 's' && key[3] == ':';
}

// The first reserved key a tagging call's input names: in `tags` (a list of
// {Key, Value} or {key, value} objects, or a key -> value map) or in
// `tag_keys` (a list of keys, as an untag call has them). Members missing or
// of another shape name none.
inline std::optional<std::string> reserved_tag_key_in(const boost::json::object& in,
                                                      std::string_view tags,
                                                      std::string_view tag_keys) {
  auto check = [](const boost::json::value* key) -> std::optional<std::string> {
    if (key != nullptr && key->is_string() && reserved_tag_key(key->get_string())) {
      return std::string(key->get_string());
    }
    return std::nullopt;
  };
  if (const auto* t = in.if_contains(tags)) {
    if (t->is_object()) {
      for (const auto& [k, v] : t->get_object()) {
        if (reserved_tag_key(k)) return std::string(k);
      }
    } else if (t->is_array()) {
      for (const auto& e : t->get_array()) {
        if (!e.is_object()) continue;
        const auto& o = e.get_object();
        if (auto k = check(o.if_contains("Key"))) return k;
        if (auto k = check(o.if_contains("key"))) return k;
      }
    }
  }
  if (const auto* keys = in.if_contains(tag_keys); keys && keys->is_array()) {
    for (const auto& k : keys->get_array()) {
      if (auto found = check(&k)) return found;
    }
  }
  return std::nullopt;
}

// Why a tagging call may not be made: the message naming the first reserved
// key its input names (reserved_tag_key_in), unless `takes_aws_keys`
// (services::takes_aws_tags: a stack's call). nullopt: it may.
inline std::optional<std::string> refused_tag_keys(bool takes_aws_keys,
                                                   const boost::json::object& in,
                                                   std::string_view tags,
                                                   std::string_view tag_keys) {
  if (takes_aws_keys) return std::nullopt;
  auto key = reserved_tag_key_in(in, tags, tag_keys);
  if (!key) return std::nullopt;
  return "The tag key '" + *key + "' starts with 'aws:', which is reserved for AWS use.";
}

}  // namespace nimbus
