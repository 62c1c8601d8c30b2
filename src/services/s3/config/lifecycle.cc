#include "services/s3/config/lifecycle.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "common/json_fields.h"
#include "services/s3/config/errors.h"

namespace nimbus::s3config {

namespace {

constexpr int64_t kDayMs = 86'400'000;

// A timestamp member (epoch seconds, as the engine hands them over) in ms.
// Saturated at the ends of int64 milliseconds: such a date is never due and
// is not at midnight, so the rule is refused rather than overflowing.
std::optional<int64_t> time_ms(const json::object& o, std::string_view key) {
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000;
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_double()) {
    double s = v->get_double();
    if (std::isnan(s)) return std::nullopt;
    if (s >= static_cast<double>(kMaxSeconds)) return kMaxSeconds * 1000;
    if (s <= -static_cast<double>(kMaxSeconds)) return -kMaxSeconds * 1000;
    return static_cast<int64_t>(std::llround(s * 1000));
  }
  if (auto n = integer(o, key)) return std::clamp(*n, -kMaxSeconds, kMaxSeconds) * 1000;
  return std::nullopt;
}

Status positive(const json::object& o, const char* member, const char* action) {
  if (!has(o, member)) return Status::ok();
  auto n = integer(o, member);
  if (!n || *n <= 0) {
    return invalid_argument(
        std::string("'") + member + "' for " + action + " action must be a positive integer",
        member, n ? std::to_string(*n) : str(o, member));
  }
  return Status::ok();
}

// The filter's tags: Filter.Tag or Filter.And.Tags.
std::vector<std::pair<std::string, std::string>> filter_tags(const json::object& rule) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto* filter = object_at(rule, "Filter");
  if (filter == nullptr) return out;
  if (const auto* tag = object_at(*filter, "Tag"))
    out.emplace_back(str(*tag, "Key"), str(*tag, "Value"));
  if (const auto* both = object_at(*filter, "And")) {
    const auto* tags = both->if_contains("Tags");
    if (tags != nullptr && tags->is_array()) {
      for (const auto& t : tags->get_array()) {
        if (t.is_object())
          out.emplace_back(str(t.get_object(), "Key"), str(t.get_object(), "Value"));
      }
    }
  }
  return out;
}

Status check_rule(const json::object& rule, std::set<std::string>& ids) {
  std::string id = str(rule, "ID");
  if (id.size() > 255) {
    return invalid_argument("ID length should not exceed allowed limit of 255", "ID", id);
  }
  if (!id.empty() && !ids.insert(id).second) {
    return invalid_argument("Rule ID must be unique. Found same ID for more than one rule", "ID",
                            id);
  }
  std::string status = str(rule, "Status");
  if (status != "Enabled" && status != "Disabled") return malformed_xml();
  if (has(rule, "Filter") && has(rule, "Prefix")) return malformed_xml();
  if (const auto* filter = object_at(rule, "Filter")) {
    int parts = static_cast<int>(has(*filter, "Prefix")) + has(*filter, "Tag") +
                has(*filter, "And") + has(*filter, "ObjectSizeGreaterThan") +
                has(*filter, "ObjectSizeLessThan");
    if (parts > 1) return malformed_xml();
  }
  const auto* expiration = object_at(rule, "Expiration");
  const auto* noncurrent = object_at(rule, "NoncurrentVersionExpiration");
  const auto* abort = object_at(rule, "AbortIncompleteMultipartUpload");
  bool transitions = has(rule, "Transitions") || has(rule, "NoncurrentVersionTransitions");
  if (expiration == nullptr && noncurrent == nullptr && abort == nullptr && !transitions) {
    return invalid_request("At least one action needs to be specified in a rule");
  }
  bool tagged = !filter_tags(rule).empty();
  if (expiration != nullptr) {
    int kinds = static_cast<int>(has(*expiration, "Days")) + has(*expiration, "Date") +
                has(*expiration, "ExpiredObjectDeleteMarker");
    if (kinds != 1) return malformed_xml();
    NIMBUS_TRY(positive(*expiration, "Days", "Expiration"));
    if (auto date = time_ms(*expiration, "Date"); date && *date % kDayMs != 0) {
      return invalid_argument("'Date' must be at midnight GMT", "Date", str(*expiration, "Date"));
    }
    if (tagged && has(*expiration, "ExpiredObjectDeleteMarker")) {
      return invalid_request("ExpiredObjectDeleteMarker cannot be specified with Tags.");
    }
  }
  if (noncurrent != nullptr) {
    NIMBUS_TRY(positive(*noncurrent, "NoncurrentDays", "NoncurrentVersionExpiration"));
    if (!has(*noncurrent, "NoncurrentDays")) return malformed_xml();
  }
  if (abort != nullptr) {
    NIMBUS_TRY(positive(*abort, "DaysAfterInitiation", "AbortIncompleteMultipartUpload"));
    if (!has(*abort, "DaysAfterInitiation")) return malformed_xml();
    if (tagged)
      return invalid_request("AbortIncompleteMultipartUpload cannot be specified with Tags.");
  }
  return Status::ok();
}

