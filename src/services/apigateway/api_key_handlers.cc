// apigateway control handlers: API keys. Each key is one document (kind
// "key", usage_plans.h), answered once it is durable; the data plane's
// index is rebuilt after every change.
#include <random>

#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/rest_util.h"
#include "services/apigateway/tags.h"

namespace nimbus::services::apigateway {

namespace {

Error key_not_found() {
  return errors::not_found("Invalid API Key identifier specified");
}

// A generated key value: 40 letters and digits, as AWS's.
std::string new_key_value() {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out(40, 'a');
  for (auto& c : out) c = kChars[rng() % 62];
  return out;
}

json::object shown(json::object key, bool with_value) {
  if (!with_value) key.erase("value");
  return key;
}

// replace of /name, /description, /enabled, /customerId.
Status patch_key(json::object& key, const json::object& op) {
  std::string verb = str(op, "op"), path = str(op, "path"), value = str(op, "value");
  if (verb != "replace") {
    return errors::bad_request("Invalid patch operation specified. Must be one of: [replace]");
  }
  if (path == "/name" || path == "/description" || path == "/customerId") {
    key[path.substr(1)] = value;
  } else if (path == "/enabled") {
    if (value != "true" && value != "false") {
      return errors::bad_request("Invalid value for 'enabled': " + value);
    }
    key["enabled"] = value == "true";
  } else {
    return errors::bad_request("Invalid patch path '" + path +
                               "' specified for op 'replace'. Must be one of: [/name, "
                               "/description, /enabled, /customerId]");
  }
  return Status::ok();
}

}  // namespace

void RestApiService::create_api_key(const CallContext& ctx, json::object in, Respond respond) {
  if (auto st = check_new_tags(in, "tags", takes_aws_tags(ctx)); !st)
    return respond(st.take_error());
  std::string value = str(in, "value");
  if (has(in, "value")) {
    if (value.size() < 20)
      return respond(errors::bad_request("API Key value should be at least 20 characters"));
    if (value.size() > 128)
      return respond(errors::bad_request("API Key value exceeds maximum size of 128 characters"));
  } else {
    value = new_key_value();
  }
  for (const auto& key : usage_.keys().list()) {
    if (str(key->doc, "value") == value) {
      return respond(errors::conflict("API Key already exists"));
    }
  }
  json::array stage_keys;
  if (const auto* sk = in.if_contains("stageKeys"); sk != nullptr && sk->is_array()) {
    for (const auto& s : sk->as_array()) {
      if (!s.is_object()) continue;
      std::string api = str(s.as_object(), "restApiId"), stage = str(s.as_object(), "stageName");
      auto found = store_.find(api);
      const auto* stages = found ? found->doc.if_contains("stages") : nullptr;
      if (stages == nullptr || !stages->as_object().contains(stage)) {
        return respond(errors::bad_request("Invalid stage key: " + api + "/" + stage));
      }
      stage_keys.push_back(json::string(api + "/" + stage));
    }
  }
  double now = env_.clock.now_seconds();
  json::object key{{"value", value},
                   {"enabled", boolean(in, "enabled").value_or(false)},
                   {"createdDate", now},
                   {"lastUpdatedDate", now},
                   {"stageKeys", std::move(stage_keys)}};
  for (const char* m : {"name", "description", "customerId", "tags"}) {
    if (has(in, m)) key[m] = in[m];
  }
  usage_.keys().create(new_id(10), std::move(key),
                       [this, respond = std::move(respond)](Result<ApiPtr> r) {
                         if (!r) return respond(r.take_error());
                         usage_.reindex();
                         respond((*r)->doc);
                       });
}

Output RestApiService::get_api_key(const CallContext&, const json::object& in) const {
  auto key = usage_.keys().find(str(in, "apiKey"));
  if (!key) return key_not_found();
  return shown(key->doc, boolean(in, "includeValue").value_or(false));
}

Output RestApiService::get_api_keys(const CallContext&, const json::object& in) const {
  std::string name = str(in, "nameQuery"), customer = str(in, "customerId");
  bool values = boolean(in, "includeValues").value_or(false);
  json::object all;
  for (const auto& key : usage_.keys().list()) {
    if (!str(key->doc, "name").starts_with(name)) continue;
    if (!customer.empty() && str(key->doc, "customerId") != customer) continue;
    all[str(key->doc, "id")] = shown(key->doc, values);
  }
  return rest_page(all, in);
}

void RestApiService::update_api_key(const CallContext&, json::object in, Respond respond) {
  const auto* ops = in.if_contains("patchOperations");
  auto now = env_.clock.now_seconds();
  usage_.keys().update(
      str(in, "apiKey"),
      [&](json::object& key) {
        if (ops != nullptr && ops->is_array()) {
          for (const auto& op : ops->as_array()) {
            if (!op.is_object()) continue;
            if (auto st = patch_key(key, op.as_object()); !st) return st;
          }
        }
        key["lastUpdatedDate"] = now;
        return Status::ok();
      },
      [this, respond = std::move(respond)](Result<ApiPtr> r) {
        if (!r) {
          Error e = r.take_error();
          return respond(e.code == "NotFoundException" ? key_not_found() : std::move(e));
        }
        usage_.reindex();
        respond(shown((*r)->doc, false));
      });
}

void RestApiService::delete_api_key(const CallContext&, json::object in, Respond respond) {
  std::string id = str(in, "apiKey");
  usage_.keys().remove(id, [this, id, respond = std::move(respond)](Status st) {
    if (!st) return respond(key_not_found());
    // The key leaves every plan that held it.
    for (const auto& plan : usage_.plans().list()) {
      const auto* keys = plan->doc.if_contains("keys");
      if (keys == nullptr || !keys->is_object() || !keys->as_object().contains(id)) continue;
      std::string plan_id = str(plan->doc, "id");
      usage_.meter().forget(plan_id, id);
      usage_.plans().update(
          plan_id,
          [&id](json::object& doc) {
            if (auto* k = doc.if_contains("keys"); k != nullptr && k->is_object()) {
              k->as_object().erase(id);
            }
            return Status::ok();
          },
          [this](Result<ApiPtr>) { usage_.reindex(); });
    }
    usage_.reindex();
    respond(json::object());
  });
}

}  // namespace nimbus::services::apigateway
