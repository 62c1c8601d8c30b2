#include "services/lambda/function_url.h"

#include "common/json_fields.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::lambda {

namespace json = boost::json;

namespace {

constexpr std::string_view kNs = "lambda.urls";

std::string key_of(std::string_view name, std::string_view qualifier) {
  return storage::encode_key(name, qualifier);
}

}  // namespace

Status FunctionUrls::recover() {
  std::map<Key, json::object> docs;
  std::map<std::string, Key> ids;
  Status bad = Status::ok();
  auto st = env_.storage->records(kNs).each("", [&](storage::Entry& e) {
    auto doc = parse_object(e.value);
    if (!doc || str(*doc, "UrlId").empty()) {
      bad = Error::internal("lambda: malformed function URL record");
      return;
    }
    Key k{str(*doc, "FunctionName"), str(*doc, "Qualifier")};
    ids[str(*doc, "UrlId")] = k;
    docs[k] = std::move(*doc);
  });
  if (!st) return st;
  if (!bad) return bad;
  MutexLock lock(mu_);
  docs_ = std::move(docs);
  by_id_ = std::move(ids);
  return Status::ok();
}

std::optional<json::object> FunctionUrls::get(const std::string& name,
                                              const std::string& qualifier) const {
  MutexLock lock(mu_);
  auto it = docs_.find({name, qualifier});
  if (it == docs_.end()) return std::nullopt;
  return it->second;
}

std::optional<json::object> FunctionUrls::by_url_id(const std::string& url_id) const {
  MutexLock lock(mu_);
  auto it = by_id_.find(url_id);
  if (it == by_id_.end()) return std::nullopt;
  return docs_.at(it->second);
}

std::vector<json::object> FunctionUrls::list(const std::string& name) const {
  MutexLock lock(mu_);
  std::vector<json::object> out;
  for (auto it = docs_.lower_bound({name, ""}); it != docs_.end() && it->first.first == name;
       ++it) {
    out.push_back(it->second);
  }
  return out;
}

void FunctionUrls::put(json::object doc, std::function<void(Status)> done) {
  Key k{str(doc, "FunctionName"), str(doc, "Qualifier")};
  storage::WriteBatch b(k.first);
  b.put(kNs, key_of(k.first, k.second), json::serialize(doc));
  MutexLock lock(mu_);
  by_id_[str(doc, "UrlId")] = k;
  docs_[k] = std::move(doc);
  env_.storage->commit(std::move(b), std::move(done));
}

void FunctionUrls::remove(const std::string& name, const std::string& qualifier,
                          std::function<void(Status)> done) {
  storage::WriteBatch b(name);
  b.del(kNs, key_of(name, qualifier));
  MutexLock lock(mu_);
  auto it = docs_.find({name, qualifier});
  if (it != docs_.end()) {
    by_id_.erase(str(it->second, "UrlId"));
    docs_.erase(it);
  }
  env_.storage->commit(std::move(b), std::move(done));
}

}  // namespace nimbus::services::lambda
