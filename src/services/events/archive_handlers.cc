// EventBridge handlers for archives (CreateArchive, DescribeArchive,
// ListArchives, UpdateArchive, DeleteArchive) and replays (StartReplay,
// DescribeReplay, ListReplays, CancelReplay). The archives and their events
// are kept by Archives (archive.h); replays run in the engine (replay.cc).
#include <boost/json.hpp>
#include <cmath>

#include "common/json_fields.h"
#include "services/events/errors.h"
#include "services/events/events_service.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

// A timestamp member (epoch seconds on the wire) in ms; nullopt when absent.
std::optional<int64_t> millis(const json::object& in, std::string_view key) {
  const auto* v = in.if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  double secs = v->to_number<double>();
  if (!std::isfinite(secs) || secs < 0 || secs > 1e11) return std::nullopt;
  return static_cast<int64_t>(std::llround(secs * 1000));
}

json::value seconds(int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

json::object describe(const Archive& a) {
  json::object o{{"ArchiveArn", a.arn},
                 {"ArchiveName", a.name},
                 {"EventSourceArn", a.source_arn},
                 {"State", "ENABLED"},
                 {"RetentionDays", a.retention_days},
                 {"SizeBytes", a.size_bytes},
                 {"EventCount", a.event_count},
                 {"CreationTime", a.created_s}};
  if (!a.description.empty()) o["Description"] = a.description;
  if (!a.pattern_text.empty()) o["EventPattern"] = a.pattern_text;
  return o;
}

json::object describe(const Replay& r) {
  json::object o{{"ReplayName", r.name},
                 {"ReplayArn", r.arn},
                 {"EventSourceArn", r.source_arn},
                 {"State", r.state},
                 {"EventStartTime", seconds(r.event_start_ms)},
                 {"EventEndTime", seconds(r.event_end_ms)},
                 {"ReplayStartTime", seconds(r.started_ms)}};
  json::array filters;
  for (const auto& f : r.filter_arns) filters.push_back(json::string(f));
  json::object destination{{"Arn", r.destination_arn}};
  if (!filters.empty()) destination["FilterArns"] = std::move(filters);
  o["Destination"] = std::move(destination);
  if (!r.description.empty()) o["Description"] = r.description;
  if (!r.reason.empty()) o["StateReason"] = r.reason;
  if (r.last_replayed_ms != 0) o["EventLastReplayedTime"] = seconds(r.last_replayed_ms);
  if (r.ended_ms != 0) o["ReplayEndTime"] = seconds(r.ended_ms);
  return o;
}

Error archive_not_found(const std::string& name) {
  return errors::not_found("Archive " + name + " does not exist.");
}
Error replay_not_found(const std::string& name) {
  return errors::not_found("Replay " + name + " does not exist.");
}

// The definition fields CreateArchive and UpdateArchive share.
Status read_definition(const json::object& in, Archive& a) {
  if (in.contains("Description")) a.description = str(in, "Description");
  if (in.contains("EventPattern")) {
    a.pattern_text = str(in, "EventPattern");
    a.pattern.reset();
    if (!a.pattern_text.empty()) {
      auto p = ::nimbus::events::EventPattern::parse(a.pattern_text);
      if (!p) return p.error();
      a.pattern = std::move(*p);
    }
  }
  if (in.contains("RetentionDays")) {
    auto days = integer(in, "RetentionDays");
    if (!days || *days < 0) return errors::validation("Parameter RetentionDays is not valid.");
    a.retention_days = *days;
  }
  return Status::ok();
}

// At most one of a List call's filters, as EventBridge allows.
bool one_filter(const json::object& in) {
  int n = 0;
  for (const char* k : {"NamePrefix", "EventSourceArn", "State"}) n += has(in, k) ? 1 : 0;
  return n <= 1;
}

// One page of `items` (in name order) that `keep` keeps, as `key`:
// Limit and NextToken (the last name of the page before).
template <class T, class Describe>
json::object page(const std::vector<T>& items, const json::object& in, const char* key,
                  const std::function<bool(const T&)>& keep, Describe describe) {
  int64_t limit = integer(in, "Limit").value_or(100);
  std::string after = str(in, "NextToken");
  json::array list;
  std::string last;
  bool more = false;
  for (const auto& item : items) {
    if ((!after.empty() && item.name <= after) || !keep(item)) continue;
    if (static_cast<int64_t>(list.size()) == limit) {
      more = true;
      break;
    }
    list.push_back(describe(item));
    last = item.name;
  }
  json::object out{{key, std::move(list)}};
  if (more) out["NextToken"] = last;
  return out;
}

}  // namespace

