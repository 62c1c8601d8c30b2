#include "services/apigateway/store.h"

#include <random>

#include "common/json_fields.h"
#include "services/apigateway/errors.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::apigateway {

namespace {

constexpr std::string_view kNs = "apigw";

}  // namespace

std::string new_id(size_t n) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out(n, 'a');
  for (auto& c : out) c = kChars[rng() % 36];
  return out;
}

std::string new_id(size_t n, const json::object& taken) {
  std::string id = new_id(n);
  while (taken.contains(id)) id = new_id(n);
  return id;
}

ApiPtr ApiStore::make(json::object doc) const {
  auto api = std::make_shared<Api>();
  api->compiled = compile_(doc);
  api->doc = std::move(doc);
  return api;
}

Status ApiStore::recover() {
  std::map<std::string, ApiPtr> apis;
  Status bad = Status::ok();
  auto prefix = storage::encode_key(std::string_view(kind_));
  auto st = env_.storage->records(kNs).each(prefix, [&](storage::Entry& e) {
    auto doc = parse_object(e.value);
    std::string id = doc ? str(*doc, "id") : "";
    if (id.empty()) {
      bad = Error::internal("apigateway: malformed API record");
      return;
    }
    apis[id] = make(std::move(*doc));
  });
  if (!st) return st;
  if (!bad) return bad;
  MutexLock lock(mu_);
  apis_ = std::move(apis);
  return Status::ok();
}

ApiPtr ApiStore::find(const std::string& id) const {
  MutexLock lock(mu_);
  auto it = apis_.find(id);
  return it == apis_.end() ? nullptr : it->second;
}

std::vector<ApiPtr> ApiStore::list() const {
  MutexLock lock(mu_);
  std::vector<ApiPtr> out;
  for (const auto& [id, api] : apis_) out.push_back(api);
  return out;
}

void ApiStore::put(const std::string& id, json::object doc, Done done) {
  doc["id"] = id;
  storage::WriteBatch b(id);
  b.put(kNs, storage::encode_key(std::string_view(kind_), std::string_view(id)),
        json::serialize(doc));
  auto api = make(std::move(doc));
  apis_[id] = api;
  env_.storage->commit(std::move(b), [api, done = std::move(done)](Status st) {
    if (!st) return done(st.take_error());
    done(api);
  });
}

void ApiStore::create(const std::string& id, json::object doc, Done done) {
  MutexLock lock(mu_);
  if (apis_.contains(id)) {
    lock.unlock();
    return done(errors::conflict("API " + id + " exists"));
  }
  put(id, std::move(doc), std::move(done));
}

void ApiStore::update(const std::string& id, const std::function<Status(json::object&)>& change,
                      Done done) {
  MutexLock lock(mu_);
  auto it = apis_.find(id);
  if (it == apis_.end()) {
    lock.unlock();
    return done(errors::not_found("Invalid API identifier specified"));
  }
  json::object copy = it->second->doc;
  if (auto st = change(copy); !st) {
    lock.unlock();
    return done(st.take_error());
  }
  put(id, std::move(copy), std::move(done));
}

void ApiStore::remove(const std::string& id, std::function<void(Status)> done) {
  MutexLock lock(mu_);
  if (apis_.erase(id) == 0) {
    lock.unlock();
    return done(errors::not_found("Invalid API identifier specified"));
  }
  storage::WriteBatch b(id);
  b.del(kNs, storage::encode_key(std::string_view(kind_), std::string_view(id)));
  env_.storage->commit(std::move(b), std::move(done));
}

}  // namespace nimbus::services::apigateway
