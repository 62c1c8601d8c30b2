// Task resources: Lambda functions through lambda::Functions, everything
// else through services::OperationCalls (one generic path for the optimized
// and the SDK integrations; see README.md for the names and shapes).
#include "services/stepfunctions/integrations.h"

#include <array>
#include <cctype>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "http/body.h"
#include "services/stepfunctions/types.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

using Done = std::function<void(TaskOutcome)>;

// The optimized integrations: resource "service:action" and the model and
// operation it calls, and the prefix of its error names.
struct Optimized {
  std::string_view resource, model, operation, prefix;
};
constexpr std::array<Optimized, 9> kOptimized{{
    {"sqs:sendMessage", "sqs", "SendMessage", "SQS"},
    {"sns:publish", "sns", "Publish", "SNS"},
    {"dynamodb:putItem", "dynamodb", "PutItem", "DynamoDB"},
    {"dynamodb:getItem", "dynamodb", "GetItem", "DynamoDB"},
    {"dynamodb:updateItem", "dynamodb", "UpdateItem", "DynamoDB"},
    {"dynamodb:deleteItem", "dynamodb", "DeleteItem", "DynamoDB"},
    {"events:putEvents", "events", "PutEvents", "EventBridge"},
    {"states:startExecution", "stepfunctions", "StartExecution", "StepFunctions"},
    {"lambda:invoke", "lambda", "Invoke", "Lambda"},
}};

const Optimized* optimized(std::string_view service, std::string_view action) {
  for (const auto& o : kOptimized) {
    auto colon = o.resource.find(':');
    if (o.resource.substr(0, colon) == service && o.resource.substr(colon + 1) == action) {
      return &o;
    }
  }
  return nullptr;
}

// The SDK integrations' service names (arn:aws:states:::aws-sdk:NAME:...)
// that differ from nimbus's model names, and the PascalCase name their
// errors carry.
struct SdkService {
  std::string_view sdk, model, prefix;
};
constexpr std::array<SdkService, 16> kSdkServices{{
    {"sqs", "sqs", "Sqs"},
    {"sns", "sns", "Sns"},
    {"dynamodb", "dynamodb", "DynamoDb"},
    {"dynamodbstreams", "dynamodbstreams", "DynamoDbStreams"},
    {"eventbridge", "events", "EventBridge"},
    {"sfn", "stepfunctions", "Sfn"},
    {"lambda", "lambda", "Lambda"},
    {"kinesis", "kinesis", "Kinesis"},
    {"firehose", "firehose", "Firehose"},
    {"cloudwatchlogs", "logs", "CloudWatchLogs"},
    {"apigateway", "apigateway", "ApiGateway"},
    {"apigatewayv2", "apigatewayv2", "ApiGatewayV2"},
    {"cloudformation", "cloudformation", "CloudFormation"},
    {"iam", "iam", "Iam"},
    {"sts", "sts", "Sts"},
    {"s3", "s3", "S3"},
}};

const SdkService* sdk_service(std::string_view name) {
  for (const auto& s : kSdkServices) {
    if (s.sdk == name) return &s;
  }
  return nullptr;
}

// Models whose members are camelCase while Step Functions' Parameters and
// results are PascalCase.
bool camel_model(std::string_view model) {
  return model == "stepfunctions" || model == "apigateway";
}

// Every object key of `v` with its first letter in `upper` case.
json::value recase(const json::value& v, bool upper) {
  if (v.is_array()) {
    json::array out;
    for (const auto& x : v.as_array()) out.push_back(recase(x, upper));
    return out;
  }
  if (!v.is_object()) return v;
  json::object out;
  for (const auto& [k, x] : v.as_object()) {
    std::string key(k);
    if (!key.empty()) {
      auto c = static_cast<unsigned char>(key[0]);
      key[0] = static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
    }
    out[key] = recase(x, upper);
  }
  return out;
}

// `ErrorCode` as Step Functions names a service's error: the prefix, a dot,
// the code without a namespace (AWS.SimpleQueueService.X) and with the
// "Exception" suffix AWS adds where the code lacks it.
std::string error_name(std::string_view prefix, std::string code) {
  if (auto dot = code.rfind('.'); dot != std::string::npos) code = code.substr(dot + 1);
  if (!code.ends_with("Exception")) code += "Exception";
  return std::string(prefix) + "." + code;
}

