// EventBridge handlers for event buses: create, update, delete, describe,
// list.
#include "common/json_fields.h"
#include "services/events/errors.h"
#include "services/events/events_service.h"
#include "services/events/tags.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

bool valid_bus_name(const std::string& name) {
  if (name.empty() || name.size() > 256) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_' &&
        c != '/') {
      return false;
    }
  }
  return true;
}

json::object describe(const Bus& b) {
  json::object o{{"Name", b.name}, {"Arn", b.arn}};
  if (!b.description.empty()) o["Description"] = b.description;
  if (!b.policy.empty()) o["Policy"] = b.policy;
  if (b.created_s != 0) {
    o["CreationTime"] = b.created_s;
    o["LastModifiedTime"] = b.created_s;
  }
  return o;
}

}  // namespace

void EventsService::create_event_bus(const CallContext& ctx, object in, Respond respond) {
  std::string name = str(in, "Name");
  if (!valid_bus_name(name) || name.find('/') != std::string::npos) {
    return respond(errors::validation("Event bus name must not contain '/'."));
  }
  if (name == "default" || engine_->bus(name)) {
    return respond(errors::already_exists("Event bus " + name + " already exists."));
  }
  if (has(in, "EventSourceName")) {
    return respond(errors::validation("Partner event sources are not supported."));
  }
  Bus b{name, engine_->bus_arn(name),         str(in, "Description"),
        "",   env_.clock.now_millis() / 1000, {}};
  if (auto st = merge_tags(in, b.tags, takes_aws_tags(ctx)); !st) return respond(st.error());
  engine_->put_bus(b, [respond = std::move(respond), arn = b.arn](Status st) {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(json::object{{"EventBusArn", arn}});
  });
}

// UpdateEventBus: the Description (KmsKeyIdentifier, DeadLetterConfig and
// LogConfig are accepted and not kept: nimbus neither encrypts buses nor
// has their dead-letter queues). Name absent: the default bus.
void EventsService::update_event_bus(const CallContext&, object in, Respond respond) {
  std::string name = has(in, "Name") ? Engine::bus_name(str(in, "Name")) : "default";
  auto b = engine_->bus(name);
  if (!b) return respond(errors::bus_not_found(name));
  if (has(in, "Description")) b->description = str(in, "Description");
  json::object out{{"Arn", b->arn}, {"Name", b->name}};
  if (!b->description.empty()) out["Description"] = b->description;
  engine_->put_bus(*b, [respond = std::move(respond), out = std::move(out)](Status st) {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(out);
  });
}

void EventsService::delete_event_bus(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "Name");
  if (name == "default") return respond(errors::validation("Cannot delete event bus default."));
  if (!engine_->bus(name)) return respond(json::object{});  // idempotent, as on AWS
  engine_->delete_bus(name, [respond = std::move(respond)](Status st) {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(json::object{});
  });
}

Output EventsService::describe_event_bus(const CallContext&, const object& in) const {
  std::string name = Engine::bus_name(str(in, "Name"));
  auto b = engine_->bus(name);
  if (!b) return errors::bus_not_found(name);
  return describe(*b);
}

Output EventsService::list_event_buses(const CallContext&, const object& in) const {
  std::string prefix = str(in, "NamePrefix");
  int64_t limit = integer(in, "Limit").value_or(100);
  std::string after = str(in, "NextToken");
  json::array list;
  std::string next;
  for (const auto& b : engine_->buses()) {
    if (b.name.rfind(prefix, 0) != 0 || (!after.empty() && b.name <= after)) continue;
    if (static_cast<int64_t>(list.size()) == limit) {
      next = list.back().as_object().at("Name").as_string().c_str();
      break;
    }
    list.push_back(describe(b));
  }
  json::object out{{"EventBuses", std::move(list)}};
  if (!next.empty()) out["NextToken"] = next;
  return out;
}

}  // namespace nimbus::services::eventbridge
