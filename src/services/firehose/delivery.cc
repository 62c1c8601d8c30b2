// Delivery: buffers become S3 objects (Engine's flush path).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "common/request_id.h"
#include "services/firehose/engine.h"
#include "services/firehose/gzip.h"

namespace nimbus::services::firehose {

namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr int64_t kRetryMaxMs = 60'000;

std::string random_string() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out(11, 'a');
  for (auto& c : out) c = kChars[rng() % (sizeof kChars - 1)];
  return out;
}

}  // namespace

// After an append: deliver at once when the buffer is full, else make sure
// a delivery is due when the interval ends.
void Engine::after_put(const std::string& name) {
  std::optional<DeliveryStream> def;
  bool armed = false;
  {
    MutexLock lock(mu_);
    auto it = streams_.find(name);
    if (it == streams_.end()) return;
    def = it->second->def;
    armed = it->second->armed;
  }
  auto info = log_->info(name);
  if (!info) return;
  if (info->bytes >= static_cast<uint64_t>(def->size_mb) * kMiB) {
    return flush(name, [] {});
  }
  if (!armed) arm(name, env_.clock.now() + std::chrono::seconds(def->interval_s));
}

void Engine::arm(const std::string& name, Clock::time_point due) {
  {
    MutexLock lock(mu_);
    auto it = streams_.find(name);
    if (it == streams_.end()) return;
    it->second->armed = true;
  }
  timers_->schedule("flush", name, due, "", [name](Status st) {
    if (!st) spdlog::error("firehose: arming the delivery of {}: {}", name, st.error().message);
  });
}

void Engine::flush(const std::string& name, std::function<void()> finished) {
  std::optional<DeliveryStream> def;
  {
    MutexLock lock(mu_);
    auto it = streams_.find(name);
    if (it == streams_.end() || it->second->flushing) return finished();
    it->second->flushing = true;
    def = it->second->def;
  }
  env_.workers.post(
      [this, gate = gate_, name, def = std::move(*def), finished = std::move(finished)]() mutable {
        auto h = gate->hold();
        if (!h) return finished();
        deliver(name, std::move(def), std::move(finished));
      });
}

std::string Engine::object_key(const DeliveryStream& def, int64_t oldest_ms) const {
  auto prefix = Prefix::parse(def.prefix, false);
  std::string key;
  if (prefix && prefix->has_expressions()) {
    key = prefix->evaluate(oldest_ms, random_string);
  } else {
    key = def.prefix + default_layout(oldest_ms);
  }
  key += def.name + "-" + std::to_string(def.version) + "-" + suffix_time(oldest_ms) + "-" +
         new_request_id() + def.extension();
  return key;
}

// The key of an error output object: the ErrorOutputPrefix evaluated with
// `type` (its default when it has no expressions: the prefix, the type and
// the time layout), then the same name as a delivered object.
std::string Engine::error_key(const DeliveryStream& def, int64_t oldest_ms,
                              std::string_view type) const {
  auto prefix = Prefix::parse(def.error_prefix, true);
  std::string key;
  if (prefix && prefix->has_expressions()) {
    key = prefix->evaluate(oldest_ms, random_string, type);
  } else {
    key = def.error_prefix + std::string(type) + "/" + default_layout(oldest_ms);
  }
  key += def.name + "-" + std::to_string(def.version) + "-" + suffix_time(oldest_ms) + "-" +
         new_request_id() + def.extension();
  return key;
}

// Worker thread: one object from the oldest records, up to the buffer size.
void Engine::deliver(const std::string& name, DeliveryStream def, std::function<void()> finished) {
  auto info = log_->info(name);
  if (!info || info->first_seq >= info->next_seq) return delivered(name, true, std::move(finished));
  storage::ReadLimits limits;
  limits.max_records = SIZE_MAX;
  limits.max_bytes = static_cast<size_t>(def.size_mb) * kMiB;
  auto records = log_->read(name, info->first_seq, limits);
  if (!records || records->empty()) {
    if (!records) spdlog::error("firehose: reading {}: {}", name, records.error().message);
    return delivered(name, !!records, std::move(finished));
  }
  uint64_t last = records->back().seq;
  int64_t oldest_ms = records->front().arrival_ms;
  if (def.lambda_arn.empty() || functions_ == nullptr) {
    std::string body;
    for (const auto& r : *records) body += r.data;
    return write(name, std::move(def), Processed{std::move(body), {}}, oldest_ms, last,
                 std::move(finished));
  }
  process(*functions_, env_.clock, def, std::move(*records), role_check_,
          [this, gate = gate_, name, def, oldest_ms, last,
           finished = std::move(finished)](Processed p) mutable {
            auto h = gate->hold();
            if (!h) return finished();
            write(name, std::move(def), std::move(p), oldest_ms, last, std::move(finished));
          });
}