asl::Failure service_failure(std::string_view prefix, std::string_view service, const Error& e,
                             const std::string& request_id) {
  int status = e.http_status != 0 ? e.http_status : (e.sender_fault ? 400 : 500);
  return {error_name(prefix, e.code), e.message + " (Service: " + std::string(service) +
                                          ", Status Code: " + std::to_string(status) +
                                          ", Request ID: " + request_id + ")"};
}

json::value parse_or_string(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return json::value(text);
  return v;
}

// Fields the optimized integrations accept as JSON and send as its text.
void serialize_json_fields(std::string_view model, json::object& in) {
  auto text = [](json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v != nullptr && !v->is_string()) {
      *v = json::serialize(*v);
    }
  };
  if (model == "sqs") text(in, "MessageBody");
  if (model == "sns") text(in, "Message");
  if (model == "stepfunctions") text(in, "Input");
  if (model == "lambda") text(in, "Payload");
  if (model == "events") {
    if (auto* entries = in.if_contains("Entries"); entries != nullptr && entries->is_array()) {
      for (auto& e : entries->as_array()) {
        if (e.is_object()) text(e.as_object(), "Detail");
      }
    }
  }
}

// The patterns served: a plain call, or one whose task then waits for its
// token (the call's own answer is TaskSubmitted's output).
bool callable(const TaskTarget& t) {
  return t.pattern.empty() || t.pattern == ".waitForTaskToken" || runs_child(t);
}

}  // namespace

std::pair<std::string, std::string> region_account(const std::string& arn) {
  std::array<std::string, 6> parts;
  size_t at = 0;
  for (size_t i = 0; i < 5; ++i) {
    auto colon = arn.find(':', at);
    if (colon == std::string::npos) return {};
    parts[i] = arn.substr(at, colon - at);
    at = colon + 1;
  }
  return {parts[3], parts[4]};
}

bool runs_child(const TaskTarget& t) {
  return t.kind == TaskTarget::kOptimized && t.service == "states" &&
         t.action == "startExecution" && (t.pattern == ".sync" || t.pattern == ".sync:2");
}

TaskTarget task_target(const std::string& resource) {
  TaskTarget t;
  if (resource.starts_with("arn:aws:lambda:") && resource.find(":function:") != std::string::npos) {
    t.kind = TaskTarget::kLambdaFunction;
    return t;
  }
  constexpr std::string_view kStates = "arn:aws:states:::";
  if (!resource.starts_with(kStates)) return t;
  std::string rest = resource.substr(kStates.size());
  for (std::string_view p : {".waitForTaskToken", ".sync:2", ".sync"}) {
    if (rest.ends_with(p)) {
      t.pattern = std::string(p);
      rest.resize(rest.size() - p.size());
      break;
    }
  }
  bool sdk = rest.starts_with("aws-sdk:");
  if (sdk) rest = rest.substr(8);
  auto colon = rest.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return t;
  t.service = rest.substr(0, colon);
  t.action = rest.substr(colon + 1);
  if (sdk) {
    t.kind = TaskTarget::kSdk;
  } else if (t.service == "http" && t.action == "invoke") {
    t.kind = TaskTarget::kHttp;
  } else if (t.service == "apigateway" && t.action == "invoke") {
    t.kind = TaskTarget::kApiGateway;
  } else if (t.service == "lambda" && t.action == "invoke") {
    t.kind = TaskTarget::kLambdaInvoke;
  } else if (optimized(t.service, t.action) != nullptr) {
    t.kind = TaskTarget::kOptimized;
  }
  return t;
}

asl::Failure function_failure(const std::string& payload) {
  json::error_code ec;
  json::value doc = json::parse(payload, ec);
  if (!ec && doc.is_object()) {
    if (const auto* type = doc.as_object().if_contains("errorType");
        type != nullptr && type->is_string() && !type->as_string().empty()) {
      return {std::string(type->as_string()), payload};
    }
  }
  return {"Lambda.Unknown", payload};
}

