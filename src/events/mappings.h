// Event source mappings: their stored documents and the pollers of the
// enabled ones. Lambda's API handlers (services/lambda/event_sources.cc)
// validate and shape the API; this class keeps the state: each mapping is
// one record in storage namespace "lambda.esm" (key UUID, value the JSON
// document below), committed before the API answers, read back at start-up
// where the enabled mappings resume polling.
//
// Document members (the API's names): UUID, EventSourceArn, FunctionArn,
// BatchSize, MaximumBatchingWindowInSeconds, FunctionResponseTypes,
// FilterCriteria, ScalingConfig, LastModified (epoch seconds), State
// ("Enabled" or "Disabled"), StateTransitionReason; for streams also
// StartingPosition, StartingPositionTimestamp, MaximumRetryAttempts,
// MaximumRecordAgeInSeconds, BisectBatchOnFunctionError, DestinationConfig.
// A stream mapping's shard checkpoints are records of their own
// (stream_poller.h), removed with the mapping.
//
// Threads: every method is thread-safe and never blocks except the
// constructor (reads storage). `done` callbacks run on the storage committer
// thread (or inline without storage).
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "events/sqs_poller.h"
#include "events/stream_poller.h"

namespace nimbus::storage {
class Storage;
}

namespace nimbus::events {

// Whether a mapping reads a stream (Kinesis, DynamoDB Streams) rather than
// a queue.
bool is_stream_source(std::string_view arn);
// The FunctionName and Resource (NAME or NAME:QUALIFIER) of a FunctionArn,
// as Lambda's CloudWatch metrics name them.
std::pair<std::string, std::string> function_dimensions(std::string_view function_arn);
// The poller settings a mapping document asks for.
Result<SqsPollerConfig> poller_config(const boost::json::object& doc, const std::string& region);
Result<StreamPollerConfig> stream_poller_config(const boost::json::object& doc,
                                                const std::string& region);

class Mappings {
 public:
  struct Deps {
    storage::Storage* storage;  // null: memory only
    const Targets* targets;     // queue sources; null: mappings are stored but never poll
    Scheduler& scheduler;
    const Clock& clock;
    Metrics& metrics;
    std::string region;
    // Makes the invoker for a FunctionArn (resolved at each invocation).
    std::function<Invoke(const std::string& function_arn)> invoker;
    // Runs stream reads off the waking threads (the worker pool).
    std::function<void(std::function<void()>)> post;
    // The execution role of a FunctionArn (stream records' invokeIdentityArn).
    std::function<std::string(const std::string& function_arn)> role_of;
    // Whether the function's execution role may read the source now
    // (SqsPoller::Deps::may_receive); null: always.
    std::function<Status(const std::string& function_arn, const std::string& source_arn)> may_read;
    // Stream mappings report each batch's IteratorAge (ms) for the
    // mapping's FunctionArn (Lambda's AWS/Lambda metric); null: not reported.
    std::function<void(const std::string& function_arn, int64_t age_ms)> iterator_age = nullptr;
  };

  explicit Mappings(Deps deps);
  ~Mappings();
  Mappings(const Mappings&) = delete;
  Mappings& operator=(const Mappings&) = delete;

  std::optional<boost::json::object> get(const std::string& uuid) const;
  std::vector<boost::json::object> list() const;  // sorted by UUID
  // Stores the document (keyed by its UUID) and starts, reconfigures or
  // stops its pollers to match its State once it is durable.
  void put(boost::json::object doc, std::function<void(Status)> done);
  void remove(const std::string& uuid, std::function<void(Status)> done);
  // LastProcessingResult of a mapping's pollers ("No records processed").
  std::string last_result(const std::string& uuid) const;

  // Server draining: stop every poller (long polls answered at once) and
  // stop touching the queues (in-flight batches reappear after their
  // visibility timeout).
  void shutdown();

 private:
  struct Entry {
    boost::json::object doc;
    std::shared_ptr<SqsPoller> sqs;        // a queue's pollers, or
    std::shared_ptr<StreamPoller> stream;  // a stream's
    std::string poller_function;           // the FunctionArn the poller invokes
  };
  void apply_locked(Entry& e);  // mu_ held
  void stop_locked(Entry& e);   // mu_ held
  PollerCounters counters(const std::string& uuid);
  PollerCounters stream_counters(const std::string& uuid, const std::string& function);

  Deps deps_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // guarded by mu_
  bool down_ = false;                     // guarded by mu_
};

}  // namespace nimbus::events
