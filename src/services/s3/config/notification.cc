#include "services/s3/config/notification.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "common/json_fields.h"
#include "common/text.h"
#include "common/time_format.h"
#include "services/s3/config/errors.h"

namespace nimbus::s3config {

namespace {

// The event types S3 accepts in a configuration (its "supported event types").
constexpr std::array<std::string_view, 28> kEventTypes{
    "s3:TestEvent",
    "s3:ReducedRedundancyLostObject",
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationNotTracked",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectAcl:Put",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
};

struct Kind {
  const char* list;
  const char* arn;
  DestinationKind kind;
};
constexpr std::array<Kind, 3> kKinds{{
    {"QueueConfigurations", "QueueArn", DestinationKind::kQueue},
    {"LambdaFunctionConfigurations", "LambdaFunctionArn", DestinationKind::kLambda},
    {"TopicConfigurations", "TopicArn", DestinationKind::kTopic},
}};

// The Filter.Key.FilterRules of one configuration into `d`.
Status read_filter(const json::object& config, Destination& d) {
  const auto* filter = config.if_contains("Filter");
  if (filter == nullptr || filter->is_null()) return Status::ok();
  if (!filter->is_object()) return malformed_xml();
  const auto* key = filter->get_object().if_contains("Key");
  if (key == nullptr || key->is_null()) return Status::ok();
  if (!key->is_object()) return malformed_xml();
  const auto* rules = key->get_object().if_contains("FilterRules");
  if (rules == nullptr || rules->is_null()) return Status::ok();
  if (!rules->is_array()) return malformed_xml();
  bool prefix = false, suffix = false;
  for (const auto& r : rules->get_array()) {
    if (!r.is_object()) return malformed_xml();
    std::string name = ascii_lower(str(r.get_object(), "Name"));
    std::string value = str(r.get_object(), "Value");
    bool& seen = name == "prefix" ? prefix : suffix;
    if (name != "prefix" && name != "suffix") {
      return invalid_argument("filter rule name must be either prefix or suffix", "FilterRule.Name",
                              str(r.get_object(), "Name"));
    }
    if (seen) {
      return invalid_argument("Cannot specify more than one " + name + " rule in a filter.",
                              "FilterRule.Name", name);
    }
    seen = true;
    (name == "prefix" ? d.prefix : d.suffix) = value;
  }
  return Status::ok();
}

// Two configurations overlap when they share an event type and a key could
// pass both filters.
bool types_overlap(std::string_view a, std::string_view b) {
  auto family = [](std::string_view t) { return t.substr(0, t.rfind(':')); };
  if (a == b) return true;
  if (a.ends_with(":*") && family(a) == family(b)) return true;
  return b.ends_with(":*") && family(a) == family(b);
}

bool filters_overlap(const Destination& a, const Destination& b) {
  bool prefixes = a.prefix.starts_with(b.prefix) || b.prefix.starts_with(a.prefix);
  bool suffixes = a.suffix.ends_with(b.suffix) || b.suffix.ends_with(a.suffix);
  return prefixes && suffixes;
}

bool overlap(const Destination& a, const Destination& b) {
  if (!filters_overlap(a, b)) return false;
  for (const auto& x : a.events) {
    for (const auto& y : b.events) {
      if (types_overlap(x, y)) return true;
    }
  }
  return false;
}

Result<Notifications> read(json::object& config, const std::function<std::string()>* new_id) {
  Notifications out;
  out.eventbridge = has(config, "EventBridgeConfiguration");
  for (const Kind& kind : kKinds) {
    auto* list = config.if_contains(kind.list);
    if (list == nullptr || list->is_null()) continue;
    if (!list->is_array()) return malformed_xml();
    for (auto& c : list->get_array()) {
      if (!c.is_object()) return malformed_xml();
      auto& entry = c.get_object();
      Destination d;
      d.kind = kind.kind;
      d.arn = str(entry, kind.arn);
      if (d.arn.empty()) return malformed_xml();
      d.id = str(entry, "Id");
      if (d.id.empty() && new_id != nullptr) {
        d.id = (*new_id)();
        entry["Id"] = d.id;
      }
      d.events = string_list(entry, "Events");
      if (d.events.empty()) return malformed_xml();
      for (const auto& e : d.events) {
        if (std::find(kEventTypes.begin(), kEventTypes.end(), e) == kEventTypes.end()) {
          return invalid_argument("The event is not supported for notifications", "Event", e);
        }
      }
      NIMBUS_TRY(read_filter(entry, d));
      out.destinations.push_back(std::move(d));
    }
  }
  for (size_t i = 0; i < out.destinations.size(); ++i) {
    for (size_t j = i + 1; j < out.destinations.size(); ++j) {
      if (overlap(out.destinations[i], out.destinations[j])) {
        return invalid_argument(
            "Configurations overlap. Configurations on the same bucket cannot share a common "
            "event type.",
            "Event", out.destinations[j].events.front());
      }
    }
  }
  return out;
}

std::string hex_of(unsigned char c) {
  char buf[4];
  std::snprintf(buf, sizeof buf, "%%%02X", c);
  return buf;
}

}  // namespace

Result<Notifications> parse_notifications(json::object& config,
                                          const std::function<std::string()>& new_id) {
  return read(config, &new_id);
}

Notifications read_notifications(const json::object& config) {
  json::object copy = config;
  auto r = read(copy, nullptr);
  return r ? std::move(*r) : Notifications{};
}

bool event_matches(std::string_view pattern, std::string_view event) {
  if (!pattern.starts_with("s3:")) return false;
  pattern.remove_prefix(3);
  if (pattern.ends_with(":*")) {
    std::string_view family = pattern.substr(0, pattern.size() - 1);  // "ObjectCreated:"
    return event.starts_with(family);
  }
  return pattern == event;
}

bool wants(const Destination& d, std::string_view event, std::string_view key) {
  if (!key.starts_with(d.prefix) || !key.ends_with(d.suffix)) return false;
  return std::any_of(d.events.begin(), d.events.end(),
                     [&](const std::string& p) { return event_matches(p, event); });
}

std::string event_key(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*' || c == '/') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += hex_of(c);
    }
  }
  return out;
}

