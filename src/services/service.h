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
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "common/worker_pool.h"
#include "events/target.h"
#include "http/body.h"
#include "http/message.h"

namespace nimbus::storage {
class Storage;
}

namespace nimbus::services {

// The payload of an operation whose model marks it streaming (S3 PutObject's
// and GetObject's Body), carried beside the input and output values so that
// it never has to sit whole in memory.
struct Payload {
  // The request body as the edge streams it (bodies over 1 MiB, chunked, or
  // behind Expect: 100-continue; its 100 Continue goes out on the first
  // read), already checked against the request's signature as it is read;
  // null when the body arrived whole, which is then the input's payload member.
  std::shared_ptr<http::BodySource> request;
  // Set by a handler before it calls respond(output) to send this stream (a
  // file, a range of one: http/file_body.h) as the response payload; the
  // output still gives the status and the header members.
  std::shared_ptr<http::BodySource> response;
  // Set by the router when the output is written as awsJson text: a handler
  // may then answer JSON fragments (common/json_fragment.h) where values
  // would be, and sets `json_fragments` when it does. Never set for calls
  // whose output is read as a value (in-process calls, tests).
  bool json_text = false;
  bool json_fragments = false;
};

struct CallContext {
  std::string request_id;
  std::string service;        // model name, e.g. "sts"
  std::string operation;      // e.g. "GetCallerIdentity"
  std::string region;         // from the SigV4 scope, else the server's
  std::string account_id;     // the caller's account
  std::string access_key_id;  // verified principal; empty when auth is off
  std::string endpoint_url;   // "http://host:port" as the client addressed nimbus
  std::string path;           // raw request path (SQS accepts the queue URL path)
  std::shared_ptr<Payload> payload = std::make_shared<Payload>();  // streaming payloads
  // The AWS service making this call for the caller, as IAM's aws:CalledVia
  // names it ("cloudformation.amazonaws.com" for a stack's resources). Set
  // only by in-process callers, never from a request: empty for a client.
  std::string called_via;
};

// Whether tag keys with the reserved "aws:" prefix are taken: AWS refuses
// them from every user and takes them from CloudFormation, which tags what a
// stack makes with aws:cloudformation:stack-name, stack-id and logical-id.
inline bool takes_aws_tags(const CallContext& ctx) {
  return ctx.called_via == "cloudformation.amazonaws.com";
}

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

// User APIs: the HTTP APIs users build on nimbus (API Gateway invoke URLs,
// Lambda function URLs, S3 website endpoints) and the download links nimbus
// hands out (Lambda's Code.Location), which bypass the AWS protocol engine.
// The server matches their hosts and paths (server/user_routes.h) and hands
// each request to the one handler of its kind, which the service owning
// that kind adds in its start().
enum class UserApi { kExecuteApi, kFunctionUrl, kS3Website, kLambdaCode };
inline constexpr size_t kUserApiKinds = 4;

struct UserRequest {
  UserApi api = UserApi::kExecuteApi;
  std::string id;      // apiId, urlId or bucket
  std::string region;  // from the host name, else the server's region
  // The raw path as the API sees it on its own host: for
  // /_aws/execute-api/{apiId}/prod/pets it is /prod/pets (the stage, when
  // the API has stages in its paths, is for its handler to read).
  std::string path;
  http::Request request;  // everything else: method, query, headers, body or stream
  // A service calling on its own behalf in process (Step Functions'
  // apigateway:invoke with AuthType RESOURCE_POLICY): its principal
  // ("states.amazonaws.com") and the resource it acts for (the state
  // machine's ARN), as an API's resource policy sees them. Empty for
  // requests from the network.
  std::string service_principal;
  std::string source_arn;
};

// Answers a user request once, from any thread (http::Reply).
using UserReply = std::function<void(http::Response)>;
// Runs on the connection's event loop and must not block; a large body
// arrives as request.stream.
using UserHandler = std::function<void(UserRequest, UserReply)>;

class UserApis {
 public:
  virtual ~UserApis() = default;
  // The one handler of a kind of user API; a second add() replaces it. Only
  // during start-up (a service's start()), before the server listens.
  virtual void add(UserApi api, UserHandler handler) = 0;
  // Hands `request` to its kind's handler in process, as if it had arrived
  // at its address (Step Functions' apigateway:invoke calls an API this
  // way); a kind without a handler is answered 404. Any thread, once the
  // services have started; never blocks.
  virtual void call(UserRequest request, UserReply reply) const = 0;
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
  // Where a service that serves a user API adds its handler (null when
  // nothing serves user APIs: tools, and unit tests that do not ask).
  UserApis* user_apis = nullptr;
};

// The ARNs one call touches, as the AWS service authorization reference
// lists the operation's resource types (SQS SendMessage: the queue; Lambda
// Invoke: the function, with its qualifier); empty when it lists none (the
// action is authorized on "*"). IAM evaluates a request against these.
using Resources = std::vector<std::string>;
using ResourcesOf = Resources (*)(const CallContext&, const boost::json::object& input);
inline Resources no_resources(const CallContext&, const boost::json::object&) {
  return {};
}

// One row of a service's operation table: the operation's name in the model,
// the member function that serves it, and the ARNs a call touches. A handler
// either keeps `respond` (asynchronous work: storage commits, long polls,
// invocations) or answers inline with what it returns.
template <typename S>
struct Operation {
  using Async = void (S::*)(const CallContext&, boost::json::object, Respond);
  using Inline = Output (S::*)(const CallContext&, const boost::json::object&);
  using InlineConst = Output (S::*)(const CallContext&, const boost::json::object&) const;

