#include "events/mappings.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/json_fields.h"
#include "storage/storage.h"

namespace nimbus::events {

namespace json = boost::json;
using nimbus::integer;
using nimbus::str;

namespace {

constexpr const char* kNs = "lambda.esm";

}  // namespace

namespace {

// FilterCriteria.Filters[].Pattern, parsed.
Result<std::vector<EventPattern>> filters_of(const json::object& doc) {
  std::vector<EventPattern> out;
  const auto* f = doc.if_contains("FilterCriteria");
  if (f == nullptr || !f->is_object()) return out;
  const auto* list = f->as_object().if_contains("Filters");
  if (list == nullptr || !list->is_array()) return out;
  for (const auto& filter : list->as_array()) {
    if (!filter.is_object()) continue;
    std::string text = str(filter.as_object(), "Pattern");
    if (text.empty()) continue;
    auto p = EventPattern::parse(text);
    if (!p) return p.take_error();
    out.push_back(std::move(*p));
  }
  return out;
}

bool reports_failures(const json::object& doc) {
  if (const auto* t = doc.if_contains("FunctionResponseTypes"); t && t->is_array()) {
    for (const auto& v : t->as_array()) {
      if (v.is_string() && v.as_string() == "ReportBatchItemFailures") return true;
    }
  }
  return false;
}

}  // namespace

std::pair<std::string, std::string> function_dimensions(std::string_view function_arn) {
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
  constexpr std::string_view kMarker = ":function:";
  auto at = function_arn.find(kMarker);
  std::string_view resource =
      at == std::string_view::npos ? function_arn : function_arn.substr(at + kMarker.size());
  return {std::string(resource.substr(0, resource.find(':'))), std::string(resource)};
}

bool is_stream_source(std::string_view arn) {
  return arn.starts_with("arn:aws:kinesis:") || arn.starts_with("arn:aws:dynamodb:");
}

Result<SqsPollerConfig> poller_config(const json::object& doc, const std::string& region) {
  SqsPollerConfig c;
  c.uuid = str(doc, "UUID");
  c.queue_arn = str(doc, "EventSourceArn");
  c.region = region;
  c.batch_size = static_cast<int>(integer(doc, "BatchSize").value_or(10));
  c.window_seconds = static_cast<int>(integer(doc, "MaximumBatchingWindowInSeconds").value_or(0));
  c.report_failures = reports_failures(doc);
  if (const auto* s = doc.if_contains("ScalingConfig"); s && s->is_object()) {
    if (auto n = integer(s->as_object(), "MaximumConcurrency")) c.max_concurrency = int(*n);
  }
  auto filters = filters_of(doc);
  if (!filters) return filters.take_error();
  c.filters = std::move(*filters);
  return c;
}

Result<StreamPollerConfig> stream_poller_config(const json::object& doc,
                                                const std::string& region) {
  StreamPollerConfig c;
  c.uuid = str(doc, "UUID");
  c.stream_arn = str(doc, "EventSourceArn");
  c.region = region;
  c.function_arn = str(doc, "FunctionArn");
  c.batch_size = static_cast<int>(integer(doc, "BatchSize").value_or(100));
  c.window_seconds = static_cast<int>(integer(doc, "MaximumBatchingWindowInSeconds").value_or(0));
  std::string from = str(doc, "StartingPosition");
  c.starting = from == "TRIM_HORIZON"   ? StartingPosition::kTrimHorizon
               : from == "AT_TIMESTAMP" ? StartingPosition::kAtTimestamp
                                        : StartingPosition::kLatest;
  if (const auto* t = doc.if_contains("StartingPositionTimestamp"); t && t->is_number()) {
    c.starting_timestamp_ms = static_cast<int64_t>(t->to_number<double>() * 1000.0);
  }
  c.max_retries = static_cast<int>(integer(doc, "MaximumRetryAttempts").value_or(-1));
  c.max_record_age_s = static_cast<int>(integer(doc, "MaximumRecordAgeInSeconds").value_or(-1));
  if (const auto* b = doc.if_contains("BisectBatchOnFunctionError"); b && b->is_bool()) {
    c.bisect = b->as_bool();
  }
  c.report_failures = reports_failures(doc);
  c.parallelization = static_cast<int>(
      std::clamp<int64_t>(integer(doc, "ParallelizationFactor").value_or(1), 1, 10));
  c.tumbling_window_s = static_cast<int>(
      std::clamp<int64_t>(integer(doc, "TumblingWindowInSeconds").value_or(0), 0, 900));
  if (const auto* d = doc.if_contains("DestinationConfig"); d && d->is_object()) {
    if (const auto* f = d->as_object().if_contains("OnFailure"); f && f->is_object()) {
      c.on_failure = str(f->as_object(), "Destination");
    }
  }
  auto filters = filters_of(doc);
  if (!filters) return filters.take_error();
  c.filters = std::move(*filters);
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
    if (e.sqs) e.sqs->detach();
    if (e.stream) e.stream->detach();
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

PollerCounters Mappings::stream_counters(const std::string& uuid, const std::string& function) {
  PollerCounters c = counters(uuid);
  auto [name, resource] = function_dimensions(function);
  Labels l = {{"uuid", uuid}, {"function_name", name}, {"resource", resource}};
  c.iterator_age_ms = &deps_.metrics.gauge(
      "nimbus_esm_iterator_age_ms", l,
      "stream mappings: age of the last record of the last batch handed to the function (ms)");
  if (deps_.iterator_age) {
    c.iterator_age = [report = deps_.iterator_age, function](int64_t age) {
      report(function, age);
    };
  }
  return c;
}

void Mappings::apply_locked(Entry& e) {
  bool enabled = str(e.doc, "State") == "Enabled" && !down_ && deps_.targets != nullptr;
  std::string uuid = str(e.doc, "UUID");
  std::string function = str(e.doc, "FunctionArn");
  if ((e.sqs || e.stream) && (!enabled || e.poller_function != function)) {
    stop_locked(e);  // disabled, or now pointing at another function
  }
  if (!enabled) return;
  if (is_stream_source(str(e.doc, "EventSourceArn"))) {
    auto config = stream_poller_config(e.doc, deps_.region);
    if (!config) {
      spdlog::error("lambda: event source mapping {}: {}", uuid, config.error().message);
      return stop_locked(e);
    }
    config->identity_arn = deps_.role_of ? deps_.role_of(function) : "";
    if (e.stream) return e.stream->reconfigure(std::move(*config));
    StreamPoller::Deps d{*deps_.targets,
                         deps_.storage,
                         deps_.scheduler,
                         deps_.clock,
                         deps_.post,
                         deps_.invoker(function),
                         stream_counters(uuid, function)};
    e.stream = StreamPoller::start(std::move(d), std::move(*config));
  } else {
    auto config = poller_config(e.doc, deps_.region);
    if (!config) {
      spdlog::error("lambda: event source mapping {}: {}", uuid, config.error().message);
      return stop_locked(e);
    }
    if (e.sqs) return e.sqs->reconfigure(std::move(*config));
    SqsPoller::Deps d{*deps_.targets,          deps_.scheduler, deps_.clock,
                      deps_.invoker(function), counters(uuid),  nullptr};
    if (deps_.may_read) {
      d.may_receive = [may_read = deps_.may_read, function, queue = config->queue_arn] {
        return may_read(function, queue);
      };
    }
    e.sqs = SqsPoller::start(std::move(d), std::move(*config));
  }
  e.poller_function = function;
}

void Mappings::stop_locked(Entry& e) {
  if (e.sqs) e.sqs->stop();
  if (e.stream) e.stream->stop();
  e.sqs.reset();
  e.stream.reset();
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
  if (it == entries_.end()) return "No records processed";
  if (it->second.sqs) return it->second.sqs->last_result();
  if (it->second.stream) return it->second.stream->last_result();
  return "No records processed";
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
      stop_locked(it->second);
      entries_.erase(it);
    }
  }
  if (deps_.storage == nullptr) return done(Status::ok());
  StreamPoller::forget(*deps_.storage, uuid);
  storage::WriteBatch batch;
  batch.del(kNs, uuid);
  deps_.storage->commit(std::move(batch), std::move(done));
}

void Mappings::shutdown() {
  std::lock_guard l(mu_);
  down_ = true;
  for (auto& [_, e] : entries_) {
    if (e.sqs) e.sqs->detach();
    if (e.stream) e.stream->detach();
  }
}

}  // namespace nimbus::events
