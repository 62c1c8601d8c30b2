// What a service is: a set of operation handlers keyed by the operation's
// name in the AWS model. A handler sees the operation's input as one JSON
// object shaped like the model's input shape (already validated) and answers
// with one JSON object shaped like the output shape, or an Error naming the
// model's error code. It never sees the wire.
//
// Value conventions inside those JSON objects (the protocol engine converts):
//   blob       raw bytes in a JSON string (never base64)
//   timestamp  seconds since the epoch as a JSON double (or integer)
//   map/list   JSON object/array; structure JSON object keyed by member name
//
// Threads: a handler is called on an event loop and must not block. Cheap
// work answers inline; blocking work goes to Environment::workers (see
// `blocking()` below); waiting work (long polls) keeps `respond` and calls it
// later. `respond` must be called exactly once, from any thread.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "common/worker_pool.h"
#include "events/target.h"

namespace nimbus::storage {
class Storage;
}

namespace nimbus::services {

struct CallContext {
  std::string request_id;
  std::string service;        // model name, e.g. "sts"
  std::string operation;      // e.g. "GetCallerIdentity"
  std::string region;         // from the SigV4 scope, else the server's
  std::string account_id;     // the caller's account
  std::string access_key_id;  // verified principal; empty when auth is off
  std::string endpoint_url;   // "http://host:port" as the client addressed nimbus
  std::string path;           // raw request path (SQS accepts the queue URL path)
};

using Output = Result<boost::json::object>;
using Respond = std::function<void(Output)>;
using Handler = std::function<void(const CallContext&, boost::json::object input, Respond)>;

// Server-wide settings a service may read.
struct Settings {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string caller_arn;  // ARN of the configured credentials' principal
  std::string caller_user_id;
  std::string data_dir;  // the server's data directory (services keep files under it)
  // Options of one service, keyed "<service>.<name>" (`nimbus serve
  // --<service>-<name> VALUE`, see cli/main.cc); each service reads and
  // checks its own (for example LambdaOptions::from), the server only
  // carries them.
  std::map<std::string, std::string> service_options;
};

// Everything a service is given at construction. Outlives every service.
struct Environment {
  const Settings& settings;
  const Clock& clock;
  storage::Storage* storage;
  WorkerPool& workers;
  Scheduler& scheduler;
  Metrics& metrics;
  // Where events go and where pollers read (events/target.h): each service
  // binds its targets and sources here when built; producers look up by ARN.
  events::Targets& targets;
};

class Service {
 public:
  explicit Service(std::string model_name) : model_name_(std::move(model_name)) {}
  virtual ~Service() = default;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // The botocore model folder this service speaks: "sts", "sqs", "lambda".
  const std::string& model_name() const { return model_name_; }
  // nullptr when the operation is in the model but not implemented here.
  const Handler* find(std::string_view operation) const;
  std::vector<std::string> operations() const;

  // Called once, on the main thread, when the server stops accepting
  // connections (SIGTERM). A service answers every call it is holding (long
  // polls answer empty, as on timeout) so that draining does not wait for
  // them. Calls that arrive later are still served until the loops stop.
  virtual void begin_shutdown() {}

 protected:
  void on(std::string operation, Handler handler);
  // A handler that answers inline from a pure function of its input.
  template <typename F>
  void on_sync(std::string operation, F f) {
    on(std::move(operation), [f = std::move(f)](const CallContext& ctx, boost::json::object in,
                                                Respond respond) { respond(f(ctx, in)); });
  }

 private:
  std::string model_name_;
  std::unordered_map<std::string, Handler> handlers_;
};

// Runs `work` on the worker pool and answers with what it returns.
void run_blocking(WorkerPool& pool, Respond respond, std::function<Output()> work);

}  // namespace nimbus::services
