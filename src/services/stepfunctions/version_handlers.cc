// Versions (immutable copies of a machine's revisions, ARN "machine:N")
// and aliases (a name routing StartExecution to one or two versions by
// weight, ARN "machine:NAME"): publish, list, delete; create, describe,
// update, list, delete.
#include <algorithm>

#include "common/json_fields.h"
#include "services/stepfunctions/stepfunctions_service.h"
#include "storage/storage.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

constexpr size_t kMaxVersions = 1000;
constexpr size_t kMaxAliases = 100;
constexpr size_t kMaxDescription = 256;

bool valid_alias_name(const std::string& n) {
  return !n.empty() && n.size() <= 80 &&
         n.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
             std::string::npos &&
         n.find_first_not_of("0123456789") != std::string::npos;
}

size_t page_size(const json::object& in) {
  int64_t n = integer(in, "maxResults").value_or(0);
  return n <= 0 ? 100 : static_cast<size_t>(std::min<int64_t>(n, 1000));
}

// One page of `arns` from the position nextToken names (an index).
json::array page(const std::vector<std::pair<std::string, double>>& arns, const json::object& in,
                 const char* key, json::object& out) {
  size_t from = 0;
  if (has(in, "nextToken")) {
    const std::string t = str(in, "nextToken");
    if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos || t.size() > 9) {
      from = arns.size();
    } else {
      from = std::min(arns.size(), static_cast<size_t>(std::stoul(t)));
    }
  }
  size_t to = std::min(arns.size(), from + page_size(in));
  json::array list;
  for (size_t i = from; i < to; ++i) {
    list.push_back(json::object{{key, arns[i].first}, {"creationDate", arns[i].second}});
  }
  if (to < arns.size()) out["nextToken"] = std::to_string(to);
  return list;
}

json::array routes_json(const Alias& a) {
  json::array r;
  for (const auto& [v, w] : a.routes) {
    r.push_back(json::object{{"stateMachineVersionArn", v}, {"weight", w}});
  }
  return r;
}

}  // namespace

Result<StateMachine> StepFunctionsService::version_of(StateMachine& base,
                                                      const std::string& description, bool& fresh) {
  if (description.size() > kMaxDescription) {
    return errors::validation("Version description must be at most 256 characters long");
  }
  const StateMachine* latest = nullptr;
  size_t count = 0;
  for (auto it = versions_.lower_bound(base.arn + ":");
       it != versions_.end() && it->first.starts_with(base.arn + ":"); ++it) {
    ++count;
    if (latest == nullptr || it->second.version > latest->version) latest = &it->second;
  }
  fresh = false;
  if (latest != nullptr && latest->revision_id == base.revision_id) return *latest;
  if (count >= kMaxVersions) {
    return errors::quota("The maximum number of versions (1000) for state machine '" + base.arn +
                         "' has been reached");
  }
  fresh = true;
  StateMachine v = base;
  v.version = base.next_version;
  v.arn = base.arn + ":" + std::to_string(v.version);
  v.version_of = base.arn;
  v.description = description;
  v.created = env_.clock.now_seconds();
  v.tags.clear();
  base.next_version = v.version + 1;
  if (auto it = machines_.find(base.arn); it != machines_.end()) {
    it->second.next_version = base.next_version;  // reserved at once
  }
  return v;
}

void StepFunctionsService::publish_version(const CallContext&, json::object in, Respond respond) {
  std::string a = str(in, "stateMachineArn");
  auto ref = machine_ref(a);
  if (!ref || !ref->qualifier.empty()) return respond(errors::invalid_arn(a));
  StateMachine base;
  StateMachine v;
  bool fresh = false;
  {
    MutexLock lock(mu_);
    auto it = machines_.find(a);
    if (it == machines_.end()) return respond(errors::machine_missing(a));
    base = it->second;
    if (has(in, "revisionId")) {
      std::string want = str(in, "revisionId");
      bool initial = want == "INITIAL" && base.created == base.updated;
      if (!initial && want != base.revision_id) {
        return respond(
            errors::conflict("Failed to publish the State Machine version for revision " + want +
                             ". The current State Machine revision is " + base.revision_id + "."));
      }
    }
    auto made = version_of(base, str(in, "description"), fresh);
    if (!made) return respond(made.take_error());
    v = std::move(*made);
  }
  json::object out{{"creationDate", v.created}, {"stateMachineVersionArn", v.arn}};
  if (!fresh) return respond(std::move(out));
  write_machine(base, std::move(respond), std::move(out), std::move(v));
}

Output StepFunctionsService::list_versions(const CallContext&, const json::object& in) const {
  std::string a = str(in, "stateMachineArn");
  auto ref = machine_ref(a);
  if (!ref || !ref->qualifier.empty()) return errors::invalid_arn(a);
  MutexLock lock(mu_);
  if (!machines_.contains(a)) return errors::machine_missing(a);
  std::vector<std::pair<int64_t, std::pair<std::string, double>>> found;
  for (auto it = versions_.lower_bound(a + ":");
       it != versions_.end() && it->first.starts_with(a + ":"); ++it) {
    found.push_back({it->second.version, {it->first, it->second.created}});
  }
  std::sort(found.begin(), found.end(),
            [](const auto& x, const auto& y) { return x.first > y.first; });
  std::vector<std::pair<std::string, double>> arns;
  for (auto& f : found) arns.push_back(std::move(f.second));
  json::object out;
  out["stateMachineVersions"] = page(arns, in, "stateMachineVersionArn", out);
  return out;
}