std::string sequencer(uint64_t n) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(n));
  return buf;
}

std::string event_record(const ObjectEvent& e, std::string_view configuration_id) {
  json::object object{{"key", event_key(e.key)}};
  if (e.size) object["size"] = *e.size;
  if (!e.etag.empty()) object["eTag"] = e.etag;
  if (!e.version_id.empty()) object["versionId"] = e.version_id;
  object["sequencer"] = e.sequencer;
  json::object record{
      {"eventVersion", "2.1"},
      {"eventSource", "aws:s3"},
      {"awsRegion", e.region},
      {"eventTime", utc_millis(e.time_ms)},
      {"eventName", e.name},
      {"userIdentity", {{"principalId", e.principal_id}}},
      {"requestParameters", {{"sourceIPAddress", e.source_ip}}},
      {"responseElements", {{"x-amz-request-id", e.request_id}, {"x-amz-id-2", e.host_id}}},
      {"s3",
       {{"s3SchemaVersion", "1.0"},
        {"configurationId", configuration_id},
        {"bucket",
         {{"name", e.bucket},
          {"ownerIdentity", {{"principalId", e.owner_id}}},
          {"arn", "arn:aws:s3:::" + e.bucket}}},
        {"object", std::move(object)}}},
  };
  json::object message{{"Records", json::array{std::move(record)}}};
  return json::serialize(message);
}

namespace {

struct EventBridgeKind {
  const char* event;        // the record's eventName
  const char* detail_type;  // EventBridge's detail-type
  const char* reason;       // detail.reason ("" for none)
  const char* deletion;     // detail.deletion-type ("" for none)
};

constexpr EventBridgeKind kEventBridgeKinds[] = {
    {"ObjectCreated:Put", "Object Created", "PutObject", ""},
    {"ObjectCreated:Post", "Object Created", "POST Object", ""},
    {"ObjectCreated:Copy", "Object Created", "CopyObject", ""},
    {"ObjectCreated:CompleteMultipartUpload", "Object Created", "CompleteMultipartUpload", ""},
    {"ObjectRemoved:Delete", "Object Deleted", "DeleteObject", "Permanently Deleted"},
    {"ObjectRemoved:DeleteMarkerCreated", "Object Deleted", "DeleteObject",
     "Delete Marker Created"},
    {"LifecycleExpiration:Delete", "Object Deleted", "Lifecycle Expiration", "Permanently Deleted"},
    {"LifecycleExpiration:DeleteMarkerCreated", "Object Deleted", "Lifecycle Expiration",
     "Delete Marker Created"},
    {"ObjectTagging:Put", "Object Tags Added", "", ""},
    {"ObjectTagging:Delete", "Object Tags Deleted", "", ""},
    {"ObjectAcl:Put", "Object ACL Updated", "", ""},
    {"ObjectRestore:Post", "Object Restore Initiated", "", ""},
    {"ObjectRestore:Completed", "Object Restore Completed", "", ""},
    {"LifecycleTransition", "Object Storage Class Changed", "", ""},
};

// "2021-11-12T00:00:00Z": EventBridge's envelope time, whole seconds.
std::string envelope_time(int64_t epoch_ms) {
  std::string t = utc_millis(epoch_ms);
  return t.substr(0, 19) + "Z";
}

}  // namespace

std::optional<std::string> eventbridge_event(const ObjectEvent& e, std::string_view id,
                                             std::string_view account) {
  const EventBridgeKind* kind = nullptr;
  for (const auto& k : kEventBridgeKinds) {
    if (e.name == k.event) kind = &k;
  }
  if (kind == nullptr) return std::nullopt;
  json::object object{{"key", e.key}};
  if (e.size) object["size"] = *e.size;
  if (!e.etag.empty()) object["etag"] = e.etag;
  if (!e.version_id.empty()) object["version-id"] = e.version_id;
  object["sequencer"] = e.sequencer;
  json::object detail{{"version", "0"},
                      {"bucket", {{"name", e.bucket}}},
                      {"object", std::move(object)},
                      {"request-id", e.request_id},
                      {"requester", e.principal_id},
                      {"source-ip-address", e.source_ip}};
  if (*kind->reason != 0) detail["reason"] = kind->reason;
  if (*kind->deletion != 0) detail["deletion-type"] = kind->deletion;
  json::object event{{"version", "0"},
                     {"id", id},
                     {"detail-type", kind->detail_type},
                     {"source", "aws.s3"},
                     {"account", account},
                     {"time", envelope_time(e.time_ms)},
                     {"region", e.region},
                     {"resources", json::array{json::value("arn:aws:s3:::" + e.bucket)}},
                     {"detail", std::move(detail)}};
  return json::serialize(event);
}

std::string test_event(std::string_view bucket, std::string_view request_id,
                       std::string_view host_id, int64_t time_ms) {
  json::object message{{"Service", "Amazon S3"},      {"Event", "s3:TestEvent"},
                       {"Time", utc_millis(time_ms)}, {"Bucket", bucket},
                       {"RequestId", request_id},     {"HostId", host_id}};
  return json::serialize(message);
}

}  // namespace nimbus::s3config
