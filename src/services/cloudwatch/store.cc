// MetricStore (store.h): points durable in cloudwatch.points, a copy of the
// retention window in memory.
#include "services/cloudwatch/store.h"

#include <spdlog/spdlog.h>

#include <limits>

#include "common/json_fields.h"
#include "storage/key_codec.h"
#include "storage/records.h"
#include "storage/storage.h"
#include "storage/write_batch.h"

namespace nimbus::services::cloudwatch {

namespace json = boost::json;

namespace {

constexpr const char* kPoints = "cloudwatch.points";

std::string point_key(const std::string& id, int64_t ts_ms, uint64_t seq) {
  return id + storage::encode_key(ts_ms, seq);
}

double number_of(const json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return 0;
}

}  // namespace

std::string encode_datum(const Datum& d) {
  json::object o{{"u", d.unit}, {"r", d.resolution}, {"i", d.ingest_ms}};
  if (d.is_set) {
    o["s"] = json::array{d.sample_count, d.sum, d.minimum, d.maximum};
  } else {
    json::array v, c;
    for (double x : d.values) v.push_back(x);
    for (double x : d.counts) c.push_back(x);
    o["v"] = std::move(v);
    o["c"] = std::move(c);
  }
  return json::serialize(o);
}

std::optional<Datum> decode_datum(std::string_view text, int64_t timestamp_ms) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  Datum d;
  d.timestamp_ms = timestamp_ms;
  d.unit = str(*o, "u");
  d.resolution = static_cast<int>(integer(*o, "r").value_or(60));
  d.ingest_ms = integer(*o, "i").value_or(timestamp_ms);
  if (const auto* s = o->if_contains("s"); s != nullptr && s->is_array()) {
    const auto& a = s->as_array();
    if (a.size() != 4) return std::nullopt;
    d.is_set = true;
    d.sample_count = number_of(a[0]);
    d.sum = number_of(a[1]);
    d.minimum = number_of(a[2]);
    d.maximum = number_of(a[3]);
    return d;
  }
  const auto* v = o->if_contains("v");
  const auto* c = o->if_contains("c");
  if (v == nullptr || c == nullptr || !v->is_array() || !c->is_array() ||
      v->as_array().size() != c->as_array().size()) {
    return std::nullopt;
  }
  for (const auto& x : v->as_array()) d.values.push_back(number_of(x));
  for (const auto& x : c->as_array()) d.counts.push_back(number_of(x));
  return d;
}

MetricStore::MetricStore(Environment& env) : env_(env) {}

MetricStore::~MetricStore() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return in_flight_ == 0; });
}

int64_t MetricStore::cutoff_ms() const {
  return env_.clock.now_millis() -
         std::chrono::duration_cast<std::chrono::milliseconds>(kRetention).count();
}

Status MetricStore::recover() {
  auto records = env_.storage->records(kPoints);
  const int64_t cutoff = cutoff_ms();
  storage::WriteBatch expired;
  uint64_t max_seq = 0;
  size_t bad = 0;
  std::lock_guard lock(mu_);
  Status st = records.each("", [&](storage::Entry& e) {
    size_t used = 0;
    auto key = parse_metric_id(e.key, &used);
    int64_t ts = 0;
    uint64_t seq = 0;
    if (!key || !storage::decode_key(std::string_view(e.key).substr(used), ts, seq)) {
      ++bad;
      return;
    }
    max_seq = std::max(max_seq, seq);
    if (ts < cutoff) {
      expired.del(kPoints, e.key);
      return;
    }
    auto d = decode_datum(e.value, ts);
    if (!d) {
      ++bad;
      return;
    }
    std::string id = e.key.substr(0, used);
    auto& s = series_[id];
    if (s.points.empty()) s.key = std::move(*key);
    s.last_ingest_ms = std::max(s.last_ingest_ms, d->ingest_ms);
    s.points.emplace(ts, std::move(*d));
  });
  if (!st) return st;
  if (bad > 0) spdlog::warn("cloudwatch: skipped {} unreadable stored points", bad);
  next_seq_ = max_seq + 1;
  if (!expired.empty()) return env_.storage->commit_sync(std::move(expired));
  return Status();
}

void MetricStore::put(const std::string& ns, std::vector<std::pair<MetricKey, Datum>> data,
                      Done done) {
  storage::WriteBatch batch("cloudwatch:" + ns);
  const int64_t cutoff = cutoff_ms();
  std::vector<std::pair<std::string, std::pair<MetricKey, Datum>>> ready;
  ready.reserve(data.size());
  {
    std::lock_guard lock(mu_);
    for (auto& item : data) {
      std::string id = metric_id(item.first);
      uint64_t seq = next_seq_++;
      batch.put(kPoints, point_key(id, item.second.timestamp_ms, seq), encode_datum(item.second));
      auto it = series_.find(id);
      if (it != series_.end() && !it->second.points.empty() &&
          it->second.points.begin()->first < cutoff) {
        batch.del_range(kPoints, point_key(id, std::numeric_limits<int64_t>::min(), 0),
                        point_key(id, cutoff, 0));
      }
      ready.emplace_back(std::move(id), std::move(item));
    }
    ++in_flight_;
  }
  env_.storage->commit(std::move(batch), [this, ready = std::move(ready), cutoff,
                                          done = std::move(done)](Status st) mutable {
    if (st) {
      std::lock_guard lock(mu_);
      for (auto& [id, item] : ready) {
        auto& s = series_[id];
        if (s.points.empty()) s.key = std::move(item.first);
        s.last_ingest_ms = std::max(s.last_ingest_ms, item.second.ingest_ms);
        s.points.erase(s.points.begin(), s.points.lower_bound(cutoff));
        if (item.second.timestamp_ms >= cutoff) {
          s.points.emplace(item.second.timestamp_ms, std::move(item.second));
        }
        if (s.points.empty()) series_.erase(id);
      }
    }
    done(std::move(st));
    std::lock_guard lock(mu_);
    if (--in_flight_ == 0) idle_.notify_all();
  });
}

std::vector<MetricInfo> MetricStore::metrics() const {
  const int64_t cutoff = cutoff_ms();
  std::vector<MetricInfo> out;
  std::lock_guard lock(mu_);
  out.reserve(series_.size());
  for (const auto& [id, s] : series_) {
    if (s.points.empty() || s.points.rbegin()->first < cutoff) continue;
    out.push_back({id, s.key, s.last_ingest_ms});
  }
  return out;
}

std::vector<Datum> MetricStore::points(const std::string& id, int64_t from_ms,
                                       int64_t to_ms) const {
  std::vector<Datum> out;
  from_ms = std::max(from_ms, cutoff_ms());
  std::lock_guard lock(mu_);
  auto it = series_.find(id);
  if (it == series_.end()) return out;
  for (auto p = it->second.points.lower_bound(from_ms);
       p != it->second.points.end() && p->first < to_ms; ++p) {
    out.push_back(p->second);
  }
  return out;
}

}  // namespace nimbus::services::cloudwatch
