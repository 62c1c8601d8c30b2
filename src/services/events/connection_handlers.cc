// EventBridge handlers for connections: create, describe, update, delete,
// list, deauthorize. Secrets are stored, never answered (describe_auth).
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/events/errors.h"
#include "services/events/events_service.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

// The member of AuthParameters each AuthorizationType needs.
const char* params_of(std::string_view type) {
  if (type == "BASIC") return "BasicAuthParameters";
  if (type == "API_KEY") return "ApiKeyAuthParameters";
  if (type == "OAUTH_CLIENT_CREDENTIALS") return "OAuthParameters";
  return nullptr;
}

// Checks that `auth` has what `type` needs, with its required members.
Status check_auth(std::string_view type, const json::object& auth) {
  const char* member = params_of(type);
  if (member == nullptr) {
    return errors::validation("Parameter AuthorizationType is not valid.");
  }
  for (const char* other : {"BasicAuthParameters", "ApiKeyAuthParameters", "OAuthParameters"}) {
    if (std::string_view(other) != member && auth.contains(other)) {
      return errors::validation("Only " + std::string(member) +
                                " may be given for AuthorizationType " + std::string(type) + ".");
    }
  }
  const auto* p = auth.if_contains(member);
  if (p == nullptr || !p->is_object()) {
    return errors::validation(std::string(member) + " must be specified for AuthorizationType " +
                              std::string(type) + ".");
  }
  const auto& o = p->as_object();
  auto need = [&](const json::object& in, const char* field) -> Status {
    if (str(in, field).empty()) {
      return errors::validation("Parameter " + std::string(member) + "." + field +
                                " must be specified.");
    }
    return Status::ok();
  };
  if (type == "BASIC") {
    if (auto st = need(o, "Username"); !st) return st;
    return need(o, "Password");
  }
  if (type == "API_KEY") {
    if (auto st = need(o, "ApiKeyName"); !st) return st;
    return need(o, "ApiKeyValue");
  }
  if (auto st = need(o, "AuthorizationEndpoint"); !st) return st;
  if (auto st = need(o, "HttpMethod"); !st) return st;
  const auto* c = o.if_contains("ClientParameters");
  if (c == nullptr || !c->is_object()) {
    return errors::validation("Parameter OAuthParameters.ClientParameters must be specified.");
  }
  if (str(c->as_object(), "ClientID").empty() || str(c->as_object(), "ClientSecret").empty()) {
    return errors::validation(
        "Parameter OAuthParameters.ClientParameters.ClientID and ClientSecret must be specified.");
  }
  return Status::ok();
}

// `update`'s members over `base`, objects merged member by member
// (UpdateConnection changes only what it names).
void merge(json::object& base, const json::object& update) {
  for (const auto& [k, v] : update) {
    auto* old = base.if_contains(k);
    if (old != nullptr && old->is_object() && v.is_object() && k != "InvocationHttpParameters" &&
        k != "OAuthHttpParameters") {
      merge(old->as_object(), v.as_object());
    } else {
      base[k] = v;
    }
  }
}

json::object summary(const Connection& c) {
  json::object o{{"ConnectionArn", c.arn},
                 {"ConnectionState", c.state},
                 {"CreationTime", c.created_s},
                 {"LastModifiedTime", c.modified_s}};
  if (c.authorized_s != 0) o["LastAuthorizedTime"] = c.authorized_s;
  return o;
}

json::object listed(const Connection& c) {
  json::object o = summary(c);
  o["Name"] = c.name;
  o["AuthorizationType"] = c.auth_type;
  if (!c.state_reason.empty()) o["StateReason"] = c.state_reason;
  return o;
}

}  // namespace

void EventsService::store_connection(Connection c, Respond respond) {
  auto out = summary(c);
  bool oauth = c.state == "AUTHORIZING";
  std::string name = c.name;
  engine_->destinations().put_connection(
      std::move(c),
      [this, oauth, name, out = std::move(out), respond = std::move(respond)](Status st) mutable {
        if (!st) return respond(errors::unavailable(st.error().message));
        if (oauth) authorize(name);
        respond(std::move(out));
      });
}

