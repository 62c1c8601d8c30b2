#include "services/lambda/layers.h"

#include <charconv>

#include "common/json_fields.h"
#include "services/lambda/errors.h"
#include "storage/storage.h"

namespace nimbus::services::lambda {

namespace json = boost::json;

namespace {

constexpr std::string_view kNs = "lambda.layers";

json::object document_of(const Layer& l) {
  json::object versions;
  for (const auto& [n, v] : l.versions) versions[std::to_string(n)] = v;
  return json::object{{"Name", l.name}, {"Latest", l.latest}, {"Versions", std::move(versions)}};
}

std::optional<Layer> layer_of(const json::object& doc) {
  Layer l;
  l.name = str(doc, "Name");
  l.latest = integer(doc, "Latest").value_or(0);
  auto it = doc.find("Versions");
  if (l.name.empty() || it == doc.end() || !it->value().is_object()) return std::nullopt;
  for (const auto& [k, v] : it->value().as_object()) {
    if (!v.is_object()) return std::nullopt;
    int64_t n = 0;
    auto r = std::from_chars(k.data(), k.data() + k.size(), n);
    if (r.ec != std::errc() || r.ptr != k.data() + k.size()) return std::nullopt;
    l.versions[n] = v.as_object();
  }
  return l;
}

Error version_not_found() {
  return resource_not_found("The resource you requested does not exist.");
}

}  // namespace

Status Layers::recover() {
  std::map<std::string, Layer> layers;
  size_t bad = 0;
  auto st = env_.storage->records(kNs).each("", [&](storage::Entry& e) {
    auto doc = parse_object(e.value);
    auto l = doc ? layer_of(*doc) : std::nullopt;
    if (!l) {
      ++bad;
      return;
    }
    layers[l->name] = std::move(*l);
  });
  if (!st) return st;
  if (bad > 0) return Error::internal("lambda: malformed layer record");
  MutexLock lock(mu_);
  layers_ = std::move(layers);
  return Status::ok();
}

std::optional<json::object> Layers::get(const std::string& name, int64_t version) const {
  MutexLock lock(mu_);
  auto it = layers_.find(name);
  if (it == layers_.end()) return std::nullopt;
  auto v = it->second.versions.find(version);
  if (v == it->second.versions.end()) return std::nullopt;
  return v->second;
}

std::vector<Layer> Layers::all() const {
  MutexLock lock(mu_);
  std::vector<Layer> out;
  for (const auto& [n, l] : layers_) {
    if (!l.versions.empty()) out.push_back(l);
  }
  return out;
}

std::optional<Layer> Layers::layer(const std::string& name) const {
  MutexLock lock(mu_);
  auto it = layers_.find(name);
  if (it == layers_.end()) return std::nullopt;
  return it->second;
}

std::set<std::string> Layers::codes() const {
  MutexLock lock(mu_);
  std::set<std::string> out;
  for (const auto& [n, l] : layers_) {
    for (const auto& [k, v] : l.versions) out.insert(str(v, "Code"));
  }
  return out;
}

void Layers::persist_locked(const Layer& l, std::function<void(Status)> done) {
  storage::WriteBatch b(l.name);
  b.put(kNs, l.name, json::serialize(document_of(l)));
  env_.storage->commit(std::move(b), std::move(done));
}

void Layers::publish(const std::string& name, json::object version,
                     const std::function<void(json::object&, int64_t)>& fill,
                     std::function<void(Result<json::object>)> done) {
  MutexLock lock(mu_);
  Layer& l = layers_[name];
  l.name = name;
  int64_t n = ++l.latest;
  fill(version, n);
  l.versions[n] = version;
  persist_locked(l, [version = std::move(version), done = std::move(done)](Status st) mutable {
    if (!st) return done(st.take_error());
    done(std::move(version));
  });
}

void Layers::change(const std::string& name, int64_t version,
                    const std::function<Output(json::object&)>& fn, Respond respond) {
  MutexLock lock(mu_);
  auto it = layers_.find(name);
  if (it == layers_.end()) return respond(version_not_found());
  auto v = it->second.versions.find(version);
  if (v == it->second.versions.end()) return respond(version_not_found());
  json::object changed = v->second;
  auto out = fn(changed);
  if (!out) return respond(out.take_error());
  v->second = std::move(changed);
  persist_locked(it->second, [out = std::move(*out), respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(out);
  });
}

void Layers::remove(const std::string& name, int64_t version,
                    std::function<void(Result<std::string>)> done) {
  MutexLock lock(mu_);
  auto it = layers_.find(name);
  if (it == layers_.end()) return done(std::string());
  auto v = it->second.versions.find(version);
  if (v == it->second.versions.end()) return done(std::string());
  std::string code = str(v->second, "Code");
  it->second.versions.erase(v);
  persist_locked(it->second, [code, done = std::move(done)](Status st) {
    if (!st) return done(st.take_error());
    done(code);
  });
}

}  // namespace nimbus::services::lambda
