#include "services/events/codec.h"

#include <boost/json.hpp>
#include <ctime>

#include "common/json_fields.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

json::object encode_tags(const std::map<std::string, std::string>& tags) {
  json::object o;
  for (const auto& [k, v] : tags) o[k] = v;
  return o;
}

std::map<std::string, std::string> decode_tags(const json::object& o) {
  std::map<std::string, std::string> tags;
  if (const auto* t = o.if_contains("tags"); t != nullptr && t->is_object()) {
    for (const auto& [k, v] : t->as_object()) {
      if (v.is_string()) tags[std::string(k)] = std::string(v.as_string());
    }
  }
  return tags;
}

}  // namespace

std::string encode(const Bus& b) {
  return json::serialize(json::object{{"name", b.name},
                                      {"arn", b.arn},
                                      {"description", b.description},
                                      {"policy", b.policy},
                                      {"created", b.created_s},
                                      {"tags", encode_tags(b.tags)}});
}

std::optional<Bus> decode_bus(std::string_view text) {
  auto o = parse_object(text);
  if (!o || str(*o, "name").empty()) return std::nullopt;
  return Bus{str(*o, "name"),
             str(*o, "arn"),
             str(*o, "description"),
             str(*o, "policy"),
             integer(*o, "created").value_or(0),
             decode_tags(*o)};
}

std::string encode(const Rule& r) {
  json::array targets;
  for (const auto& t : r.targets) targets.push_back(t.raw);
  return json::serialize(json::object{{"name", r.name},
                                      {"bus", r.bus},
                                      {"arn", r.arn},
                                      {"description", r.description},
                                      {"role", r.role_arn},
                                      {"state", r.state},
                                      {"pattern", r.pattern_text},
                                      {"schedule", r.schedule_text},
                                      {"anchor", r.anchor_s},
                                      {"targets", std::move(targets)},
                                      {"tags", encode_tags(r.tags)}});
}

std::optional<Rule> decode_rule(std::string_view text) {
  auto o = parse_object(text);
  if (!o || str(*o, "name").empty()) return std::nullopt;
  Rule r;
  r.name = str(*o, "name");
  r.bus = str(*o, "bus");
  r.arn = str(*o, "arn");
  r.description = str(*o, "description");
  r.role_arn = str(*o, "role");
  r.state = str(*o, "state");
  r.pattern_text = str(*o, "pattern");
  r.schedule_text = str(*o, "schedule");
  r.anchor_s = integer(*o, "anchor").value_or(0);
  r.tags = decode_tags(*o);
  if (!r.pattern_text.empty()) {
    auto p = ::nimbus::events::EventPattern::parse(r.pattern_text);
    if (!p) return std::nullopt;
    r.pattern = std::move(*p);
  }
  if (!r.schedule_text.empty()) {
    auto s = ::nimbus::events::Schedule::parse(r.schedule_text, false);
    if (!s) return std::nullopt;
    r.schedule = std::move(*s);
  }
  if (const auto* list = o->if_contains("targets"); list != nullptr && list->is_array()) {
    for (const auto& v : list->as_array()) {
      if (!v.is_object()) return std::nullopt;
      auto t = RuleTarget::from(v.as_object());
      if (!t) return std::nullopt;
      r.targets.push_back(std::move(*t));
    }
  }
  return r;
}

std::string event_time(int64_t epoch_s) {
  std::time_t s = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string target_input(const RuleTarget& t, const Rule& rule, const json::value& event,
                         std::string_view time) {
  if (t.input) return *t.input;
  if (t.input_path) {
    auto v = select_path(event, *t.input_path);
    if (!v || *v == nullptr) return "null";
    return json::serialize(**v);
  }
  if (t.transformer) return t.transformer->apply(event, rule.arn, rule.name, time);
  return json::serialize(event);
}

}  // namespace nimbus::services::eventbridge
