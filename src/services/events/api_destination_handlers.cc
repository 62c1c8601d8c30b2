// EventBridge handlers for API destinations: create, describe, update,
// delete, list.
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "http/client.h"
#include "services/events/errors.h"
#include "services/events/events_service.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

constexpr int64_t kDefaultRate = 300;

bool valid_method(std::string_view m) {
  for (const char* ok : {"POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"}) {
    if (m == ok) return true;
  }
  return false;
}

json::object summary(const ApiDestination& d) {
  return json::object{{"ApiDestinationArn", d.arn},
                      {"ApiDestinationState", "ACTIVE"},
                      {"CreationTime", d.created_s},
                      {"LastModifiedTime", d.modified_s}};
}

json::object listed(const ApiDestination& d) {
  json::object o = summary(d);
  o["Name"] = d.name;
  o["ConnectionArn"] = d.connection_arn;
  o["InvocationEndpoint"] = d.endpoint;
  o["HttpMethod"] = d.method;
  o["InvocationRateLimitPerSecond"] = d.rate_per_s;
  return o;
}

}  // namespace

// Checks and applies the members CreateApiDestination and
// UpdateApiDestination share.
Status EventsService::apply(const object& in, ApiDestination& d) const {
  if (has(in, "Description")) d.description = str(in, "Description");
  if (has(in, "ConnectionArn")) {
    d.connection_arn = str(in, "ConnectionArn");
    if (!engine_->destinations().connection_by_arn(d.connection_arn)) {
      return errors::not_found("Connection '" + name_in_arn(d.connection_arn, "connection") +
                               "' does not exist.");
    }
  }
  if (has(in, "InvocationEndpoint")) {
    d.endpoint = str(in, "InvocationEndpoint");
    // AWS takes https only; nimbus also takes http, for endpoints on the
    // same machine or network.
    if (d.endpoint.size() > 2048 || !http::Url::parse(d.endpoint)) {
      return errors::validation("Parameter InvocationEndpoint is not valid.");
    }
  }
  if (has(in, "HttpMethod")) {
    d.method = str(in, "HttpMethod");
    if (!valid_method(d.method)) return errors::validation("Parameter HttpMethod is not valid.");
  }
  if (has(in, "InvocationRateLimitPerSecond")) {
    d.rate_per_s = integer(in, "InvocationRateLimitPerSecond").value_or(0);
    if (d.rate_per_s < 1) {
      return errors::validation("Parameter InvocationRateLimitPerSecond is not valid.");
    }
  }
  return Status::ok();
}

void EventsService::create_api_destination(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "Name");
  if (!valid_name(name, 64)) return respond(errors::validation("Parameter Name is not valid."));
  if (engine_->destinations().destination(name)) {
    return respond(errors::already_exists("An api-destination '" + name + "' already exists."));
  }
  ApiDestination d;
  d.name = name;
  d.rate_per_s = kDefaultRate;
  if (auto st = apply(in, d); !st) return respond(st.error());
  if (d.connection_arn.empty() || d.endpoint.empty() || d.method.empty()) {
    return respond(
        errors::validation("ConnectionArn, InvocationEndpoint and HttpMethod must be specified."));
  }
  d.arn = "arn:aws:events:" + env_.settings.region + ":" + env_.settings.account_id +
          ":api-destination/" + name + "/" + new_request_id();
  d.created_s = d.modified_s = env_.clock.now_millis() / 1000;
  auto out = summary(d);
  engine_->destinations().put_destination(
      std::move(d), [out = std::move(out), respond = std::move(respond)](Status st) mutable {
        if (!st) return respond(errors::unavailable(st.error().message));
        respond(std::move(out));
      });
}

Output EventsService::describe_api_destination(const CallContext&, const object& in) const {
  std::string name = str(in, "Name");
  auto d = engine_->destinations().destination(name);
  if (!d) return errors::destination_not_found("describe", "api-destination", name);
  json::object o = listed(*d);
  if (!d->description.empty()) o["Description"] = d->description;
  return o;
}

void EventsService::update_api_destination(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "Name");
  auto d = engine_->destinations().destination(name);
  if (!d) return respond(errors::destination_not_found("update", "api-destination", name));
  if (auto st = apply(in, *d); !st) return respond(st.error());
  d->modified_s = env_.clock.now_millis() / 1000;
  auto out = summary(*d);
  engine_->destinations().put_destination(
      std::move(*d), [out = std::move(out), respond = std::move(respond)](Status st) mutable {
        if (!st) return respond(errors::unavailable(st.error().message));
        respond(std::move(out));
      });
}

void EventsService::delete_api_destination(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "Name");
  if (!engine_->destinations().destination(name)) {
    return respond(errors::destination_not_found("delete", "api-destination", name));
  }
  engine_->destinations().delete_destination(name, [respond = std::move(respond)](Status st) {
    if (!st) return respond(errors::unavailable(st.error().message));
    respond(json::object{});
  });
}

Output EventsService::list_api_destinations(const CallContext&, const object& in) const {
  std::string prefix = str(in, "NamePrefix");
  std::string connection = str(in, "ConnectionArn");
  int64_t limit = integer(in, "Limit").value_or(100);
  std::string after = str(in, "NextToken");
  json::array list;
  std::string next;
  for (const auto& d : engine_->destinations().destinations()) {
    if (d.name.rfind(prefix, 0) != 0 || (!connection.empty() && d.connection_arn != connection) ||
        (!after.empty() && d.name <= after)) {
      continue;
    }
    if (static_cast<int64_t>(list.size()) == limit) {
      next = list.back().as_object().at("Name").as_string().c_str();
      break;
    }
    list.push_back(listed(d));
  }
  json::object out{{"ApiDestinations", std::move(list)}};
  if (!next.empty()) out["NextToken"] = next;
  return out;
}

}  // namespace nimbus::services::eventbridge
