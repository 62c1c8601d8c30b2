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
// Usage counts are durable: the Meter's counts of each (plan, key), one
// record each (kind "use", planId, keyId), written in batches: the first
// request counted after a write arms a timer, and kFlushDelay later every
// (plan, key) counted since is written in one batch. A clean stop writes
// what is left (the destructor); kill -9 forgets at most the requests
// counted in the last kFlushDelay (plus the batch being committed, acked
// within a commit's time). UpdateUsage's grant is written before it answers
// (save_usage). A request never waits on storage.
//
// Threads: thread-safe; reindex() runs where a change is committed.
#pragma once

#include <atomic>
#include <chrono>
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
  // How long counts wait before they are written (the bound on what
  // kill -9 may forget).
  static constexpr std::chrono::milliseconds kFlushDelay{1000};

  explicit UsagePlans(Environment& env);
  // Writes the counts not yet written (the server's clean stop).
  ~UsagePlans();

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

  // (plan, key)'s counts written now; `done` once durable (UpdateUsage).
  void save_usage(const std::string& plan, const std::string& key,
                  std::function<void(Status)> done);
  // The Meter forgets a plan's (or one key's) counts and their records go.
  void forget_usage(const std::string& plan, const std::string& key = "");
  // Writes every changed count now (the flush timer; tests).
  void flush();

 private:
  void arm_flush();

  Environment& env_;
  ApiStore keys_;
  ApiStore plans_;
  Meter meter_;
  mutable Mutex mu_;
  std::shared_ptr<const KeyIndex> index_ GUARDED_BY(mu_);
  // Orders the counts' writes and deletes as they are queued: a forgotten
  // (plan, key) is never written again by a batch taken before.
  Mutex write_mu_;
  std::atomic<bool> flush_armed_{false};
  Mutex timer_mu_;
  uint64_t timer_ GUARDED_BY(timer_mu_) = 0;  // the last flush timer's id, 0 none
  bool closing_ GUARDED_BY(timer_mu_) = false;
};

}  // namespace nimbus::services::apigateway
