// Event source mappings (CreateEventSourceMapping and the other four): the
// API's validation and shapes. The mappings' state and pollers live in
// events::Mappings (src/events/mappings.h). Sources: SQS queues (the queue
// sources bound in events::Targets) and streams (Kinesis, DynamoDB Streams:
// the stream sources bound there).
#include <algorithm>
#include <chrono>

#include "common/request_id.h"
#include "events/mappings.h"
#include "events/pattern.h"
#include "services/lambda/function_metrics.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

constexpr int64_t kDefaultBatch = 10;
constexpr int64_t kDefaultStreamBatch = 100;
constexpr int64_t kDefaultListItems = 100;

Error mapping_not_found() {
  return Error::make("ResourceNotFoundException", "The resource you requested does not exist.");
}

// Answers `out` once the change it reports is durable.
std::function<void(Status)> answer(Respond respond, json::object out) {
  return [respond = std::move(respond), out = std::move(out)](Status st) {
    if (!st) return respond(st.take_error());
    respond(out);
  };
}

// What the API answers: the stored document plus the live members.
json::object shaped(const json::object& doc, const std::string& state, std::string last_result) {
  json::object out = doc;
  out["State"] = state;
  out["LastProcessingResult"] = std::move(last_result);
  if (!out.contains("StateTransitionReason")) out["StateTransitionReason"] = "USER_INITIATED";
  return out;
}

// Checks the members a create or update sets and copies them into `doc`.
Status apply_members(const json::object& in, json::object& doc) {
  if (has(in, "BatchSize")) doc["BatchSize"] = *integer(in, "BatchSize");
  if (has(in, "MaximumBatchingWindowInSeconds")) {
    doc["MaximumBatchingWindowInSeconds"] = *integer(in, "MaximumBatchingWindowInSeconds");
  }
  if (const auto* t = in.if_contains("FunctionResponseTypes"); t && t->is_array()) {
    for (const auto& v : t->as_array()) {
      if (!v.is_string() || v.as_string() != "ReportBatchItemFailures") {
        return invalid("Unsupported FunctionResponseType: " +
                       (v.is_string() ? std::string(v.as_string()) : json::serialize(v)));
      }
    }
    doc["FunctionResponseTypes"] = *t;
  }
  if (const auto* f = in.if_contains("FilterCriteria"); f && f->is_object()) {
    const auto* list = f->as_object().if_contains("Filters");
    if (list == nullptr || !list->is_array() || list->as_array().empty()) {
      doc.erase("FilterCriteria");  // {} or an empty list removes the filters
    } else {
      for (const auto& filter : list->as_array()) {
        std::string text = filter.is_object() ? str(filter.as_object(), "Pattern") : "";
        if (!events::EventPattern::parse(text))
          return invalid("Invalid filter pattern definition.");
      }
      doc["FilterCriteria"] = *f;
    }
  }
  if (const auto* s = in.if_contains("ScalingConfig"); s && s->is_object()) {
    if (auto n = integer(s->as_object(), "MaximumConcurrency")) {
      if (*n < 2 || *n > 1000) {
        return invalid("MaximumConcurrency must be between 2 and 1000 inclusive.");
      }
      doc["ScalingConfig"] = *s;
    } else {
      doc.erase("ScalingConfig");
    }
  }
  return Status::ok();
}