void EventsService::create_connection(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "Name");
  if (!valid_name(name, 64)) return respond(errors::validation("Parameter Name is not valid."));
  if (engine_->destinations().connection(name)) {
    return respond(errors::already_exists("Connection " + name + " already exists."));
  }
  Connection c;
  c.name = name;
  c.auth_type = str(in, "AuthorizationType");
  if (const auto* a = in.if_contains("AuthParameters"); a != nullptr && a->is_object()) {
    c.auth = a->as_object();
  }
  if (auto st = check_auth(c.auth_type, c.auth); !st) return respond(st.error());
  c.arn = "arn:aws:events:" + env_.settings.region + ":" + env_.settings.account_id +
          ":connection/" + name + "/" + new_request_id();
  c.description = str(in, "Description");
  c.created_s = c.modified_s = env_.clock.now_millis() / 1000;
  if (c.auth_type == "OAUTH_CLIENT_CREDENTIALS") {
    c.state = "AUTHORIZING";
  } else {
    c.state = "AUTHORIZED";
    c.authorized_s = c.created_s;
  }
  store_connection(std::move(c), std::move(respond));
}

Output EventsService::describe_connection(const CallContext&, const object& in) const {
  std::string name = str(in, "Name");
  auto c = engine_->destinations().connection(name);
  if (!c) return errors::destination_not_found("describe", "connection", name);
  json::object o = listed(*c);
  if (!c->description.empty()) o["Description"] = c->description;
  o["AuthParameters"] = describe_auth(c->auth);
  return o;
}

void EventsService::update_connection(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "Name");
  auto c = engine_->destinations().connection(name);
  if (!c) return respond(errors::destination_not_found("update", "connection", name));
  if (has(in, "Description")) c->description = str(in, "Description");
  std::string type = has(in, "AuthorizationType") ? str(in, "AuthorizationType") : c->auth_type;
  json::object auth = c->auth;
  if (type != c->auth_type) {
    // Another kind of authorization: the old kind's parameters go.
    auth.erase("BasicAuthParameters");
    auth.erase("ApiKeyAuthParameters");
    auth.erase("OAuthParameters");
  }
  if (const auto* a = in.if_contains("AuthParameters"); a != nullptr && a->is_object()) {
    merge(auth, a->as_object());
  }
  if (auto st = check_auth(type, auth); !st) return respond(st.error());
  c->auth_type = type;
  c->auth = std::move(auth);
  c->modified_s = env_.clock.now_millis() / 1000;
  c->state_reason.clear();
  if (type == "OAUTH_CLIENT_CREDENTIALS") {
    c->state = "AUTHORIZING";
  } else {
    c->state = "AUTHORIZED";
    c->authorized_s = c->modified_s;
  }
  store_connection(std::move(*c), std::move(respond));
}

void EventsService::delete_connection(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "Name");
  auto c = engine_->destinations().connection(name);
  if (!c) return respond(errors::destination_not_found("delete", "connection", name));
  auto out = summary(*c);
  out["ConnectionState"] = "DELETING";
  engine_->destinations().delete_connection(
      name, [out = std::move(out), respond = std::move(respond)](Status st) mutable {
        if (!st) return respond(errors::unavailable(st.error().message));
        respond(std::move(out));
      });
}

Output EventsService::list_connections(const CallContext&, const object& in) const {
  std::string prefix = str(in, "NamePrefix");
  std::string state = str(in, "ConnectionState");
  int64_t limit = integer(in, "Limit").value_or(100);
  std::string after = str(in, "NextToken");
  json::array list;
  std::string next;
  for (const auto& c : engine_->destinations().connections()) {
    if (c.name.rfind(prefix, 0) != 0 || (!state.empty() && c.state != state) ||
        (!after.empty() && c.name <= after)) {
      continue;
    }
    if (static_cast<int64_t>(list.size()) == limit) {
      next = list.back().as_object().at("Name").as_string().c_str();
      break;
    }
    list.push_back(listed(c));
  }
  json::object out{{"Connections", std::move(list)}};
  if (!next.empty()) out["NextToken"] = next;
  return out;
}

void EventsService::deauthorize_connection(const CallContext&, object in, Respond respond) {
  std::string name = str(in, "Name");
  auto c = engine_->destinations().connection(name);
  if (!c) return respond(errors::destination_not_found("deauthorize", "connection", name));
  // As on AWS, the authorization's secrets go; UpdateConnection gives new ones.
  for (const char* kind : {"BasicAuthParameters", "ApiKeyAuthParameters"}) c->auth.erase(kind);
  if (auto* o = c->auth.if_contains("OAuthParameters"); o != nullptr && o->is_object()) {
    if (auto* cp = o->as_object().if_contains("ClientParameters"); cp && cp->is_object()) {
      cp->as_object().erase("ClientSecret");
    }
  }
  c->state = "DEAUTHORIZED";
  c->state_reason = "Connection was deauthorized.";
  c->modified_s = env_.clock.now_millis() / 1000;
  forget_token(name);
  store_connection(std::move(*c), std::move(respond));
}

}  // namespace nimbus::services::eventbridge
