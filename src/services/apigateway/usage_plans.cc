#include "services/apigateway/usage_plans.h"

#include <spdlog/spdlog.h>

#include "common/json_fields.h"
#include "common/scheduler.h"
#include "services/apigateway/invoke.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

constexpr std::string_view kUsageStoreNs = "apigw";
constexpr std::string_view kUse = "use";

std::string usage_key(const std::string& plan, const std::string& key) {
  return storage::encode_key(kUse, std::string_view(plan), std::string_view(key));
}

http::Response refuse(int status, const std::string& message, const char* type) {
  auto resp = gateway_error(status, message);
  resp.set_header("x-amzn-ErrorType", type);
  return resp;
}

}  // namespace

std::optional<Throttle> throttle_of(const json::value* v) {
  if (v == nullptr || !v->is_object()) return std::nullopt;
  const auto& o = v->as_object();
  if (!o.contains("rateLimit") && !o.contains("burstLimit")) return std::nullopt;
  Throttle t;
  if (const auto* r = o.if_contains("rateLimit"); r != nullptr && r->is_number()) {
    t.rate = r->to_number<double>();
  }
  t.burst = integer(o, "burstLimit").value_or(0);
  return t;
}

std::optional<Quota> quota_of(const json::value* v) {
  if (v == nullptr || !v->is_object()) return std::nullopt;
  const auto& o = v->as_object();
  auto limit = integer(o, "limit");
  if (!limit) return std::nullopt;
  Quota q;
  q.limit = *limit;
  std::string period = str(o, "period");
  q.period = period == "WEEK"    ? Quota::Period::kWeek
             : period == "MONTH" ? Quota::Period::kMonth
                                 : Quota::Period::kDay;
  q.offset = static_cast<int>(integer(o, "offset").value_or(0));
  return q;
}

UsagePlans::UsagePlans(Environment& env)
    : env_(env),
      keys_(env, "key", [](const json::object&) { return nullptr; }),
      plans_(env, "plan", [](const json::object&) { return nullptr; }),
      index_(std::make_shared<KeyIndex>()) {}

UsagePlans::~UsagePlans() {
  uint64_t timer = 0;
  {
    MutexLock lock(timer_mu_);
    closing_ = true;
    timer = timer_;
  }
  if (timer != 0) env_.scheduler.cancel_and_wait(timer);
  flush();
}

Status UsagePlans::recover() {
  if (auto st = keys_.recover(); !st) return st;
  if (auto st = plans_.recover(); !st) return st;
  Status bad = Status::ok();
  auto st =
      env_.storage->records(kUsageStoreNs).each(storage::encode_key(kUse), [&](storage::Entry& e) {
        std::string kind, plan, key;
        if (!storage::decode_key(e.key, kind, plan, key) || !meter_.restore(plan, key, e.value)) {
          bad = Error::internal("apigateway: malformed usage record");
          return;
        }
        // A plan deleted before its counts' records were: not its counts.
        if (!plans_.find(plan)) meter_.forget(plan, key);
      });
  if (!st) return st;
  if (!bad) return bad;
  reindex();
  return Status::ok();
}

void UsagePlans::flush() {
  flush_armed_.store(false);
  MutexLock lock(write_mu_);
  auto records = meter_.take_changed();
  if (records.empty()) return;
  storage::WriteBatch b;
  for (const auto& r : records) {
    b.add_partition(r.plan);
    b.put(kUsageStoreNs, usage_key(r.plan, r.key), r.text);
  }
  env_.storage->commit(std::move(b), [](Status st) {
    if (!st) spdlog::warn("apigateway: usage counts not written: {}", st.error().message);
  });
}

void UsagePlans::arm_flush() {
  if (flush_armed_.load(std::memory_order_relaxed) || flush_armed_.exchange(true)) return;
  MutexLock lock(timer_mu_);
  if (closing_) return;  // the destructor writes what is left
  timer_ = env_.scheduler.after(kFlushDelay, [this] { flush(); });
}

