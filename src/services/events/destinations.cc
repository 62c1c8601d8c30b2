#include "services/events/destinations.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

constexpr std::string_view kDestinationStoreNs = "events";

std::string connection_key(std::string_view name) {
  return storage::encode_key(std::string_view("c"), name);
}
std::string destination_key(std::string_view name) {
  return storage::encode_key(std::string_view("d"), name);
}

std::string encode(const Connection& c) {
  return json::serialize(json::object{{"name", c.name},
                                      {"arn", c.arn},
                                      {"description", c.description},
                                      {"type", c.auth_type},
                                      {"state", c.state},
                                      {"reason", c.state_reason},
                                      {"auth", c.auth},
                                      {"created", c.created_s},
                                      {"modified", c.modified_s},
                                      {"authorized", c.authorized_s}});
}

std::optional<Connection> decode_connection(std::string_view text) {
  auto o = parse_object(text);
  if (!o || str(*o, "name").empty()) return std::nullopt;
  Connection c;
  c.name = str(*o, "name");
  c.arn = str(*o, "arn");
  c.description = str(*o, "description");
  c.auth_type = str(*o, "type");
  c.state = str(*o, "state");
  c.state_reason = str(*o, "reason");
  if (const auto* a = o->if_contains("auth"); a != nullptr && a->is_object())
    c.auth = a->as_object();
  c.created_s = integer(*o, "created").value_or(0);
  c.modified_s = integer(*o, "modified").value_or(0);
  c.authorized_s = integer(*o, "authorized").value_or(0);
  return c;
}

std::string encode(const ApiDestination& d) {
  return json::serialize(json::object{{"name", d.name},
                                      {"arn", d.arn},
                                      {"description", d.description},
                                      {"connection", d.connection_arn},
                                      {"endpoint", d.endpoint},
                                      {"method", d.method},
                                      {"rate", d.rate_per_s},
                                      {"created", d.created_s},
                                      {"modified", d.modified_s}});
}

std::optional<ApiDestination> decode_destination(std::string_view text) {
  auto o = parse_object(text);
  if (!o || str(*o, "name").empty()) return std::nullopt;
  ApiDestination d;
  d.name = str(*o, "name");
  d.arn = str(*o, "arn");
  d.description = str(*o, "description");
  d.connection_arn = str(*o, "connection");
  d.endpoint = str(*o, "endpoint");
  d.method = str(*o, "method");
  d.rate_per_s = integer(*o, "rate").value_or(300);
  d.created_s = integer(*o, "created").value_or(0);
  d.modified_s = integer(*o, "modified").value_or(0);
  return d;
}

// A ConnectionHttpParameters without the values marked secret.
json::object without_secret_values(const json::object& params) {
  json::object out;
  for (const auto& [list_name, list] : params) {
    if (!list.is_array()) continue;
    json::array kept;
    for (const auto& p : list.as_array()) {
      if (!p.is_object()) continue;
      json::object copy = p.as_object();
      if (boolean(copy, "IsValueSecret").value_or(false)) copy.erase("Value");
      kept.push_back(std::move(copy));
    }
    out[list_name] = std::move(kept);
  }
  return out;
}

}  // namespace

json::object describe_auth(const json::object& auth) {
  json::object out;
  if (const auto* b = auth.if_contains("BasicAuthParameters"); b && b->is_object()) {
    out["BasicAuthParameters"] = json::object{{"Username", str(b->as_object(), "Username")}};
  }
  if (const auto* k = auth.if_contains("ApiKeyAuthParameters"); k && k->is_object()) {
    out["ApiKeyAuthParameters"] = json::object{{"ApiKeyName", str(k->as_object(), "ApiKeyName")}};
  }
  if (const auto* o = auth.if_contains("OAuthParameters"); o && o->is_object()) {
    const auto& in = o->as_object();
    json::object view{{"AuthorizationEndpoint", str(in, "AuthorizationEndpoint")},
                      {"HttpMethod", str(in, "HttpMethod")}};
    if (const auto* c = in.if_contains("ClientParameters"); c && c->is_object()) {
      view["ClientParameters"] = json::object{{"ClientID", str(c->as_object(), "ClientID")}};
    }
    if (const auto* p = in.if_contains("OAuthHttpParameters"); p && p->is_object()) {
      view["OAuthHttpParameters"] = without_secret_values(p->as_object());
    }
    out["OAuthParameters"] = std::move(view);
  }
  if (const auto* p = auth.if_contains("InvocationHttpParameters"); p && p->is_object()) {
    out["InvocationHttpParameters"] = without_secret_values(p->as_object());
  }
  return out;
}