bool enabled(const json::object& rule) {
  return str(rule, "Status") == "Enabled";
}

// Whether `rule`'s filter selects `object` (prefix, every tag, sizes).
bool selects(const json::object& rule, const ObjectFacts& object) {
  std::string prefix = str(rule, "Prefix");
  std::optional<int64_t> greater, less;
  if (const auto* filter = object_at(rule, "Filter")) {
    const json::object& f = object_at(*filter, "And") ? *object_at(*filter, "And") : *filter;
    prefix = str(f, "Prefix");
    greater = integer(f, "ObjectSizeGreaterThan");
    less = integer(f, "ObjectSizeLessThan");
  }
  if (!object.key.starts_with(prefix)) return false;
  if (greater && !(object.size > *greater)) return false;
  if (less && !(object.size < *less)) return false;
  for (const auto& [k, v] : filter_tags(rule)) {
    auto it = object.tags.find(k);
    if (it == object.tags.end() || it->second != v) return false;
  }
  return true;
}

void earliest(std::optional<Due>& best, int64_t at, Action action) {
  if (!best || at < best->at_ms) best = Due{at, action};
}

template <typename F>
void each_enabled_rule(const json::object& config, F&& f) {
  const auto* rules = config.if_contains("Rules");
  if (rules == nullptr || !rules->is_array()) return;
  for (const auto& r : rules->get_array()) {
    if (r.is_object() && enabled(r.get_object())) f(r.get_object());
  }
}

}  // namespace

int64_t after_days(int64_t from_ms, int64_t days) {
  // Days beyond 100 million (273,000 years) are as good as never, and bounded
  // so that the product cannot overflow.
  constexpr int64_t kMaxDays = 100'000'000;
  int64_t t = from_ms + std::clamp<int64_t>(days, 0, kMaxDays) * kDayMs;
  int64_t rem = ((t % kDayMs) + kDayMs) % kDayMs;
  return rem == 0 ? t : t - rem + kDayMs;
}

Status validate_lifecycle(const json::object& config) {
  const auto* rules = config.if_contains("Rules");
  if (rules == nullptr || !rules->is_array() || rules->get_array().empty()) return malformed_xml();
  if (rules->get_array().size() > 1000) {
    return invalid_request(
        "The number of lifecycle rules should not exceed allowed limit of 1000 rules");
  }
  std::set<std::string> ids;
  for (const auto& r : rules->get_array()) {
    if (!r.is_object()) return malformed_xml();
    NIMBUS_TRY(check_rule(r.get_object(), ids));
  }
  return Status::ok();
}

std::optional<Due> object_due(const json::object& config, const ObjectFacts& object) {
  std::optional<Due> best;
  each_enabled_rule(config, [&](const json::object& rule) {
    if (!selects(rule, object)) return;
    const auto* expiration = object_at(rule, "Expiration");
    if (object.current && !object.delete_marker && expiration != nullptr) {
      if (auto days = integer(*expiration, "Days")) {
        earliest(best, after_days(object.created_ms, *days), Action::kExpire);
      } else if (auto date = time_ms(*expiration, "Date")) {
        earliest(best, *date, Action::kExpire);
      }
    }
    if (object.current && object.delete_marker && object.only_version && expiration != nullptr &&
        boolean(*expiration, "ExpiredObjectDeleteMarker").value_or(false)) {
      earliest(best, object.created_ms, Action::kRemoveDeleteMarker);
    }
    const auto* noncurrent = object_at(rule, "NoncurrentVersionExpiration");
    if (!object.current && noncurrent != nullptr) {
      auto days = integer(*noncurrent, "NoncurrentDays");
      auto keep = integer(*noncurrent, "NewerNoncurrentVersions");
      if (days && (!keep || object.newer_noncurrent >= *keep)) {
        earliest(best, after_days(object.noncurrent_since_ms, *days), Action::kExpireNoncurrent);
      }
    }
  });
  return best;
}

std::optional<int64_t> upload_due(const json::object& config, const std::string& key,
                                  int64_t initiated_ms) {
  std::optional<int64_t> best;
  ObjectFacts facts;
  facts.key = key;
  each_enabled_rule(config, [&](const json::object& rule) {
    const auto* abort = object_at(rule, "AbortIncompleteMultipartUpload");
    if (abort == nullptr || !filter_tags(rule).empty()) return;
    // Size filters do not apply to uploads; only the prefix does.
    std::string prefix = str(rule, "Prefix");
    if (const auto* filter = object_at(rule, "Filter")) {
      prefix = str(object_at(*filter, "And") ? *object_at(*filter, "And") : *filter, "Prefix");
    }
    auto days = integer(*abort, "DaysAfterInitiation");
    if (!days || !key.starts_with(prefix)) return;
    int64_t at = after_days(initiated_ms, *days);
    if (!best || at < *best) best = at;
  });
  return best;
}

}  // namespace nimbus::s3config