// Writes what a delivery made: the failed records' lines under the error
// output, then the object, then trims the records they came from.
void Engine::write(const std::string& name, DeliveryStream def, Processed p, int64_t oldest_ms,
                   uint64_t last, std::function<void()> finished) {
  std::vector<s3::NewObject> objects;
  auto make = [&](std::string key, std::string body) {
    if (def.compression == "GZIP") body = gzip(body);
    objects.push_back(s3::NewObject{def.bucket(), std::move(key), std::move(body),
                                    "application/octet-stream", ""});
  };
  if (!p.failed.empty()) make(error_key(def, oldest_ms, "processing-failed"), std::move(p.failed));
  if (!p.body.empty()) make(object_key(def, oldest_ms), std::move(p.body));
  for (const auto& o : objects) {
    if (!role_check_) break;
    if (auto allowed = role_check_(def.role_arn, "arn:aws:s3:::" + o.bucket + "/" + o.key, {});
        !allowed) {
      bool assume = allowed.error().code == "AssumeRoleAccessDenied";
      spdlog::warn("firehose: delivering {}: {}: {}", name,
                   assume ? "S3.AssumeRoleAccessDenied" : "S3.AccessDenied",
                   allowed.error().message);
      return delivered(name, false, std::move(finished));
    }
  }
  auto then = [this, gate = gate_, name, last, finished = std::move(finished)](Written w) mutable {
    if (w == Written::kGone) return finished();
    if (w == Written::kFailed) return delivered(name, false, std::move(finished));
    log_->trim(name, last + 1,
               [this, gate, name, finished = std::move(finished)](Status t) mutable {
                 auto h = gate->hold();
                 if (!h) return finished();
                 if (!t) spdlog::error("firehose: trimming {}: {}", name, t.error().message);
                 delivered(name, true, std::move(finished));
               });
  };
  put_all(name, std::move(objects), 0, std::move(then));
}

// Puts objects[i..] one after the other, then says how it went.
void Engine::put_all(const std::string& name, std::vector<s3::NewObject> objects, size_t i,
                     std::function<void(Written)> then) {
  if (i == objects.size()) return then(Written::kAll);
  s3::NewObject object = objects[i];
  s3_->put(std::move(object), [this, gate = gate_, name, objects = std::move(objects), i,
                               then = std::move(then)](Status st) mutable {
    auto h = gate->hold();
    if (!h) return then(Written::kGone);
    if (!st) {
      spdlog::warn("firehose: delivering {}: {}: {}", name, st.error().code, st.error().message);
      return then(Written::kFailed);
    }
    put_all(name, std::move(objects), i + 1, std::move(then));
  });
}

// An attempt is over: deliver again if a full buffer is waiting, else arm
// the next delivery (a failure backs off: 1 s doubling to a minute).
void Engine::delivered(const std::string& name, bool ok, std::function<void()> finished) {
  std::optional<DeliveryStream> def;
  int failures = 0;
  {
    MutexLock lock(mu_);
    auto it = streams_.find(name);
    if (it == streams_.end()) return finished();
    it->second->flushing = false;
    it->second->failures = ok ? 0 : it->second->failures + 1;
    failures = it->second->failures;
    def = it->second->def;
  }
  auto info = log_->info(name);
  bool waiting = info && info->first_seq < info->next_seq;
  if (!ok) {
    int64_t delay = std::min(kRetryMaxMs, int64_t{1000} << std::min(failures - 1, 16));
    arm(name, env_.clock.now() + std::chrono::milliseconds(delay));
  } else if (waiting && info->bytes >= static_cast<uint64_t>(def->size_mb) * kMiB) {
    flush(name, [] {});
  } else if (waiting) {
    // The interval runs from the oldest record still waiting.
    auto first = log_->read(name, info->first_seq, {1, 1});
    int64_t oldest = first && !first->empty() ? first->front().arrival_ms : env_.clock.now_millis();
    int64_t due_ms = oldest + int64_t{def->interval_s} * 1000;
    arm(name, env_.clock.now() + std::chrono::milliseconds(due_ms - env_.clock.now_millis()));
  }
  finished();
}

}  // namespace nimbus::services::firehose