bool valid_name(std::string_view name, size_t max) {
  if (name.empty() || name.size() > max) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

std::string name_in_arn(std::string_view arn, std::string_view kind) {
  std::string marker = ":" + std::string(kind) + "/";
  auto at = arn.find(marker);
  if (at == std::string_view::npos || arn.rfind("arn:", 0) != 0) return {};
  auto rest = arn.substr(at + marker.size());
  return std::string(rest.substr(0, rest.find('/')));
}

Status Destinations::start() {
  auto records = env_.storage->records(kDestinationStoreNs);
  Status bad = Status::ok();
  auto st = records.each(storage::encode_key(std::string_view("c")), [&](storage::Entry& e) {
    auto c = decode_connection(e.value);
    if (!c) {
      bad = Error::internal("events: malformed connection record");
      return;
    }
    std::string name = c->name;
    MutexLock lock(mu_);
    connections_[name] = std::move(*c);
  });
  if (!st) return st;
  st = records.each(storage::encode_key(std::string_view("d")), [&](storage::Entry& e) {
    auto d = decode_destination(e.value);
    if (!d) {
      bad = Error::internal("events: malformed API destination record");
      return;
    }
    std::string name = d->name;
    MutexLock lock(mu_);
    destinations_[name] = std::move(*d);
  });
  if (!st) return st;
  return bad;
}

std::optional<Connection> Destinations::connection(std::string_view name) const {
  MutexLock lock(mu_);
  auto it = connections_.find(name);
  if (it == connections_.end()) return std::nullopt;
  return it->second;
}

std::optional<Connection> Destinations::connection_by_arn(std::string_view arn) const {
  auto c = connection(name_in_arn(arn, "connection"));
  if (!c || c->arn != arn) return std::nullopt;
  return c;
}

std::vector<Connection> Destinations::connections() const {
  MutexLock lock(mu_);
  std::vector<Connection> out;
  for (const auto& [_, c] : connections_) out.push_back(c);
  return out;
}

void Destinations::put_connection(Connection c, Done done) {
  storage::WriteBatch batch("connection/" + c.name);
  batch.put(kDestinationStoreNs, connection_key(c.name), encode(c));
  MutexLock lock(mu_);  // committed in the order of the changes
  connections_[c.name] = std::move(c);
  env_.storage->commit(std::move(batch), std::move(done));
}

void Destinations::change_connection(const std::string& name,
                                     const std::function<bool(Connection&)>& change, Done done) {
  MutexLock lock(mu_);
  auto it = connections_.find(name);
  if (it == connections_.end() || !change(it->second)) return done(Status::ok());
  storage::WriteBatch batch("connection/" + name);
  batch.put(kDestinationStoreNs, connection_key(name), encode(it->second));
  env_.storage->commit(std::move(batch), std::move(done));
}

void Destinations::delete_connection(const std::string& name, Done done) {
  storage::WriteBatch batch("connection/" + name);
  batch.del(kDestinationStoreNs, connection_key(name));
  MutexLock lock(mu_);
  connections_.erase(name);
  env_.storage->commit(std::move(batch), std::move(done));
}

std::optional<ApiDestination> Destinations::destination(std::string_view name) const {
  MutexLock lock(mu_);
  auto it = destinations_.find(name);
  if (it == destinations_.end()) return std::nullopt;
  return it->second;
}

std::optional<ApiDestination> Destinations::destination_by_arn(std::string_view arn) const {
  auto d = destination(name_in_arn(arn, "api-destination"));
  if (!d || d->arn != arn) return std::nullopt;
  return d;
}

std::vector<ApiDestination> Destinations::destinations() const {
  MutexLock lock(mu_);
  std::vector<ApiDestination> out;
  for (const auto& [_, d] : destinations_) out.push_back(d);
  return out;
}

void Destinations::put_destination(ApiDestination d, Done done) {
  storage::WriteBatch batch("api-destination/" + d.name);
  batch.put(kDestinationStoreNs, destination_key(d.name), encode(d));
  MutexLock lock(mu_);
  destinations_[d.name] = std::move(d);
  env_.storage->commit(std::move(batch), std::move(done));
}

void Destinations::delete_destination(const std::string& name, Done done) {
  storage::WriteBatch batch("api-destination/" + name);
  batch.del(kDestinationStoreNs, destination_key(name));
  MutexLock lock(mu_);
  destinations_.erase(name);
  env_.storage->commit(std::move(batch), std::move(done));
}

}  // namespace nimbus::services::eventbridge
