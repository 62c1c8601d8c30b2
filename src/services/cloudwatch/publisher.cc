// BufferedPublisher (publisher.h).
#include "services/cloudwatch/publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace nimbus::services::cloudwatch {

namespace {

constexpr size_t kPublishMaxValues = 150;  // PutMetricData's Values limit
constexpr std::chrono::milliseconds kFlushAfter{1000};

}  // namespace

BufferedPublisher::BufferedPublisher(Environment& env, MetricStore& store)
    : env_(env), store_(store) {}

BufferedPublisher::~BufferedPublisher() {
  stop();
  gate_->close();
}

void BufferedPublisher::put(const std::string& ns, std::vector<PublishedDatum> data) {
  const int64_t now = env_.clock.now_millis();
  MutexLock lock(mu_);
  for (auto& p : data) {
    MetricKey key{ns, std::move(p.metric_name), std::move(p.dimensions)};
    std::sort(key.dims.begin(), key.dims.end());
    // Standard resolution: stored per minute, as PutMetricData does.
    int64_t minute = p.timestamp_ms - (((p.timestamp_ms % 60000) + 60000) % 60000);
    std::string id = metric_id(key);
    auto& pending = pending_[{id, minute, p.unit}];
    if (pending.counts.empty()) {
      pending.ns = ns;
      pending.key = std::move(key);
    }
    pending.ingest_ms = now;
    pending.counts[p.value] += 1;
  }
  arm_locked();
}

void BufferedPublisher::arm_locked() {
  if (armed_ || stopped_ || pending_.empty()) return;
  armed_ = true;
  // The timer enters the gate when it fires: the publisher may be gone by
  // then (it cannot be cancelled once the Scheduler is).
  env_.scheduler.after(kFlushAfter, [this, gate = gate_] {
    auto in = gate->hold();
    if (!in) return;
    {
      MutexLock lock(mu_);
      armed_ = false;
    }
    flush();
  });
}

void BufferedPublisher::flush() {
  decltype(pending_) taken;
  {
    MutexLock lock(mu_);
    taken.swap(pending_);
  }
  std::map<std::string, std::vector<std::pair<MetricKey, Datum>>> by_ns;
  for (auto& [slot, p] : taken) {
    // A datum holds at most 150 distinct values (PutMetricData's limit).
    Datum proto;
    proto.timestamp_ms = std::get<1>(slot);
    proto.unit = std::get<2>(slot);
    proto.ingest_ms = p.ingest_ms;
    Datum d = proto;
    for (const auto& [value, count] : p.counts) {
      if (d.values.size() == kPublishMaxValues) {
        by_ns[p.ns].emplace_back(p.key, std::move(d));
        d = proto;
      }
      d.values.push_back(value);
      d.counts.push_back(count);
    }
    by_ns[p.ns].emplace_back(p.key, std::move(d));
  }
  for (auto& [ns, points] : by_ns) {
    store_.put(ns, std::move(points), [name = ns](Status st) {
      if (!st) spdlog::error("cloudwatch: publishing to {}: {}", name, st.error().message);
    });
  }
}

void BufferedPublisher::stop() {
  {
    MutexLock lock(mu_);
    stopped_ = true;
  }
  flush();
}

}  // namespace nimbus::services::cloudwatch
