// Bucket notifications: the NotificationConfiguration document (checked as
// S3 checks it, with generated Ids for configurations that lack one), which
// configurations an event reaches (event type and key filters), and the
// messages S3 sends (the event record, eventVersion 2.1, and s3:TestEvent).
//
// Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::s3config {

namespace json = boost::json;

enum class DestinationKind { kQueue, kLambda, kTopic };

// One Queue/LambdaFunction/TopicConfiguration.
struct Destination {
  DestinationKind kind = DestinationKind::kQueue;
  std::string id;                   // the configuration's Id (configurationId in events)
  std::string arn;                  // QueueArn, LambdaFunctionArn or TopicArn
  std::vector<std::string> events;  // "s3:ObjectCreated:*", ...
  std::string prefix, suffix;       // key filter rules ("" = any)
};

struct Notifications {
  std::vector<Destination> destinations;
  bool eventbridge = false;  // EventBridgeConfiguration present
};

// Checks a NotificationConfiguration and reads its destinations. Ids absent
// from the document are taken from `new_id()` and written into `config`, so
// that what is stored and returned carries them (as S3 does). Errors:
// InvalidArgument for unknown event types, bad filter rules and overlapping
// configurations.
Result<Notifications> parse_notifications(json::object& config,
                                          const std::function<std::string()>& new_id);
// The same for a stored (already checked) document.
Notifications read_notifications(const json::object& config);

// Whether `event` ("ObjectCreated:Put", as records name it) is one of the
// types `pattern` ("s3:ObjectCreated:*", "s3:ObjectCreated:Put") names.
bool event_matches(std::string_view pattern, std::string_view event);
// Whether `d` wants `event` for `key`.
bool wants(const Destination& d, std::string_view event, std::string_view key);

// What happened to an object, as an event record tells it.
struct ObjectEvent {
  std::string name;  // "ObjectCreated:Put", "ObjectRemoved:DeleteMarkerCreated", ...
  std::string region;
  int64_t time_ms = 0;
  std::string principal_id;  // who made the request
  std::string source_ip;
  std::string request_id;
  std::string host_id;
  std::string bucket;
  std::string owner_id;         // the bucket owner's principal id
  std::string key;              // raw; URL-encoded in the record
  std::optional<int64_t> size;  // created objects
  std::string etag;             // created objects, without quotes
  std::string version_id;       // versioned buckets
  std::string sequencer;        // orders events of one key (see sequencer())
};

// {"Records":[{...}]} for one destination's configuration id.
std::string event_record(const ObjectEvent& e, std::string_view configuration_id);
// The EventBridge event S3 sends to the default bus of a bucket with
// EventBridgeConfiguration (source aws.s3, detail-type "Object Created",
// "Object Deleted", "Object Tags Added", ...), with `id` as its event id and
// `account` the bucket owner's account; nullopt for an event S3 does not
// send to EventBridge.
std::optional<std::string> eventbridge_event(const ObjectEvent& e, std::string_view id,
                                             std::string_view account);
// The s3:TestEvent message S3 sends to queues when a configuration is saved.
std::string test_event(std::string_view bucket, std::string_view request_id,
                       std::string_view host_id, int64_t time_ms);
// A sequencer value: `n` (increasing per key) as 16 upper-case hex digits,
// so that later events of a key compare greater as strings.
std::string sequencer(uint64_t n);
// A key as S3 writes it in event records: URL-encoded, ' ' as '+', '/' kept.
std::string event_key(std::string_view key);

}  // namespace nimbus::s3config
