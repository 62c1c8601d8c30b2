#include "services/s3/tags.h"

#include <map>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/s3/errors.h"

namespace nimbus::services::s3 {

namespace json = boost::json;

namespace {

Error invalid_tag(std::string message) {
  return errors::make("InvalidTag", std::move(message), 400);
}

Status check_tag(std::string_view key, std::string_view value, const json::object& so_far) {
  if (key.empty() || key.size() > 128) {
    return invalid_tag("The TagKey you have provided is invalid");
  }
  if (value.size() > 256) return invalid_tag("The TagValue you have provided is invalid");
  if (so_far.contains(key)) return invalid_tag("Cannot provide multiple Tags with the same key");
  return Status::ok();
}

Status check_count(size_t n, size_t limit) {
  if (n > limit) {
    return errors::make("BadRequest", "Object tags cannot be greater than " + std::to_string(limit),
                        400);
  }
  return Status::ok();
}

}  // namespace

Result<json::object> tags_from_header(std::string_view header) {
  json::object out;
  while (!header.empty()) {
    auto amp = header.find('&');
    std::string_view pair = header.substr(0, amp);
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
    if (!pair.empty()) {
      NIMBUS_TRY(check_tag(key, value, out));
      out[key] = value;
    }
    if (amp == std::string_view::npos) break;
    header.remove_prefix(amp + 1);
  }
  NIMBUS_TRY(check_count(out.size(), 10));
  return out;
}

Result<json::object> tags_from_set(const json::value* tag_set, size_t limit) {
  json::object out;
  if (tag_set == nullptr || !tag_set->is_array()) return out;
  for (const auto& t : tag_set->as_array()) {
    if (!t.is_object()) return errors::malformed_xml();
    std::string key = str(t.as_object(), "Key");
    std::string value = str(t.as_object(), "Value");
    NIMBUS_TRY(check_tag(key, value, out));
    out[key] = value;
  }
  NIMBUS_TRY(check_count(out.size(), limit));
  return out;
}

json::array tag_set(const json::object& tags) {
  std::map<std::string, std::string> sorted;
  for (const auto& [k, v] : tags) {
    sorted[std::string(k)] = v.is_string() ? std::string(v.as_string()) : std::string();
  }
  json::array out;
  for (const auto& [k, v] : sorted) out.push_back(json::object{{"Key", k}, {"Value", v}});
  return out;
}

}  // namespace nimbus::services::s3