void StepFunctionsService::delete_version(const CallContext&, json::object in, Respond respond) {
  std::string a = str(in, "stateMachineVersionArn");
  auto ref = machine_ref(a);
  if (!ref || !ref->version()) return respond(errors::invalid_arn(a));
  {
    MutexLock lock(mu_);
    if (!versions_.contains(a)) return respond(json::object{});  // deleted already: no error
    std::string users;
    for (auto it = aliases_.lower_bound(ref->machine + ":");
         it != aliases_.end() && it->first.starts_with(ref->machine + ":"); ++it) {
      for (const auto& r : it->second.routes) {
        if (r.first != a) continue;
        users += (users.empty() ? "" : ", ") + it->first;
      }
    }
    if (!users.empty()) {
      return respond(errors::conflict(
          "Version to be deleted must not be referenced by an alias. Current list of aliases "
          "referencing this version: [" +
          users + "]"));
    }
  }
  storage::WriteBatch batch(ref->machine);
  batch.del("sfn.versions", a);
  commit_then(std::move(batch),
              [this, a] {
                MutexLock lock(mu_);
                versions_.erase(a);
              },
              std::move(respond), {});
}

Result<std::vector<std::pair<std::string, int64_t>>> StepFunctionsService::routes_of(
    const json::object& in, const std::string& machine) const {
  const auto* rc = in.if_contains("routingConfiguration");
  if (rc == nullptr || !rc->is_array() || rc->as_array().empty() || rc->as_array().size() > 2) {
    return errors::validation("Routing configuration must contain one or two versions");
  }
  std::vector<std::pair<std::string, int64_t>> routes;
  int64_t sum = 0;
  for (const auto& e : rc->as_array()) {
    if (!e.is_object()) return errors::validation("Invalid routing configuration");
    std::string v = str(e.as_object(), "stateMachineVersionArn");
    int64_t w = integer(e.as_object(), "weight").value_or(-1);
    auto ref = machine_ref(v);
    if (!ref || !ref->version()) return errors::invalid_arn(v);
    if (ref->machine != machine) {
      return errors::validation(
          "Routing configuration must contain versions of the same state "
          "machine");
    }
    if (!versions_.contains(v)) return errors::resource_missing(v);
    if (w < 0 || w > 100) return errors::validation("Routing weights must be between 0 and 100");
    for (const auto& r : routes) {
      if (r.first == v) {
        return errors::validation("Routing configuration must contain distinct versions");
      }
    }
    sum += w;
    routes.emplace_back(v, w);
  }
  if (sum != 100) {
    return errors::validation("Sum of routing configuration weights must be equal to 100");
  }
  return routes;
}

void StepFunctionsService::create_alias(const CallContext&, json::object in, Respond respond) {
  Alias al;
  al.name = str(in, "name");
  if (!valid_alias_name(al.name)) return respond(errors::invalid_name(al.name));
  al.description = str(in, "description");
  if (al.description.size() > kMaxDescription) {
    return respond(errors::validation("Alias description must be at most 256 characters long"));
  }
  {
    MutexLock lock(mu_);
    // The machine is the one the first version names.
    const auto* rc = in.if_contains("routingConfiguration");
    std::string first;
    if (rc != nullptr && rc->is_array() && !rc->as_array().empty() &&
        rc->as_array()[0].is_object()) {
      first = str(rc->as_array()[0].as_object(), "stateMachineVersionArn");
    }
    auto ref = machine_ref(first);
    if (!ref || !ref->version()) return respond(errors::invalid_arn(first));
    auto routes = routes_of(in, ref->machine);
    if (!routes) return respond(routes.take_error());
    al.machine_arn = ref->machine;
    al.arn = al.machine_arn + ":" + al.name;
    al.routes = std::move(*routes);
    if (auto old = aliases_.find(al.arn); old != aliases_.end()) {
      // The same request again answers as the first did.
      if (old->second.routes == al.routes && old->second.description == al.description) {
        return respond(
            json::object{{"stateMachineAliasArn", al.arn}, {"creationDate", old->second.created}});
      }
      return respond(
          errors::conflict("Failed to create alias because an alias with the same name "
                           "and a different routing configuration already exists."));
    }
    size_t count = 0;
    for (auto it = aliases_.lower_bound(al.machine_arn + ":");
         it != aliases_.end() && it->first.starts_with(al.machine_arn + ":"); ++it) {
      ++count;
    }
    if (count >= kMaxAliases) {
      return respond(errors::quota("The maximum number of aliases (100) for state machine '" +
                                   al.machine_arn + "' has been reached"));
    }
  }
  al.created = al.updated = env_.clock.now_seconds();
  json::object out{{"stateMachineAliasArn", al.arn}, {"creationDate", al.created}};
  write_alias(al, std::move(respond), std::move(out));
}

