// apigateway control handlers: API keys. Each key is one document (kind
// "key", usage_plans.h), answered once it is durable; the data plane's
// index is rebuilt after every change.
#include <atomic>
#include <random>
#include <set>

#include "common/json_fields.h"
#include "services/apigateway/api_key_csv.h"
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

// ImportApiKeys (api_key_csv.h): each row a key, a key whose value exists
// overwritten (its id kept, as AWS: two keys are the same when their values
// are), each added to the plans its UsagePlanIds name. A row naming a plan
// that does not exist, or one the key may not join, is left out with a
// warning; failonwarnings makes any warning the BadRequestException and
// nothing changes. Every check is made before the first write.
void RestApiService::import_api_keys(const CallContext&, json::object in, Respond respond) {
  if (str(in, "format") != "csv") {
    return respond(errors::bad_request("Invalid format specified. Must be one of: [csv]"));
  }
  auto file = parse_api_key_csv(str(in, "body"));
  if (!file) return respond(file.take_error());
  std::map<std::string, std::string> existing;  // value -> id
  for (const auto& key : usage_.keys().list())
    existing[str(key->doc, "value")] = str(key->doc, "id");
  // The last row of a value wins, as a later import would.
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < file->keys.size(); ++i) last[file->keys[i].key] = i;
  struct Row {
    const CsvApiKey* key;
    std::string id;
    bool exists;
    std::vector<ApiPtr> plans;
  };
  std::vector<Row> rows;
  std::vector<std::string> warnings = std::move(file->warnings);
  for (size_t i = 0; i < file->keys.size(); ++i) {
    const CsvApiKey& k = file->keys[i];
    if (last[k.key] != i) continue;
    auto found = existing.find(k.key);
    Row row{&k, found != existing.end() ? found->second : new_id(10), found != existing.end(), {}};
    std::string refused;
    for (const auto& plan_id :
         std::set<std::string>(k.usage_plan_ids.begin(), k.usage_plan_ids.end())) {
      auto plan = usage_.plans().find(plan_id);
      if (!plan) {
        refused = "Invalid Usage Plan ID specified: " + plan_id;
        break;
      }
      const auto* keys = plan->doc.if_contains("keys");
      bool held = keys != nullptr && keys->is_object() && keys->as_object().contains(row.id);
      if (!held) {
        if (auto st = check_plan_key(plan, row.id, row.plans); !st) {
          refused = st.error().message;
          break;
        }
        row.plans.push_back(plan);
      }
    }
    if (!refused.empty()) {
      warnings.push_back("Line " + std::to_string(k.line) + ": " + refused);
      continue;
    }
    rows.push_back(std::move(row));
  }
  if (boolean(in, "failOnWarnings").value_or(false) && !warnings.empty()) {
    std::string message = "Warnings found during import:";
    for (const auto& w : warnings) message += "\n\t" + w;
    return respond(errors::bad_request(std::move(message)));
  }
  // The keys, then the plans that take them, then the answer.
  json::array ids;
  std::map<std::string, std::vector<std::string>> joins;  // plan id -> key ids
  for (const auto& row : rows) {
    ids.emplace_back(row.id);
    for (const auto& plan : row.plans) joins[str(plan->doc, "id")].push_back(row.id);
  }
  json::array warned;
  for (auto& w : warnings) warned.emplace_back(std::move(w));
  json::object out{{"ids", std::move(ids)}, {"warnings", std::move(warned)}};
  struct Join {
    std::atomic<size_t> pending;
    Mutex mu;
    std::optional<Error> failed GUARDED_BY(mu);
  };
  auto join = std::make_shared<Join>();
  auto plans_then_answer = [this, join, joins = std::move(joins), out = std::move(out),
                            respond = std::move(respond)]() mutable {
    {
      MutexLock lock(join->mu);
      if (join->failed) return respond(std::move(*join->failed));
    }
    auto answered = std::make_shared<std::atomic<size_t>>(joins.size() + 1);
    auto finish = [this, answered, out = std::move(out), respond = std::move(respond)]() {
      if (answered->fetch_sub(1) != 1) return;
      usage_.reindex();
      respond(out);
    };
    for (const auto& join_plan : joins) {
      const std::vector<std::string>& key_ids = join_plan.second;
      usage_.plans().update(
          join_plan.first,
          [&key_ids](json::object& doc) {
            auto& keys = doc["keys"];
            if (!keys.is_object()) keys = json::object();
            for (const auto& id : key_ids) keys.as_object()[id] = true;
            return Status::ok();
          },
          [finish](Result<ApiPtr>) { finish(); });
    }
    finish();
  };
  join->pending = rows.size() + 1;
  auto written = std::make_shared<std::function<void(Status)>>(
      [join, next = std::move(plans_then_answer)](Status st) mutable {
        if (!st) {
          MutexLock lock(join->mu);
          if (!join->failed) join->failed = st.take_error();
        }
        if (join->pending.fetch_sub(1) == 1) next();
      });
  double now = env_.clock.now_seconds();
  for (const auto& row : rows) {
    const CsvApiKey& k = *row.key;
    if (row.exists) {
      usage_.keys().update(
          row.id,
          [&k, now](json::object& key) {
            key["name"] = k.name;
            key["description"] = k.description;
            key["enabled"] = k.enabled;
            key["lastUpdatedDate"] = now;
            return Status::ok();
          },
          [written](Result<ApiPtr> r) { (*written)(r ? Status::ok() : Status(r.take_error())); });
      continue;
    }
    json::object key{{"value", k.key},
                     {"name", k.name},
                     {"description", k.description},
                     {"enabled", k.enabled},
                     {"createdDate", now},
                     {"lastUpdatedDate", now},
                     {"stageKeys", json::array()}};
    usage_.keys().create(row.id, std::move(key), [written](Result<ApiPtr> r) {
      (*written)(r ? Status::ok() : Status(r.take_error()));
    });
  }
  (*written)(Status::ok());
}

}  // namespace nimbus::services::apigateway
