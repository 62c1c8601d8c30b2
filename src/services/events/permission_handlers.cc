// EventBridge handlers for an event bus's resource policy: PutPermission
// (one statement by Action/Principal/StatementId/Condition, or a whole
// Policy) and RemovePermission. The policy decides PutEvents of callers the
// caller's own policies do not allow (Service::resource_policy).
#include <algorithm>
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "iam/policy.h"
#include "services/events/errors.h"
#include "services/events/events_service.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

constexpr size_t kMaxPolicyBytes = 10 * 1024;

bool valid_statement_id(const std::string& sid) {
  if (sid.empty() || sid.size() > 64) return false;
  for (char c : sid) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

bool valid_principal(const std::string& p) {
  if (p == "*") return true;
  if (p.size() != 12) return false;
  for (char c : p) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

json::array statements_of(const std::string& policy) {
  auto doc = parse_object(policy);
  if (!doc) return {};
  if (const auto* list = doc->if_contains("Statement"); list != nullptr && list->is_array()) {
    return list->as_array();
  }
  return {};
}

std::string policy_of(json::array statements) {
  return json::serialize(
      json::object{{"Version", "2012-10-17"}, {"Statement", std::move(statements)}});
}

std::string sid_of(const json::value& statement) {
  return statement.is_object() ? str(statement.as_object(), "Sid") : std::string();
}

// Removes the statements with Sid `sid`; how many there were.
size_t remove_sid(json::array& statements, const std::string& sid) {
  auto keep = std::remove_if(statements.begin(), statements.end(),
                             [&](const json::value& s) { return sid_of(s) == sid; });
  size_t removed = static_cast<size_t>(statements.end() - keep);
  statements.erase(keep, statements.end());
  return removed;
}

// The statement PutPermission's short form stands for.
Result<json::object> statement_of(const json::object& in, const Bus& bus) {
  std::string action = str(in, "Action");
  std::string principal = str(in, "Principal");
  std::string sid = str(in, "StatementId");
  if (action.empty() || principal.empty() || sid.empty()) {
    return errors::validation(
        "Parameter(s) Action, Principal and StatementId must be specified when Policy is not.");
  }
  if (action != "events:PutEvents") {
    return errors::validation("Provided value in parameter 'action' is not supported.");
  }
  if (!valid_principal(principal)) {
    return errors::validation("Parameter Principal is not valid.");
  }
  if (!valid_statement_id(sid)) return errors::validation("Parameter StatementId is not valid.");
  json::object s{{"Sid", sid}, {"Effect", "Allow"}, {"Action", action}, {"Resource", bus.arn}};
  if (principal == "*") {
    s["Principal"] = "*";
  } else {
    s["Principal"] = json::object{{"AWS", "arn:aws:iam::" + principal + ":root"}};
  }
  if (const auto* c = in.if_contains("Condition"); c != nullptr && c->is_object()) {
    std::string type = str(c->as_object(), "Type");
    std::string key = str(c->as_object(), "Key");
    std::string value = str(c->as_object(), "Value");
    if (type != "StringEquals" || key != "aws:PrincipalOrgID" || value.empty()) {
      return errors::validation("Parameter Condition is not valid.");
    }
    s["Condition"] = json::object{{type, json::object{{key, value}}}};
  }
  return s;
}

}  // namespace

void EventsService::put_permission(const CallContext&, object in, Respond respond) {
  auto found = engine_->bus(Engine::bus_name(str(in, "EventBusName")));
  if (!found) return respond(errors::bus_not_found(Engine::bus_name(str(in, "EventBusName"))));
  Bus bus = std::move(*found);
  std::string policy = str(in, "Policy");
  if (!policy.empty()) {
    if (auto p = iam::parse_policy(policy, iam::PolicyKind::kResource); !p) {
      return respond(errors::validation(p.error().message));
    }
  } else {
    auto statement = statement_of(in, bus);
    if (!statement) return respond(statement.error());
    auto statements = statements_of(bus.policy);
    std::string sid = str(*statement, "Sid");
    remove_sid(statements, sid);
    statements.push_back(std::move(*statement));
    policy = policy_of(std::move(statements));
  }
  if (policy.size() > kMaxPolicyBytes) {
    return respond(Error::make("PolicyLengthExceededException",
                               "The policy of the event bus exceeds the maximum size."));
  }
  bus.policy = std::move(policy);
  engine_->put_bus(std::move(bus), answer(std::move(respond)));
}

void EventsService::remove_permission(const CallContext&, object in, Respond respond) {
  std::string name = Engine::bus_name(str(in, "EventBusName"));
  auto found = engine_->bus(name);
  if (!found) return respond(errors::bus_not_found(name));
  Bus bus = std::move(*found);
  if (bus.policy.empty()) {
    return respond(errors::not_found("EventBus does not have a policy."));
  }
  if (boolean(in, "RemoveAllPermissions").value_or(false)) {
    bus.policy.clear();
  } else {
    std::string sid = str(in, "StatementId");
    if (sid.empty()) {
      return respond(errors::validation(
          "Parameter StatementId must be specified when RemoveAllPermissions is not true."));
    }
    auto statements = statements_of(bus.policy);
    if (remove_sid(statements, sid) == 0) {
      return respond(errors::not_found("Statement with the provided id does not exist."));
    }
    bus.policy = statements.empty() ? std::string() : policy_of(std::move(statements));
  }
  engine_->put_bus(std::move(bus), answer(std::move(respond)));
}

std::string EventsService::resource_policy(const std::string& arn) const {
  if (arn.find(":event-bus/") == std::string::npos) return {};
  auto bus = engine_->bus(Engine::bus_name(arn));
  return bus ? bus->policy : std::string();
}

}  // namespace nimbus::services::eventbridge