void StepFunctionsService::write_alias(const Alias& al, Respond respond, json::object out) {
  storage::WriteBatch batch(al.machine_arn);
  batch.put("sfn.aliases", al.arn, json::serialize(al.encode()));
  commit_then(
      std::move(batch),
      [this, al] {
        MutexLock lock(mu_);
        aliases_[al.arn] = al;
      },
      std::move(respond), std::move(out));
}

Output StepFunctionsService::describe_alias(const CallContext&, const json::object& in) const {
  std::string a = str(in, "stateMachineAliasArn");
  auto ref = machine_ref(a);
  if (!ref || !ref->alias()) return errors::invalid_arn(a);
  MutexLock lock(mu_);
  auto it = aliases_.find(a);
  if (it == aliases_.end()) return errors::resource_missing(a);
  const Alias& al = it->second;
  json::object out{{"stateMachineAliasArn", al.arn},
                   {"name", al.name},
                   {"routingConfiguration", routes_json(al)},
                   {"creationDate", al.created},
                   {"updateDate", al.updated}};
  if (!al.description.empty()) out["description"] = al.description;
  return out;
}

void StepFunctionsService::update_alias(const CallContext&, json::object in, Respond respond) {
  std::string a = str(in, "stateMachineAliasArn");
  auto ref = machine_ref(a);
  if (!ref || !ref->alias()) return respond(errors::invalid_arn(a));
  if (!has(in, "description") && !has(in, "routingConfiguration")) {
    return respond(
        errors::validation("Either the description or the RoutingConfiguration must be specified"));
  }
  Alias al;
  {
    MutexLock lock(mu_);
    auto it = aliases_.find(a);
    if (it == aliases_.end()) return respond(errors::resource_missing(a));
    al = it->second;
    if (has(in, "routingConfiguration")) {
      auto routes = routes_of(in, al.machine_arn);
      if (!routes) return respond(routes.take_error());
      al.routes = std::move(*routes);
    }
  }
  if (has(in, "description")) {
    al.description = str(in, "description");
    if (al.description.size() > kMaxDescription) {
      return respond(errors::validation("Alias description must be at most 256 characters long"));
    }
  }
  al.updated = env_.clock.now_seconds();
  write_alias(al, std::move(respond), json::object{{"updateDate", al.updated}});
}

Output StepFunctionsService::list_aliases(const CallContext&, const json::object& in) const {
  std::string a = str(in, "stateMachineArn");
  auto ref = machine_ref(a);
  if (!ref || !ref->qualifier.empty()) return errors::invalid_arn(a);
  MutexLock lock(mu_);
  if (!machines_.contains(a)) return errors::machine_missing(a);
  std::vector<std::pair<std::string, double>> arns;
  for (auto it = aliases_.lower_bound(a + ":");
       it != aliases_.end() && it->first.starts_with(a + ":"); ++it) {
    arns.emplace_back(it->first, it->second.created);
  }
  json::object out;
  out["stateMachineAliases"] = page(arns, in, "stateMachineAliasArn", out);
  return out;
}

void StepFunctionsService::delete_alias(const CallContext&, json::object in, Respond respond) {
  std::string a = str(in, "stateMachineAliasArn");
  auto ref = machine_ref(a);
  if (!ref || !ref->alias()) return respond(errors::invalid_arn(a));
  {
    MutexLock lock(mu_);
    if (!aliases_.contains(a)) return respond(errors::resource_missing(a));
  }
  storage::WriteBatch batch(ref->machine);
  batch.del("sfn.aliases", a);
  commit_then(std::move(batch),
              [this, a] {
                MutexLock lock(mu_);
                aliases_.erase(a);
              },
              std::move(respond), {});
}

Result<StepFunctionsService::StartTarget> StepFunctionsService::start_target(
    const std::string& arn) const {
  auto ref = machine_ref(arn);
  if (!ref) return errors::invalid_arn(arn);
  StartTarget t;
  if (ref->qualifier.empty()) {
    auto it = machines_.find(arn);
    if (it == machines_.end()) return errors::machine_missing(arn);
    t.machine = &it->second;
    return t;
  }
  t.version_arn = arn;
  if (ref->alias()) {
    auto al = aliases_.find(arn);
    if (al == aliases_.end()) return errors::resource_missing(arn);
    t.alias_arn = arn;
    // A draw in [0, 100) against the weights in order.
    double draw = retry_jitter() * 100.0;
    t.version_arn = al->second.routes.back().first;
    for (const auto& [v, w] : al->second.routes) {
      if (draw < static_cast<double>(w)) {
        t.version_arn = v;
        break;
      }
      draw -= static_cast<double>(w);
    }
  }
  auto v = versions_.find(t.version_arn);
  if (v == versions_.end()) return errors::machine_missing(t.version_arn);
  t.machine = &v->second;
  return t;
}

}  // namespace nimbus::sfn