void Integrations::call(TaskRequest task, Done done) const {
  if (task.io == "ItemReader") {
    if (task.resource.ends_with(":listObjectsV2"))
      return list_items(std::move(task), std::move(done));
    return read_items(std::move(task), std::move(done));
  }
  if (task.io == "ResultWriter") return write_results(std::move(task), std::move(done));
  TaskTarget t = task_target(task.resource);
  switch (t.kind) {
    case TaskTarget::kLambdaFunction:
      if (t.pattern.empty()) return call_function(t, std::move(task), std::move(done));
      break;
    case TaskTarget::kLambdaInvoke:
      if (callable(t)) return call_function(t, std::move(task), std::move(done));
      break;
    case TaskTarget::kOptimized:
    case TaskTarget::kSdk:
      if (callable(t)) return call_service(t, std::move(task), std::move(done));
      break;
    case TaskTarget::kHttp:
      if (t.pattern.empty()) return call_http(std::move(task), std::move(done));
      break;
    case TaskTarget::kApiGateway:
      if (t.pattern.empty() || t.pattern == ".waitForTaskToken")
        return call_api(std::move(task), std::move(done));
      break;
    case TaskTarget::kUnknown:
      break;
  }
  done(task_failed("States.Runtime", "nimbus cannot call the resource '" + task.resource + "'"));
}

void Integrations::call_function(const TaskTarget& t, TaskRequest task, Done done) const {
  services::lambda::SyncInvoke invoke;
  invoke.request_id = new_request_id();
  bool legacy = t.kind == TaskTarget::kLambdaFunction;
  if (legacy) {
    invoke.function = task.resource;
    invoke.payload = json::serialize(task.parameters);
  } else {
    const json::object* p = task.parameters.if_object();
    if (p == nullptr || !p->contains("FunctionName") || !p->at("FunctionName").is_string()) {
      return done(task_failed("States.Runtime",
                              "The Parameters of a lambda:invoke task need a string FunctionName"));
    }
    std::string type = str(*p, "InvocationType");
    if (!type.empty() && type != "RequestResponse") {
      // Event and DryRun answer at once: Lambda's own Invoke does that.
      return call_service(t, std::move(task), std::move(done));
    }
    invoke.function = str(*p, "FunctionName");
    if (has(*p, "Qualifier")) invoke.function += ":" + str(*p, "Qualifier");
    invoke.payload = p->contains("Payload") ? json::serialize(p->at("Payload")) : "{}";
  }
  if (functions_ == nullptr) {
    return done(task_failed("States.Runtime", "nimbus serves no Lambda functions here"));
  }
  std::string request_id = invoke.request_id;
  if (auto refused = refused_as_role(task, "lambda", "Invoke",
                                     json::object{{"FunctionName", invoke.function}})) {
    return done(
        TaskOutcome{false, nullptr, service_failure("Lambda", "Lambda", *refused, request_id)});
  }
  functions_->invoke_sync(std::move(invoke), [legacy, request_id, done = std::move(done)](
                                                 Result<services::lambda::SyncResult> r) {
    if (!r)
      return done(
          TaskOutcome{false, nullptr, service_failure("Lambda", "Lambda", r.error(), request_id)});
    if (r->function_error) return done(TaskOutcome{false, nullptr, function_failure(r->payload)});
    json::value payload = parse_or_string(r->payload);
    if (legacy) return done(TaskOutcome{true, std::move(payload), {}});
    done(TaskOutcome{true,
                     json::object{{"ExecutedVersion", r->executed_version},
                                  {"Payload", std::move(payload)},
                                  {"SdkHttpMetadata", json::object{{"HttpStatusCode", 200}}},
                                  {"SdkResponseMetadata", json::object{{"RequestId", request_id}}},
                                  {"StatusCode", 200}},
                     {}});
  });
}

std::optional<Error> Integrations::refused_as_role(const TaskRequest& task, std::string_view model,
                                                   std::string_view operation,
                                                   const json::object& input) const {
  if (task.role_arn.empty() || calls_ == nullptr) return std::nullopt;
  services::CallContext ctx;
  std::tie(ctx.region, ctx.account_id) = region_account(task.execution_arn);
  auto st =
      calls_->authorize_as(task.role_arn, "states.amazonaws.com", model, operation, ctx, input);
  if (st) return std::nullopt;
  return Error::make("AccessDeniedException", st.error().message, 400);
}