// The members only stream sources have, checked and copied into `doc`.
Status apply_stream_members(const json::object& in, json::object& doc) {
  if (has(in, "StartingPosition")) {
    std::string from = str(in, "StartingPosition");
    bool dynamodb = str(doc, "EventSourceArn").starts_with("arn:aws:dynamodb:");
    if (from != "TRIM_HORIZON" && from != "LATEST" && (from != "AT_TIMESTAMP" || dynamodb)) {
      return invalid("Unsupported starting position: " + from);
    }
    doc["StartingPosition"] = from;
    if (from == "AT_TIMESTAMP") {
      const auto* t = in.if_contains("StartingPositionTimestamp");
      if (t == nullptr || !t->is_number()) return invalid("Need to specify a timestamp");
      doc["StartingPositionTimestamp"] = *t;
    }
  }
  if (has(in, "BatchSize")) {
    int64_t n = *integer(in, "BatchSize");
    if (n < 1 || n > 10000) {
      return invalid("BatchSize must be between 1 and 10000 inclusive for stream sources.");
    }
  }
  if (has(in, "MaximumRetryAttempts")) {
    int64_t n = *integer(in, "MaximumRetryAttempts");
    if (n < -1 || n > 10000) {
      return invalid("MaximumRetryAttempts must be between -1 and 10000 inclusive.");
    }
    doc["MaximumRetryAttempts"] = n;
  }
  if (has(in, "MaximumRecordAgeInSeconds")) {
    int64_t n = *integer(in, "MaximumRecordAgeInSeconds");
    if (n != -1 && (n < 60 || n > 604800)) {
      return invalid("MaximumRecordAgeInSeconds must be -1, or between 60 and 604800 inclusive.");
    }
    doc["MaximumRecordAgeInSeconds"] = n;
  }
  if (const auto* b = in.if_contains("BisectBatchOnFunctionError"); b && b->is_bool()) {
    doc["BisectBatchOnFunctionError"] = *b;
  }
  if (has(in, "ParallelizationFactor")) {
    int64_t n = *integer(in, "ParallelizationFactor");
    if (n < 1 || n > 10)
      return invalid("ParallelizationFactor must be between 1 and 10 inclusive.");
    doc["ParallelizationFactor"] = n;
  }
  if (has(in, "TumblingWindowInSeconds")) {
    int64_t n = *integer(in, "TumblingWindowInSeconds");
    if (n < 0 || n > 900)
      return invalid("TumblingWindowInSeconds must be between 0 and 900 inclusive.");
    doc["TumblingWindowInSeconds"] = n;
  }
  if (const auto* d = in.if_contains("DestinationConfig"); d && d->is_object()) {
    json::object config{{"OnFailure", json::object{}}};
    if (const auto* f = d->as_object().if_contains("OnFailure"); f && f->is_object()) {
      std::string dest = str(f->as_object(), "Destination");
      if (!dest.empty()) config["OnFailure"] = json::object{{"Destination", dest}};
    }
    doc["DestinationConfig"] = std::move(config);
  }
  return Status::ok();
}

// The function a mapping invokes, resolved at each batch (it may have been
// deleted or updated since).
events::Invoke invoker(LambdaService& s, const std::string& function_arn) {
  auto ref = parse_function_name(function_arn);
  return [&s, ref](std::string payload, std::function<void(events::InvokeOutcome)> done) {
    using Kind = events::InvokeOutcome::Kind;
    auto target = s.resolve(ref.name, ref.qualifier);
    if (!target) return done({Kind::kUnavailable, "Function not found"});
    runtime::InvokeRequest req;
    req.request_id = new_request_id();
    req.payload = std::move(payload);
    std::string id = req.request_id;
    s.run(std::move(*target), std::move(req),
          [done = std::move(done), id = std::move(id)](Result<runtime::InvokeResult> r) {
            if (!r) {
              bool throttled = r.error().code == "TooManyRequestsException";
              return done({throttled ? Kind::kThrottled : Kind::kUnavailable, r.error().message});
            }
            if (r->status == runtime::InvokeStatus::kOk) {
              return done({Kind::kOk, std::move(r->payload), id});
            }
            done({Kind::kFunctionError, std::move(r->payload), id});
          });
  };
}

}  // namespace

void LambdaService::start_event_sources() {
  events::Mappings::Deps d{env_.storage,
                           &env_.targets,
                           env_.scheduler,
                           env_.clock,
                           env_.metrics,
                           env_.settings.region,
                           [this](const std::string& arn) { return invoker(*this, arn); },
                           [this](std::function<void()> f) { env_.workers.post(std::move(f)); },
                           [this](const std::string& arn) { return role_of(arn); },
                           [this](const std::string& function_arn, const std::string& source) {
                             return role_may_read(function_arn, source);
                           },
                           [this](const std::string& function_arn, int64_t age_ms) {
                             publish_function_metrics(
                                 engine_.metrics(), function_arn, env_.clock.now_millis(),
                                 {{"IteratorAge", static_cast<double>(age_ms), "Milliseconds"}});
                           }};
  esm_ = std::make_unique<events::Mappings>(std::move(d));
}

