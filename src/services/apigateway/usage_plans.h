// API keys and usage plans (apigateway): their documents in storage (one
// record each, namespace `apigw`, kinds "key" and "plan"; a plan's document
// carries its keys), an index the data plane reads (key value -> key; key
// and API stage -> the plan that meters it), and the Meter that enforces the
// plans' throttles and quotas.
//
// A method with apiKeyRequired answers 403 {"message":"Forbidden"} without
// a key (x-api-key), for an unknown or disabled key, or a key no plan of
// this API stage holds; 429 {"message":"Too Many Requests"} when the
// key's bucket is empty, 429 {"message":"Limit Exceeded"} once its quota
// for the period is used.
//
// Threads: thread-safe; reindex() runs where a change is committed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/mutex.h"
#include "services/apigateway/meter.h"
#include "services/apigateway/store.h"
#include "services/service.h"

namespace nimbus::services::apigateway {

// What the data plane needs of the keys and plans, rebuilt whole on change.
struct KeyIndex {
  struct Key {
    std::string id;
    bool enabled = true;
  };
  struct Metering {
    std::string plan;
    std::optional<Throttle> throttle;
    std::optional<Quota> quota;
    std::map<std::string, Throttle> methods;  // "/resource/path/METHOD" -> throttle
  };
  std::unordered_map<std::string, Key> by_value;
  std::map<std::pair<std::string, std::string>, Metering> by_key_stage;  // (key id, "api:stage")
};

// A plan's throttle and quota as the data plane reads them.
std::optional<Throttle> throttle_of(const boost::json::value* v);
std::optional<Quota> quota_of(const boost::json::value* v);

class UsagePlans {
 public:
  explicit UsagePlans(Environment& env);

  Status recover();
  // Rebuilds the index from the stores; call after every committed change.
  void reindex();

  ApiStore& keys() { return keys_; }
  ApiStore& plans() { return plans_; }
  const ApiStore& keys() const { return keys_; }
  const ApiStore& plans() const { return plans_; }
  Meter& meter() { return meter_; }
  const Meter& meter() const { return meter_; }

  // A request to a method with apiKeyRequired: nullopt when admitted, else
  // the answer (403 or 429). `resource_path` and `method` name the method
  // for the plan's per-method throttles.
  std::optional<http::Response> admit(const std::string& api_id, const std::string& stage,
                                      const std::string& resource_path, const std::string& method,
                                      std::string_view api_key);

 private:
  Environment& env_;
  ApiStore keys_;
  ApiStore plans_;
  Meter meter_;
  mutable Mutex mu_;
  std::shared_ptr<const KeyIndex> index_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::apigateway