void Integrations::call_service(const TaskTarget& t, TaskRequest task, Done done) const {
  std::string model, operation, prefix, service;
  bool sdk = t.kind == TaskTarget::kSdk;
  if (sdk) {
    const SdkService* s = sdk_service(t.service);
    if (s == nullptr) {
      return done(task_failed("States.Runtime", "nimbus cannot call the resource '" +
                                                    task.resource + "': no SDK integration for " +
                                                    t.service));
    }
    model = std::string(s->model);
    prefix = std::string(s->prefix);
    service = prefix;
    operation = t.action;
    operation[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(operation[0])));
  } else {
    const Optimized* o = optimized(t.service, t.action);
    model = std::string(o->model);
    operation = std::string(o->operation);
    prefix = std::string(o->prefix);
    service = prefix;
  }
  if (calls_ == nullptr) {
    return done(task_failed("States.Runtime", "nimbus cannot call " + model + " here"));
  }
  json::object input;
  if (const auto* p = task.parameters.if_object()) input = *p;
  if (!sdk) serialize_json_fields(model, input);
  if (auto* body = input.if_contains("Body"); model == "s3" && body && !body->is_string()) {
    *body = json::serialize(*body);  // S3 PutObject: JSON is sent as its text
  }
  if (camel_model(model)) input = recase(input, false).as_object();
  services::CallContext ctx;
  ctx.request_id = new_request_id();
  std::tie(ctx.region, ctx.account_id) = region_account(task.execution_arn);
  std::string request_id = ctx.request_id;
  bool camel = camel_model(model);
  std::shared_ptr<services::Payload> payload = ctx.payload;  // GetObject's Body arrives here
  if (auto refused = refused_as_role(task, model, operation, input)) {
    return done(
        TaskOutcome{false, nullptr, service_failure(prefix, service, *refused, request_id)});
  }
  calls_->call(model, operation, std::move(ctx), std::move(input),
               [sdk, camel, prefix, service, request_id, model, operation, payload,
                done = std::move(done)](services::Output out) {
                 if (!out) {
                   if (out.error().code == "InvalidAction") {
                     return done(task_failed("States.Runtime", out.error().message));
                   }
                   return done(TaskOutcome{
                       false, nullptr, service_failure(prefix, service, out.error(), request_id)});
                 }
                 json::value result = camel ? recase(*out, true) : json::value(std::move(*out));
                 if (model == "lambda" && operation == "Invoke") {
                   auto& o = result.as_object();
                   if (auto* p = o.if_contains("Payload"); p != nullptr && p->is_string()) {
                     *p = p->as_string().empty() ? json::value(nullptr)
                                                 : parse_or_string(std::string(p->as_string()));
                   }
                 }
                 if (!sdk) {
                   auto& o = result.as_object();
                   o["SdkHttpMetadata"] = json::object{{"HttpStatusCode", 200}};
                   o["SdkResponseMetadata"] = json::object{{"RequestId", request_id}};
                 }
                 if (payload->response == nullptr || !result.is_object()) {
                   return done(TaskOutcome{true, std::move(result), {}});
                 }
                 // S3 GetObject: the object's bytes are the result's Body, as
                 // text; past a state's 256 KiB they could not be its output.
                 http::read_all(
                     std::move(payload->response), kMaxPayloadBytes + 1,
                     [result = std::move(result), done](Result<std::string> body) mutable {
                       if (!body && body.error().http_status == 413) {
                         return done(task_failed("States.DataLimitExceeded",
                                                 "The object is larger than the 262144 "
                                                 "bytes a state's output may hold"));
                       }
                       if (!body) {
                         return done(task_failed("States.Runtime", body.error().message));
                       }
                       result.as_object()["Body"] = std::move(*body);
                       done(TaskOutcome{true, std::move(result), {}});
                     });
               });
}

}  // namespace nimbus::sfn
