// BufferedPublisher (publisher.h).
#include "services/cloudwatch/publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace nimbus::services::cloudwatch {

namespace {

constexpr size_t kMaxValues = 150;  // PutMetricData's Values limit
constexpr std::chrono::milliseconds kFlushAfter{1000};

void add_value(std::vector<Datum>& data, const Datum& proto, double v) {
  for (auto& d : data) {
    for (size_t i = 0; i < d.values.size(); ++i) {
      if (d.values[i] == v) {
        d.counts[i] += 1;
        return;
      }
    }
  }
  if (data.empty() || data.back().values.size() >= kMaxValues) data.push_back(proto);
  data.back().values.push_back(v);
  data.back().counts.push_back(1);
}

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
    if (pending.data.empty()) {
      pending.ns = ns;
      pending.key = std::move(key);
    }
    Datum proto;
    proto.timestamp_ms = minute;
    proto.ingest_ms = now;
    proto.unit = p.unit;
    add_value(pending.data, proto, p.value);
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
  for (auto& [_, p] : taken) {
    for (auto& d : p.data) by_ns[p.ns].emplace_back(p.key, std::move(d));
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