void EventsService::create_archive(const CallContext&, object in, Respond respond) {
  Archive a;
  a.name = str(in, "ArchiveName");
  if (!valid_name(a.name, 48))
    return respond(errors::validation("Parameter ArchiveName is not valid."));
  a.source_arn = str(in, "EventSourceArn");
  a.bus = Engine::bus_name(a.source_arn);
  if (a.source_arn.find(":event-bus/") == std::string::npos || !engine_->bus(a.bus)) {
    return respond(errors::bus_not_found(a.bus));
  }
  if (engine_->archives().archive(a.name)) {
    return respond(errors::already_exists("Archive " + a.name + " already exists."));
  }
  if (auto st = read_definition(in, a); !st) return respond(st.error());
  a.arn = "arn:aws:events:" + env_.settings.region + ":" + env_.settings.account_id + ":archive/" +
          a.name;
  a.created_s = env_.clock.now_millis() / 1000;
  json::object out{{"ArchiveArn", a.arn}, {"State", "ENABLED"}, {"CreationTime", a.created_s}};
  engine_->archives().put(std::move(a), [respond = std::move(respond), out](Status st) {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(out);
  });
}

Output EventsService::describe_archive(const CallContext&, const object& in) const {
  std::string name = str(in, "ArchiveName");
  auto a = engine_->archives().archive(name);
  if (!a) return archive_not_found(name);
  return describe(*a);
}

Output EventsService::list_archives(const CallContext&, const object& in) const {
  if (!one_filter(in)) {
    return errors::validation(
        "At most one filter is allowed for ListArchives. Use either : State, EventSourceArn, or "
        "NamePrefix.");
  }
  std::string prefix = str(in, "NamePrefix");
  std::string source = str(in, "EventSourceArn");
  std::string state = str(in, "State");
  std::function<bool(const Archive&)> keep = [&](const Archive& a) {
    return a.name.rfind(prefix, 0) == 0 && (source.empty() || a.source_arn == source) &&
           (state.empty() || state == "ENABLED");
  };
  return page(engine_->archives().archives(), in, "Archives", keep, [](const Archive& a) {
    auto o = describe(a);
    o.erase("ArchiveArn");
    o.erase("Description");
    o.erase("EventPattern");
    return o;
  });
}

void EventsService::update_archive(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "ArchiveName");
  auto a = engine_->archives().archive(name);
  if (!a) return respond(archive_not_found(name));
  if (auto st = read_definition(in, *a); !st) return respond(st.error());
  json::object out{{"ArchiveArn", a->arn}, {"State", "ENABLED"}, {"CreationTime", a->created_s}};
  engine_->archives().put(std::move(*a), [respond = std::move(respond), out](Status st) {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(out);
  });
}

void EventsService::delete_archive(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "ArchiveName");
  if (!engine_->archives().archive(name)) return respond(archive_not_found(name));
  engine_->archives().remove(name, [respond = std::move(respond)](Status st) {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(json::object{});
  });
}