// The checks shared by create and update, on the merged document: the
// function exists, the queue exists and fits the batch settings, and no other
// mapping joins the same queue and function.
Status LambdaService::check_mapping(json::object& doc, const std::string& function_name) {
  auto ref = parse_function_name(function_name);
  auto target = resolve(ref.name, ref.qualifier);
  if (!target) return target.take_error();
  const std::string fn_arn = target->invoked_arn;
  doc["FunctionArn"] = fn_arn;
  std::string source = str(doc, "EventSourceArn");
  if (events::is_stream_source(source)) return check_stream_mapping(doc, ref.name);
  std::optional<events::QueueInfo> q;
  env_.targets.with_source(source, [&](events::QueueSource& s) { q = s.describe(source); });
  if (!q) {
    return invalid(
        "Error occurred while ReceiveMessage. SQS Error Code: "
        "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue "
        "does not exist for this wsdl version.");
  }
  NIMBUS_TRY(role_may_read(fn_arn, source));
  int64_t batch = integer(doc, "BatchSize").value_or(kDefaultBatch);
  int64_t window = integer(doc, "MaximumBatchingWindowInSeconds").value_or(0);
  if (q->fifo) {
    if (batch > 10) return invalid("Maximum batch size must be between 1 and 10 inclusive");
    if (window > 0) return invalid("Batching window is not supported for FIFO queues");
  } else if (batch > 10 && window < 1) {
    return invalid(
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
        "greater than 10");
  }
  int64_t visibility = q->visibility_timeout_s;
  auto timeout = std::chrono::duration_cast<std::chrono::seconds>(target->spec->timeout).count();
  if (visibility < timeout) {
    return invalid("Queue visibility timeout: " + std::to_string(visibility) +
                   " seconds is less than Function timeout: " + std::to_string(timeout) +
                   " seconds");
  }
  for (const auto& other : esm_->list()) {
    if (str(other, "EventSourceArn") == source && str(other, "FunctionArn") == fn_arn &&
        str(other, "UUID") != str(doc, "UUID")) {
      return conflict("An event source mapping with SQS arn (\" " + source +
                      " \") and function (\" " + ref.name +
                      " \") already exists. Please update or delete the existing mapping "
                      "with UUID " +
                      str(other, "UUID"));
    }
  }
  return Status::ok();
}

// A stream mapping: the stream exists, its on-failure destination exists,
// and no other mapping joins the same stream and function.
Status LambdaService::check_stream_mapping(const json::object& doc, const std::string& name) {
  std::string source = str(doc, "EventSourceArn");
  bool found = false;
  // A stream whose every shard is closed (a DynamoDB stream kept readable
  // for 24 h after its table went or it was replaced) will get nothing new:
  // a mapping is refused as for a stream that is gone.
  env_.targets.with_stream_source(source, [&](events::StreamSource& s) {
    auto shards = s.shards(source);
    found = shards && std::any_of(shards->begin(), shards->end(),
                                  [](const events::ShardInfo& i) { return i.open; });
  });
  if (!found) return invalid("Stream not found: " + source);
  NIMBUS_TRY(role_may_read(str(doc, "FunctionArn"), source));
  if (const auto* d = doc.if_contains("DestinationConfig"); d && d->is_object()) {
    if (const auto* f = d->as_object().if_contains("OnFailure"); f && f->is_object()) {
      std::string dest = str(f->as_object(), "Destination");
      if (!dest.empty()) {
        if (auto st = env_.targets.check(dest); !st) {
          return invalid(
              "The provided destination config DestinationConfig(onSuccess=null, "
              "onFailure=OnFailure(destination=" +
              dest + ")) is invalid.");
        }
      }
    }
  }
  std::string fn_arn = str(doc, "FunctionArn");
  for (const auto& other : esm_->list()) {
    if (str(other, "EventSourceArn") == source && str(other, "FunctionArn") == fn_arn &&
        str(other, "UUID") != str(doc, "UUID")) {
      return conflict("The event source arn (\" " + source + " \") and function (\" " + name +
                      " \") provided mapping already exists. Please update or delete the "
                      "existing mapping with UUID " +
                      str(other, "UUID"));
    }
  }
  return Status::ok();
}

// The execution role a function runs with (stream records' invokeIdentityArn).
std::string LambdaService::role_of(const std::string& function_arn) const {
  auto ref = parse_function_name(function_arn);
  auto out = engine_.read(ref.name, [](const Function& f) -> Output {
    return json::object{{"Role", str(f.latest.config, "Role")}};
  });
  return out ? str(*out, "Role") : "";
}

