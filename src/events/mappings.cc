#include "events/mappings.h"

#include <spdlog/spdlog.h>

#include "common/json_fields.h"
#include "storage/storage.h"

namespace nimbus::events {

namespace json = boost::json;
using nimbus::integer;
using nimbus::str;

namespace {

constexpr const char* kNs = "lambda.esm";

}  // namespace

Result<SqsPollerConfig> poller_config(const json::object& doc, const std::string& region) {
  SqsPollerConfig c;
  c.uuid = str(doc, "UUID");
  c.queue_arn = str(doc, "EventSourceArn");
  c.region = region;
  c.batch_size = static_cast<int>(integer(doc, "BatchSize").value_or(10));
  c.window_seconds = static_cast<int>(integer(doc, "MaximumBatchingWindowInSeconds").value_or(0));
  if (const auto* t = doc.if_contains("FunctionResponseTypes"); t && t->is_array()) {
    for (const auto& v : t->as_array()) {
      if (v.is_string() && v.as_string() == "ReportBatchItemFailures") c.report_failures = true;
    }
  }
  if (const auto* s = doc.if_contains("ScalingConfig"); s && s->is_object()) {
    if (auto n = integer(s->as_object(), "MaximumConcurrency")) c.max_concurrency = int(*n);
  }
  if (const auto* f = doc.if_contains("FilterCriteria"); f && f->is_object()) {
    if (const auto* list = f->as_object().if_contains("Filters"); list && list->is_array()) {
      for (const auto& filter : list->as_array()) {
        if (!filter.is_object()) continue;
        std::string text = str(filter.as_object(), "Pattern");
        if (text.empty()) continue;
        auto p = EventPattern::parse(text);
        if (!p) return p.take_error();
        c.filters.push_back(std::move(*p));
      }
    }
  }
  return c;
}

Mappings::Mappings(Deps deps) : deps_(std::move(deps)) {
  if (deps_.storage == nullptr) return;
  std::lock_guard l(mu_);
  auto read = deps_.storage->records(kNs).each("", [&](storage::Entry& r) {
    auto doc = parse_object(r.value);
    if (!doc) return;
    auto& e = entries_[r.key];
    e.doc = std::move(*doc);
    apply_locked(e);
  });
  if (!read) spdlog::error("lambda: reading event source mappings: {}", read.error().message);
  if (!entries_.empty()) spdlog::info("lambda: {} event source mappings", entries_.size());
}

Mappings::~Mappings() {
  std::lock_guard l(mu_);
  for (auto& [_, e] : entries_) {
    if (e.poller) e.poller->detach();
  }
}

PollerCounters Mappings::counters(const std::string& uuid) {
  Labels l = {{"uuid", uuid}};
  auto& m = deps_.metrics;
  PollerCounters c;
  c.batches = &m.counter("nimbus_esm_batches", l, "event source mapping invocations");
  c.records = &m.counter("nimbus_esm_records", l, "messages handed to the function");
  c.failures = &m.counter("nimbus_esm_failures", l, "messages whose batch or item failed");
  c.filtered = &m.counter("nimbus_esm_filtered", l, "messages no filter matched (deleted)");
  return c;
}

void Mappings::apply_locked(Entry& e) {
  bool enabled = str(e.doc, "State") == "Enabled" && !down_ && deps_.targets != nullptr;
  auto config = poller_config(e.doc, deps_.region);
  if (!config) {
    spdlog::error("lambda: event source mapping {}: {}", str(e.doc, "UUID"),
                  config.error().message);
    enabled = false;
  }
  std::string function = str(e.doc, "FunctionArn");
  if (e.poller && (!enabled || e.poller_function != function)) {
    e.poller->stop();  // disabled, or now pointing at another function
    e.poller.reset();
  }
  if (!enabled) return;
  if (e.poller) return e.poller->reconfigure(std::move(*config));
  std::string uuid = config->uuid;
  SqsPoller::Deps d{*deps_.targets, deps_.scheduler, deps_.clock, deps_.invoker(function),
                    counters(uuid)};
  e.poller = SqsPoller::start(std::move(d), std::move(*config));
  e.poller_function = function;
}

std::optional<json::object> Mappings::get(const std::string& uuid) const {
  std::lock_guard l(mu_);
  auto it = entries_.find(uuid);
  if (it == entries_.end()) return std::nullopt;
  return it->second.doc;
}

std::vector<json::object> Mappings::list() const {
  std::lock_guard l(mu_);
  std::vector<json::object> out;
  out.reserve(entries_.size());
  for (const auto& [_, e] : entries_) out.push_back(e.doc);
  return out;
}

std::string Mappings::last_result(const std::string& uuid) const {
  std::lock_guard l(mu_);
  auto it = entries_.find(uuid);
  if (it == entries_.end() || !it->second.poller) return "No records processed";
  return it->second.poller->last_result();
}

void Mappings::put(json::object doc, std::function<void(Status)> done) {
  std::string uuid = str(doc, "UUID");
  auto apply = [this, uuid, doc](Status st) {
    if (!st) return st;
    std::lock_guard l(mu_);
    auto& e = entries_[uuid];
    e.doc = doc;
    apply_locked(e);
    return st;
  };
  if (deps_.storage == nullptr) return done(apply(Status::ok()));
  storage::WriteBatch batch;
  batch.put(kNs, uuid, json::serialize(doc));
  deps_.storage->commit(std::move(batch), [apply = std::move(apply), done = std::move(done)](
                                              Status st) { done(apply(std::move(st))); });
}

void Mappings::remove(const std::string& uuid, std::function<void(Status)> done) {
  {
    // Stop polling first: nothing new is received while the delete commits.
    std::lock_guard l(mu_);
    auto it = entries_.find(uuid);
    if (it != entries_.end()) {
      if (it->second.poller) it->second.poller->stop();
      entries_.erase(it);
    }
  }
  if (deps_.storage == nullptr) return done(Status::ok());
  storage::WriteBatch batch;
  batch.del(kNs, uuid);
  deps_.storage->commit(std::move(batch), std::move(done));
}

void Mappings::shutdown() {
  std::lock_guard l(mu_);
  down_ = true;
  for (auto& [_, e] : entries_) {
    if (!e.poller) continue;
    e.poller->stop();
    e.poller->detach();
  }
}

}  // namespace nimbus::events
