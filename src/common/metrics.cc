#include "common/metrics.h"

#include <fmt/format.h>

namespace nimbus {

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

double Histogram::sum() const {
  return static_cast<double>(sum_ns_.load()) / 1e9;
}

Metrics::Family& Metrics::family(const std::string& name, const char* type,
                                 const std::string& help) {
  auto& f = families_[name];
  if (f.type.empty()) f.type = type;
  if (f.help.empty()) f.help = help;
  return f;
}

Counter& Metrics::counter(const std::string& name, const Labels& labels, const std::string& help) {
  MutexLock lock(mu_);
  auto& slot = family(name, "counter", help).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Metrics::gauge(const std::string& name, const Labels& labels, const std::string& help) {
  MutexLock lock(mu_);
  auto& slot = family(name, "gauge", help).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Metrics::histogram(const std::string& name, const Labels& labels,
                              const std::string& help) {
  MutexLock lock(mu_);
  auto& slot = family(name, "histogram", help).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>();
  return *slot;
}

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string render_labels(const Labels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ',';
    out += fmt::format("{}=\"{}\"", k, escape_label(v));
  }
  if (!extra.empty()) {
    if (out.size() > 1) out += ',';
    out += extra;
  }
  return out + "}";
}

}  // namespace

std::string Metrics::prometheus() const {
  MutexLock lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out += fmt::format("# HELP {} {}\n", name, f.help);
    out += fmt::format("# TYPE {} {}\n", name, f.type);
    for (const auto& [labels, c] : f.counters) {
      out += fmt::format("{}{} {}\n", name, render_labels(labels), c->value());
    }
    for (const auto& [labels, g] : f.gauges) {
      out += fmt::format("{}{} {}\n", name, render_labels(labels), g->value());
    }
    for (const auto& [labels, h] : f.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= Histogram::kBounds.size(); ++i) {
        cumulative += h->bucket(i);
        std::string le = i < Histogram::kBounds.size()
                             ? fmt::format("le=\"{}\"", Histogram::kBounds[i])
                             : std::string("le=\"+Inf\"");
        out += fmt::format("{}_bucket{} {}\n", name, render_labels(labels, le), cumulative);
      }
      out += fmt::format("{}_sum{} {}\n", name, render_labels(labels), h->sum());
      out += fmt::format("{}_count{} {}\n", name, render_labels(labels), h->count());
    }
  }
  return out;
}

}  // namespace nimbus