  const char* name;
  std::variant<Async, Inline, InlineConst> handler;
  ResourcesOf resources;
};

// A service: its operation table, and the life cycle the registry drives
// (services/registry.h): construct every service, bind() each, start() each
// in the registry's order; begin_shutdown() when the server drains; destroy.
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
  // The ARNs a call of `operation` with `input` touches; nullopt when the
  // operation is not implemented here.
  std::optional<Resources> resources(std::string_view operation, const CallContext& ctx,
                                     const boost::json::object& input) const;
  std::vector<std::string> operations() const;
  // The resource-based policy document of `arn` when this service stores
  // one (a queue policy, a topic policy, a function's permissions, a bucket
  // policy); empty when none. IAM evaluates it beside the caller's identity
  // policies (docs/security.md). Any thread; never blocks.
  virtual std::string resource_policy(const std::string& arn) const { return {}; }

  // Binds this service's delivery targets and event sources in `targets`
  // (events/target.h). Called once, after every service is built and before
  // any starts, so no service depends on the order they are built in. The
  // service keeps the Bindings and drops them first when destroyed.
  virtual void bind(events::Targets& targets) {}
  // Reads back stored state and starts background work. Called once, on the
  // main thread, after bind() and before the server accepts requests; it may
  // block. An error stops start-up (`nimbus serve` exits with its message)
  // rather than serving part of the state.
  [[nodiscard]] virtual Status start() { return Status::ok(); }
  // Called once, on the main thread, when the server stops accepting
  // connections (SIGTERM). A service answers every call it is holding (long
  // polls answer empty, as on timeout) so that draining does not wait for
  // them. Calls that arrive later are still served until the loops stop.
  virtual void begin_shutdown() {}

 protected:
  // Serves every row of `table` with `self`'s member functions.
  template <typename S, size_t N>
  void serve(S& self, const Operation<S> (&table)[N]) {
    for (const Operation<S>& op : table) add(op.name, bind_handler(self, op.handler), op.resources);
  }

 private:
  struct Entry {
    Handler handler;
    ResourcesOf resources;
  };
  void add(std::string operation, Handler handler, ResourcesOf resources);
  template <typename S>
  static Handler bind_handler(S& self, const decltype(Operation<S>::handler)& h) {
    return std::visit(
        [&self](auto member) -> Handler {
          if constexpr (std::is_same_v<decltype(member), typename Operation<S>::Async>) {
            return [&self, member](const CallContext& ctx, boost::json::object in, Respond r) {
              (self.*member)(ctx, std::move(in), std::move(r));
            };
          } else {
            return [&self, member](const CallContext& ctx, boost::json::object in, Respond r) {
              r((self.*member)(ctx, in));
            };
          }
        },
        h);
  }

  std::string model_name_;
  std::unordered_map<std::string, Entry> operations_;
};

// Runs `work` on the worker pool and answers with what it returns.
void run_blocking(WorkerPool& pool, Respond respond, std::function<Output()> work);

}  // namespace nimbus::services