void LambdaService::create_event_source_mapping(const CallContext&, json::object in,
                                                Respond respond) {
  std::string source = str(in, "EventSourceArn");
  bool stream = events::is_stream_source(source);
  if (!stream && !source.starts_with("arn:aws:sqs:")) {
    return respond(invalid("Unrecognized event source, must be kafka or activemq."));
  }
  if (!stream && has(in, "StartingPosition")) {
    return respond(invalid("StartingPosition is not valid for SQS event sources."));
  }
  json::object doc;
  doc["UUID"] = new_request_id();
  doc["EventSourceArn"] = source;
  doc["BatchSize"] = stream ? kDefaultStreamBatch : kDefaultBatch;
  doc["MaximumBatchingWindowInSeconds"] = 0;
  if (stream) {
    if (!has(in, "StartingPosition")) {
      return respond(
          invalid("1 validation error detected: Value null at 'startingPosition' failed to satisfy "
                  "constraint: Member must not be null."));
    }
    doc["MaximumRetryAttempts"] = -1;
    doc["MaximumRecordAgeInSeconds"] = -1;
    doc["BisectBatchOnFunctionError"] = false;
    doc["ParallelizationFactor"] = 1;
    doc["TumblingWindowInSeconds"] = 0;
    doc["DestinationConfig"] = json::object{{"OnFailure", json::object{}}};
    if (auto st = apply_stream_members(in, doc); !st) return respond(st.take_error());
  }
  if (auto st = apply_members(in, doc); !st) return respond(st.take_error());
  if (auto st = check_mapping(doc, str(in, "FunctionName")); !st) return respond(st.take_error());
  doc["LastModified"] = static_cast<double>(env_.clock.now_millis()) / 1000.0;
  doc["State"] = boolean(in, "Enabled").value_or(true) ? "Enabled" : "Disabled";
  doc["StateTransitionReason"] = "USER_INITIATED";
  json::object out = shaped(doc, "Creating", "No records processed");
  esm_->put(std::move(doc), answer(std::move(respond), std::move(out)));
}

void LambdaService::get_event_source_mapping(const CallContext&, json::object in, Respond respond) {
  std::string uuid = str(in, "UUID");
  auto doc = esm_->get(uuid);
  if (!doc) return respond(mapping_not_found());
  respond(shaped(*doc, str(*doc, "State"), esm_->last_result(uuid)));
}

void LambdaService::list_event_source_mappings(const CallContext&, json::object in,
                                               Respond respond) {
  std::string source = str(in, "EventSourceArn");
  std::string fn = str(in, "FunctionName");
  auto ref = parse_function_name(fn);
  std::string marker = str(in, "Marker");
  int64_t max = integer(in, "MaxItems").value_or(kDefaultListItems);
  if (max <= 0) max = kDefaultListItems;
  json::array items;
  std::string next;
  for (const auto& doc : esm_->list()) {
    std::string uuid = str(doc, "UUID");
    if (!marker.empty() && uuid <= marker) continue;
    if (!source.empty() && str(doc, "EventSourceArn") != source) continue;
    if (!fn.empty()) {
      auto mapped = parse_function_name(str(doc, "FunctionArn"));
      if (mapped.name != ref.name) continue;
      if (!ref.qualifier.empty() && mapped.qualifier != ref.qualifier) continue;
    }
    if (static_cast<int64_t>(items.size()) == max) {
      next = items.back().as_object().at("UUID").as_string().c_str();
      break;
    }
    items.push_back(shaped(doc, str(doc, "State"), esm_->last_result(uuid)));
  }
  json::object out{{"EventSourceMappings", std::move(items)}};
  if (!next.empty()) out["NextMarker"] = next;
  respond(std::move(out));
}

void LambdaService::update_event_source_mapping(const CallContext&, json::object in,
                                                Respond respond) {
  std::string uuid = str(in, "UUID");
  auto existing = esm_->get(uuid);
  if (!existing) return respond(mapping_not_found());
  json::object doc = *existing;
  if (events::is_stream_source(str(doc, "EventSourceArn"))) {
    if (auto st = apply_stream_members(in, doc); !st) return respond(st.take_error());
  }
  if (auto st = apply_members(in, doc); !st) return respond(st.take_error());
  std::string fn = has(in, "FunctionName") ? str(in, "FunctionName") : str(doc, "FunctionArn");
  if (auto st = check_mapping(doc, fn); !st) return respond(st.take_error());
  std::string was = str(doc, "State");
  std::string transition = "Updating";
  if (auto enabled = boolean(in, "Enabled")) {
    doc["State"] = *enabled ? "Enabled" : "Disabled";
    if (was != str(doc, "State")) transition = *enabled ? "Enabling" : "Disabling";
  }
  doc["LastModified"] = static_cast<double>(env_.clock.now_millis()) / 1000.0;
  json::object out = shaped(doc, transition, esm_->last_result(uuid));
  esm_->put(std::move(doc), answer(std::move(respond), std::move(out)));
}

void LambdaService::delete_event_source_mapping(const CallContext&, json::object in,
                                                Respond respond) {
  std::string uuid = str(in, "UUID");
  auto doc = esm_->get(uuid);
  if (!doc) return respond(mapping_not_found());
  json::object out = shaped(*doc, "Deleting", esm_->last_result(uuid));
  esm_->remove(uuid, answer(std::move(respond), std::move(out)));
}

}  // namespace nimbus::services::lambda