void EventsService::start_replay(const CallContext&, object in, Respond respond) {
  Replay r;
  r.name = str(in, "ReplayName");
  if (!valid_name(r.name, 64))
    return respond(errors::validation("Parameter ReplayName is not valid."));
  if (engine_->archives().replay(r.name)) {
    return respond(errors::already_exists("Replay " + r.name + " already exists."));
  }
  r.source_arn = str(in, "EventSourceArn");
  auto slash = r.source_arn.find(":archive/");
  r.archive = slash == std::string::npos ? r.source_arn : r.source_arn.substr(slash + 9);
  auto archive = engine_->archives().archive(r.archive);
  if (slash == std::string::npos || !archive) return respond(archive_not_found(r.archive));
  auto from = millis(in, "EventStartTime");
  auto to = millis(in, "EventEndTime");
  if (!from) return respond(errors::validation("Parameter EventStartTime is not valid."));
  if (!to) return respond(errors::validation("Parameter EventEndTime is not valid."));
  if (*from >= *to) {
    return respond(errors::validation(
        "Parameter EventEndTime is not valid. Reason: EventStartTime must be before "
        "EventEndTime."));
  }
  if (*to > env_.clock.now_millis()) {
    return respond(errors::validation(
        "Parameter EventEndTime is not valid. Reason: EventEndTime must be before the current "
        "time."));
  }
  r.event_start_ms = *from;
  r.event_end_ms = *to;
  const auto* dest = in.if_contains("Destination");
  if (dest == nullptr || !dest->is_object()) {
    return respond(errors::validation("Parameter Destination is not valid."));
  }
  r.destination_arn = str(dest->as_object(), "Arn");
  if (r.destination_arn != archive->source_arn) {
    return respond(errors::validation(
        "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not "
        "permitted."));
  }
  r.filter_arns = string_list(dest->as_object(), "FilterArns");
  for (const auto& f : r.filter_arns) {
    std::string rule_prefix = "arn:aws:events:" + env_.settings.region + ":" +
                              env_.settings.account_id + ":rule/" +
                              (archive->bus == "default" ? "" : archive->bus + "/");
    if (f.rfind(rule_prefix, 0) != 0 ||
        !engine_->rule(archive->bus, std::string_view(f).substr(rule_prefix.size()))) {
      return respond(errors::validation("Parameter Destination.FilterArns is not valid. Reason: " +
                                        f + " is not a rule of event bus " + archive->bus + "."));
    }
  }
  r.description = str(in, "Description");
  r.arn = "arn:aws:events:" + env_.settings.region + ":" + env_.settings.account_id + ":replay/" +
          r.name;
  r.started_ms = env_.clock.now_millis();
  json::object out{
      {"ReplayArn", r.arn}, {"State", "STARTING"}, {"ReplayStartTime", seconds(r.started_ms)}};
  std::string name = r.name;
  engine_->archives().put_replay(std::move(r),
                                 [this, name, respond = std::move(respond), out](Status st) {
                                   if (!st) return respond(errors::unavailable(st.error().message));
                                   engine_->run_replay(name);
                                   respond(out);
                                 });
}

Output EventsService::describe_replay(const CallContext&, const object& in) const {
  std::string name = str(in, "ReplayName");
  auto r = engine_->archives().replay(name);
  if (!r) return replay_not_found(name);
  return describe(*r);
}

Output EventsService::list_replays(const CallContext&, const object& in) const {
  if (!one_filter(in)) {
    return errors::validation(
        "At most one filter is allowed for ListReplays. Use either : State, EventSourceArn, or "
        "NamePrefix.");
  }
  std::string prefix = str(in, "NamePrefix");
  std::string source = str(in, "EventSourceArn");
  std::string state = str(in, "State");
  std::function<bool(const Replay&)> keep = [&](const Replay& r) {
    return r.name.rfind(prefix, 0) == 0 && (source.empty() || r.source_arn == source) &&
           (state.empty() || r.state == state);
  };
  return page(engine_->archives().replays(), in, "Replays", keep, [](const Replay& r) {
    auto o = describe(r);
    o.erase("ReplayArn");
    o.erase("Description");
    o.erase("Destination");
    return o;
  });
}

void EventsService::cancel_replay(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "ReplayName");
  auto r = engine_->archives().replay(name);
  if (!r) return respond(replay_not_found(name));
  if (r->state != "STARTING" && r->state != "RUNNING") {
    return respond(Error::make("IllegalStatusException",
                               "Replay " + name + " is not in a valid state for this operation."));
  }
  r->state = "CANCELLING";
  json::object out{{"ReplayArn", r->arn}, {"State", "CANCELLING"}};
  engine_->archives().put_replay(std::move(*r), [respond = std::move(respond), out](Status st) {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(out);
  });
}

}  // namespace nimbus::services::eventbridge
