#include "services/s3/lifecycle_sweep.h"

#include <spdlog/spdlog.h>

#include <atomic>

#include "common/json_fields.h"
#include "services/s3/config/lifecycle.h"

namespace nimbus::services::s3 {

namespace {

constexpr const char* kSweepKind = "sweep";
constexpr int64_t kDayMs = 86'400'000;
constexpr size_t kPage = 1000;

}  // namespace

int64_t LifecycleSweep::next_midnight(int64_t ms) {
  return (ms / kDayMs + 1) * kDayMs;
}

LifecycleSweep::LifecycleSweep(Environment& env, Objects& objects)
    : env_(env),
      objects_(objects),
      expired_(env.metrics.counter("nimbus_s3_lifecycle_expired", {},
                                   "Objects S3 lifecycle rules expired")),
      aborted_(env.metrics.counter("nimbus_s3_lifecycle_aborted_uploads", {},
                                   "Incomplete multipart uploads S3 lifecycle rules aborted")) {}

LifecycleSweep::~LifecycleSweep() {
  gate_->close();
  timers_.reset();
}

Status LifecycleSweep::start() {
  storage::Timers::Options o;
  o.ns = "s3.lifecycle";
  o.retry_after = std::chrono::minutes(5);
  timers_ = std::make_unique<storage::Timers>(
      *env_.storage, env_.scheduler.clock(), env_.scheduler,
      [this](std::function<void()> f) { env_.workers.post(std::move(f)); }, o);
  timers_->on(kSweepKind, [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    if (auto in = gate->hold()) sweep(t.id, std::move(ack));
  });
  return timers_->start();
}

void LifecycleSweep::schedule(const std::string& bucket, std::function<void(Status)> done) {
  timers_->schedule(kSweepKind, bucket, env_.scheduler.clock().now(), "", std::move(done));
}

void LifecycleSweep::sweep(const std::string& bucket, storage::Timers::Ack ack) {
  auto stored = objects_.config(bucket, "lifecycle");
  if (!stored) return ack(stored.status());
  if (!*stored || (*stored)->empty()) return ack(Status::ok());  // no rules (or no bucket) any more
  auto config = parse_object(**stored);
  if (!config) return ack(Status::ok());
  int64_t now = env_.clock.now_millis();
  // Every version (current, noncurrent, delete markers), newest first per
  // key: a noncurrent version became one when the next newer was written.
  std::vector<std::pair<std::string, std::string>> due;  // key, version ("": the current)
  std::string key_marker, version_marker;
  std::string key;
  int64_t newer_ms = 0;
  int64_t noncurrent_seen = 0;
  for (;;) {
    auto page = objects_.versions(bucket, "", key_marker, version_marker, kPage);
    if (!page) return ack(page.status());
    const auto& entries = page->entries;
    for (size_t i = 0; i < entries.size(); ++i) {
      const ObjectMeta& o = entries[i].meta;
      if (o.key != key) {
        key = o.key;
        newer_ms = 0;
        noncurrent_seen = 0;
      }
      s3config::ObjectFacts facts;
      facts.key = o.key;
      for (const auto& [k, v] : o.tags) {
        if (v.is_string()) facts.tags.emplace(std::string(k), std::string(v.get_string()));
      }
      facts.size = static_cast<int64_t>(o.size);
      facts.created_ms = o.modified_ms;
      facts.delete_marker = o.delete_marker;
      facts.current = entries[i].latest;
      facts.noncurrent_since_ms = newer_ms;
      facts.newer_noncurrent = noncurrent_seen;
      // A marker is the only version left when no older one follows it (a
      // marker at a page's end waits for the next sweep).
      bool last_of_key =
          i + 1 < entries.size() ? entries[i + 1].meta.key != o.key : !page->truncated;
      facts.only_version = entries[i].latest && last_of_key;
      auto when = s3config::object_due(*config, facts);
      if (when && when->at_ms <= now) {
        if (when->action == s3config::Action::kExpire) {
          due.emplace_back(o.key, "");
        } else {
          due.emplace_back(o.key, o.version_id);
        }
      }
      if (!entries[i].latest) ++noncurrent_seen;
      newer_ms = o.modified_ms;
    }
    if (!page->truncated || entries.empty()) break;
    key_marker = entries.back().meta.key;
    version_marker = entries.back().meta.version_id;
  }
  std::vector<Upload> aborts;
  std::string upload_key, upload_id;
  for (;;) {
    auto page = objects_.uploads(bucket, "", upload_key, upload_id, kPage);
    if (!page) return ack(page.status());
    for (auto& u : *page) {
      auto when = s3config::upload_due(*config, u.key, u.initiated_ms);
      if (when && *when <= now) aborts.push_back(u);
    }
    if (page->size() < kPage) break;
    upload_key = page->back().key;
    upload_id = page->back().id;
  }
  // The next sweep is stored before this one is acknowledged (an ack after
  // a schedule of the same timer keeps the new one).
  auto next = env_.scheduler.clock().now() + std::chrono::milliseconds(next_midnight(now) - now);
  timers_->schedule(kSweepKind, bucket, next, "",
                    [this, bucket, due = std::move(due), aborts = std::move(aborts),
                     ack = std::move(ack), held = gate_->hold()](Status st) mutable {
                      if (!st) return ack(st);
                      for (auto& u : aborts) {
                        std::string where = bucket + "/" + u.key + " (" + u.id + ")";
                        objects_.abort_upload(std::move(u), [this, where](Status s) {
                          if (s) {
                            aborted_.add();
                          } else if (s.error().code != "NoSuchUpload") {
                            spdlog::warn("s3: lifecycle could not abort the upload {}: {}", where,
                                         s.error().message);
                          }
                        });
                      }
                      for (const auto& d : due) {
                        const std::string& key = d.first;
                        objects_.remove(bucket, key, d.second, "LifecycleExpiration:Delete",
                                        [this, bucket, key](Status s) {
                                          if (s) {
                                            expired_.add();
                                          } else {
                                            spdlog::warn("s3: lifecycle could not expire {}/{}: {}",
                                                         bucket, key, s.error().message);
                                          }
                                        });
                      }
                      ack(Status::ok());
                    });
}

}  // namespace nimbus::services::s3