void UsagePlans::save_usage(const std::string& plan, const std::string& key,
                            std::function<void(Status)> done) {
  MutexLock lock(write_mu_);
  auto r = meter_.record(plan, key);
  storage::WriteBatch b(plan);
  b.put(kUsageStoreNs, usage_key(plan, key), r.text);
  env_.storage->commit(std::move(b), std::move(done));
}

void UsagePlans::forget_usage(const std::string& plan, const std::string& key) {
  MutexLock lock(write_mu_);
  auto forgot = meter_.forget(plan, key);
  if (forgot.empty()) return;
  storage::WriteBatch b(plan);
  for (const auto& [p, k] : forgot) b.del(kUsageStoreNs, usage_key(p, k));
  env_.storage->commit(std::move(b), [](Status st) {
    if (!st) spdlog::warn("apigateway: usage counts not deleted: {}", st.error().message);
  });
}

void UsagePlans::reindex() {
  // Under the lock: of two changes committed together, the later reindex
  // reads both.
  MutexLock lock(mu_);
  auto index = std::make_shared<KeyIndex>();
  for (const auto& key : keys_.list()) {
    const auto& doc = key->doc;
    const auto* enabled = doc.if_contains("enabled");
    index->by_value[str(doc, "value")] = {
        str(doc, "id"), enabled == nullptr || !enabled->is_bool() || enabled->as_bool()};
  }
  for (const auto& plan : plans_.list()) {
    const auto& doc = plan->doc;
    const auto* keys = doc.if_contains("keys");
    const auto* stages = doc.if_contains("apiStages");
    if (keys == nullptr || !keys->is_object() || stages == nullptr || !stages->is_array()) {
      continue;
    }
    KeyIndex::Metering base{str(doc, "id"),
                            throttle_of(doc.if_contains("throttle")),
                            quota_of(doc.if_contains("quota")),
                            {}};
    for (const auto& s : stages->as_array()) {
      if (!s.is_object()) continue;
      KeyIndex::Metering m = base;
      if (const auto* t = s.as_object().if_contains("throttle"); t != nullptr && t->is_object()) {
        for (const auto& [path, settings] : t->as_object()) {
          if (auto th = throttle_of(&settings)) m.methods[std::string(path)] = *th;
        }
      }
      std::string stage = str(s.as_object(), "apiId") + ":" + str(s.as_object(), "stage");
      for (const auto& [key_id, _] : keys->as_object()) {
        index->by_key_stage[{std::string(key_id), stage}] = m;
      }
    }
  }
  index_ = std::move(index);
}

std::optional<http::Response> UsagePlans::admit(const std::string& api_id, const std::string& stage,
                                                const std::string& resource_path,
                                                const std::string& method,
                                                std::string_view api_key) {
  std::shared_ptr<const KeyIndex> index;
  {
    MutexLock lock(mu_);
    index = index_;
  }
  auto forbidden = [] { return refuse(403, "Forbidden", "ForbiddenException"); };
  if (api_key.empty()) return forbidden();
  auto key = index->by_value.find(std::string(api_key));
  if (key == index->by_value.end() || !key->second.enabled) return forbidden();
  auto m = index->by_key_stage.find({key->second.id, api_id + ":" + stage});
  if (m == index->by_key_stage.end()) return forbidden();
  const auto& metering = m->second;
  // A method's own throttle (its own bucket) replaces the plan's.
  std::string bucket;
  std::optional<Throttle> throttle = metering.throttle;
  std::string method_key = (resource_path == "/" ? "" : resource_path) + "/" + method;
  if (auto t = metering.methods.find(method_key); t != metering.methods.end()) {
    bucket = method_key;
    throttle = t->second;
  }
  switch (meter_.admit(metering.plan, key->second.id, bucket, throttle, metering.quota,
                       env_.clock.monotonic(), env_.clock.now_millis())) {
    case Meter::Verdict::kAdmitted:
      arm_flush();
      return std::nullopt;
    case Meter::Verdict::kTooManyRequests:
      return refuse(429, "Too Many Requests", "TooManyRequestsException");
    case Meter::Verdict::kLimitExceeded:
      return refuse(429, "Limit Exceeded", "LimitExceededException");
  }
  return std::nullopt;
}

}  // namespace nimbus::services::apigateway
