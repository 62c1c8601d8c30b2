// The API Gateway task (arn:aws:states:::apigateway:invoke, also
// .waitForTaskToken): Parameters ApiEndpoint (the API's host,
// {apiId}.execute-api.{region}.amazonaws.com or one of nimbus's invoke
// hosts), Method, Headers and QueryParameters (each name with a list of
// values), Stage, Path, RequestBody (JSON, sent as its text without its
// null members unless AllowNullValues; or a string) and AuthType (NO_AUTH
// anonymous, IAM_ROLE signed as the state machine's role, RESOURCE_POLICY
// as states.amazonaws.com for the state machine) become one request, handed to the API in
// process (services::UserApis::call) as its invoke URL would receive it:
// authorizers, API keys, throttles and the integration all apply. The
// answer is {Headers, ResponseBody, StatusCode, StatusText}; outside 2xx
// the task fails with ApiGateway.<status> and the response body as its
// cause; a request that cannot be made fails with ApiGateway.<code>.
#include <algorithm>
#include <cctype>

#include "auth/sigv4.h"
#include "common/encoding.h"
#include "common/json_fields.h"
#include "http/body.h"
#include "http/status.h"
#include "services/stepfunctions/integrations.h"
#include "services/stepfunctions/task_http.h"
#include "services/stepfunctions/types.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

using Done = std::function<void(TaskOutcome)>;

// What Step Functions does not let a task send (AWS's list).
constexpr std::string_view kRefusedHeaders[] = {"authorization",
                                                "connection",
                                                "content-md5",
                                                "expect",
                                                "host",
                                                "max-forwards",
                                                "proxy-authenticate",
                                                "server",
                                                "te",
                                                "transfer-encoding",
                                                "trailer",
                                                "upgrade",
                                                "via",
                                                "www-authenticate"};

bool refused_header(std::string_view lower) {
  if (lower.starts_with("x-forwarded") || lower.starts_with("x-amz")) return true;
  return std::find(std::begin(kRefusedHeaders), std::end(kRefusedHeaders), lower) !=
         std::end(kRefusedHeaders);
}

TaskOutcome invalid_parameters(const std::string& why) {
  return task_failed("States.Runtime",
                     "The API Gateway task's Parameters are invalid_parameters: " + why);
}

// `v` without its null members, at any depth (arrays keep their nulls:
// dropping one would move the others).
json::value without_nulls(const json::value& v) {
  if (v.is_array()) {
    json::array out;
    for (const auto& x : v.as_array()) out.push_back(without_nulls(x));
    return out;
  }
  if (!v.is_object()) return v;
  json::object out;
  for (const auto& [k, x] : v.as_object()) {
    if (!x.is_null()) out[k] = without_nulls(x);
  }
  return out;
}

// Each name of a Headers or QueryParameters object with its values: a list
// of them, or one value.
bool for_each_value(const json::value& v,
                    const std::function<void(std::string_view, std::string)>& each) {
  if (!v.is_object()) return false;
  for (const auto& [k, values] : v.as_object()) {
    if (values.is_array()) {
      for (const auto& x : values.as_array()) each(k, text_of(x));
    } else {
      each(k, text_of(values));
    }
  }
  return true;
}

struct ApiCall {
  services::UserRequest request;
  std::string auth_type;
};

// The API an ApiEndpoint names: "abc123.execute-api.us-east-1.amazonaws.com"
// is API abc123 in us-east-1; nimbus's own hosts ({id}.execute-api.localhost,
// {id}.execute-api.{region}.localhost) are taken too, as is a scheme or a
// port before or after the host. `host` is the host alone. False when it
// names no API.
bool api_of(std::string_view endpoint, std::string& host, std::string& id, std::string& region) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (endpoint.starts_with(scheme)) endpoint.remove_prefix(scheme.size());
  }
  host = http::to_lower(endpoint.substr(0, endpoint.find_first_of("/:")));
  constexpr std::string_view kMarker = ".execute-api";
  auto at = host.find(kMarker);
  if (at == std::string::npos || at == 0) return false;
  id = host.substr(0, at);
  if (!std::all_of(id.begin(), id.end(),
                   [](unsigned char c) { return std::isdigit(c) || std::islower(c); })) {
    return false;
  }
  std::string_view rest = std::string_view(host).substr(at + kMarker.size());
  if (rest.empty()) return true;
  if (rest[0] != '.') return false;
  rest.remove_prefix(1);
  std::string_view label = rest.substr(0, rest.find('.'));
  if (label != rest && label != "amazonaws" && label != "localhost") region = std::string(label);
  return true;
}

// The request the Parameters ask for, or why it cannot be made.
std::variant<ApiCall, TaskOutcome> request_of(const json::object& p,
                                              const std::string& default_region) {
  ApiCall call;
  services::UserRequest& u = call.request;
  u.api = services::UserApi::kExecuteApi;
  u.region = default_region;
  std::string host;
  if (!api_of(str(p, "ApiEndpoint"), host, u.id, u.region)) {
    return invalid_parameters(
        "ApiEndpoint must be an API's host, <API ID>.execute-api.<region>.amazonaws.com");
  }
  http::Request& r = u.request;
  r.method = str(p, "Method");
  if (!task_method(r.method)) {
    return invalid_parameters("Method must be one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS");
  }
  call.auth_type = has(p, "AuthType") ? str(p, "AuthType") : "NO_AUTH";
  if (call.auth_type != "NO_AUTH" && call.auth_type != "IAM_ROLE" &&
      call.auth_type != "RESOURCE_POLICY") {
    return invalid_parameters("AuthType must be one of NO_AUTH, IAM_ROLE, RESOURCE_POLICY");
  }
  std::string refused;
  if (const auto* h = p.if_contains("Headers")) {
    bool object = for_each_value(*h, [&](std::string_view name, std::string value) {
      std::string lower = http::to_lower(name);
      if (refused_header(lower) && refused.empty()) refused = std::string(name);
      r.headers.emplace_back(std::move(lower), std::move(value));
    });
    if (!object) return invalid_parameters("Headers must be an object");
    if (!refused.empty()) return invalid_parameters("the header '" + refused + "' may not be sent");
  }
  std::string path = "/";
  // An HTTP API's $default stage has no segment of its own.
  std::string stage = str(p, "Stage");
  if (!stage.empty() && stage != "$default") path += percent_encode(stage) + "/";
  std::string rest = str(p, "Path");
  while (rest.starts_with('/')) rest.erase(0, 1);
  path += percent_encode(rest, /*keep_slash=*/true);
  if (path.size() > 1 && path.ends_with('/') && rest.empty()) path.pop_back();
  u.path = path;
  std::string query;
  if (const auto* q = p.if_contains("QueryParameters")) {
    if (!q->is_object()) return invalid_parameters("QueryParameters must be an object");
    encode_form(query, "", *q, "REPEAT");
  }
  r.target = query.empty() ? path : path + "?" + query;
  if (const auto* body = p.if_contains("RequestBody"); body != nullptr && !body->is_null()) {
    bool keep_nulls = false;
    if (const auto* a = p.if_contains("AllowNullValues"); a != nullptr && a->is_bool()) {
      keep_nulls = a->as_bool();
    }
    r.body = body->is_string() ? std::string(body->as_string())
                               : json::serialize(keep_nulls ? *body : without_nulls(*body));
    if (!r.has_header("content-type")) r.headers.emplace_back("content-type", "application/json");
  }
  r.headers.emplace_back("host", host);
  r.headers.emplace_back("content-length", std::to_string(r.body.size()));
  r.headers.emplace_back("user-agent", "AWS Step Functions (nimbus)");
  r.remote = "127.0.0.1";
  return call;
}

// The state machine of an execution (arn:aws:states:R:A:execution:M:N,
// :express:M:N, or a Map Run's child M/LABEL:N): arn:aws:states:R:A:stateMachine:M.
std::string machine_of(const std::string& execution_arn) {
  for (std::string_view kind : {":execution:", ":express:"}) {
    size_t at = execution_arn.find(kind);
    if (at == std::string::npos) continue;
    size_t name = at + kind.size();
    size_t end = execution_arn.find_first_of(":/", name);
    if (end == std::string::npos) end = execution_arn.size();
    return execution_arn.substr(0, at) + ":stateMachine:" + execution_arn.substr(name, end - name);
  }
  return execution_arn;
}

TaskOutcome outcome_of(int status, const http::Headers& headers, const std::string& body) {
  if (status < 200 || status > 299) {
    return task_failed("ApiGateway." + std::to_string(status), body);
  }
  return TaskOutcome{true, http_result(status, http::reason_phrase(status), headers, body), {}};
}

// The API's answer as the task's outcome; a streamed body is read first.
void answer(http::Response response, const Done& done) {
  if (response.stream == nullptr)
    return done(outcome_of(response.status, response.headers, response.body));
  auto source = std::move(response.stream);
  http::read_all(
      std::move(source), kMaxPayloadBytes + 1,  // past it the output fails anyway

      [status = response.status, headers = std::move(response.headers),
       done](Result<std::string> body) {
        if (!body)
          return done(task_failed("ApiGateway." + body.error().code, body.error().message));
        done(outcome_of(status, headers, *body));
      });
}

}  // namespace

void Integrations::call_api(TaskRequest task, Done done) const {
  if (!task.parameters.is_object()) return done(invalid_parameters("Parameters must be an object"));
  auto built = request_of(task.parameters.as_object(), region_account(task.execution_arn).first);
  if (auto* o = std::get_if<TaskOutcome>(&built)) return done(std::move(*o));
  if (apis_ == nullptr) {
    return done(task_failed("States.Runtime", "API Gateway is not served here"));
  }
  ApiCall call = std::get<ApiCall>(std::move(built));
  auto reply = [done](http::Response r) { answer(std::move(r), done); };
  // RESOURCE_POLICY: Step Functions calls unsigned as itself, and the
  // API's resource policy decides with states.amazonaws.com as the
  // principal and the state machine as aws:SourceArn (AWS's example names
  // both); NO_AUTH is anonymous.
  if (call.auth_type == "RESOURCE_POLICY") {
    call.request.service_principal = "states.amazonaws.com";
    call.request.source_arn = machine_of(task.execution_arn);
  }
  if (call.auth_type != "IAM_ROLE") return apis_->call(std::move(call.request), std::move(reply));
  if (iam_ == nullptr || task.role_arn.empty()) {
    return done(task_failed("ApiGateway.AccessDeniedException",
                            "The state machine has no role to sign the request with"));
  }
  std::string region = call.request.region;
  role_session(task.role_arn, [this, region, call = std::move(call), reply = std::move(reply),
                               done](Result<services::iam::TemporaryCredentials> session) mutable {
    if (!session) {
      const Error& e = session.error();
      return done(task_failed("ApiGateway." + e.code, e.message));
    }
    auth::Credentials keys;
    keys.access_key_id = session->access_key_id;
    keys.secret_access_key = session->secret_access_key;
    keys.session_token = session->session_token;
    auth::sign(call.request.request, keys, region, "execute-api", clock_->now());
    apis_->call(std::move(call.request), std::move(reply));
  });
}

void Integrations::role_session(
    const std::string& role_arn,
    std::function<void(Result<services::iam::TemporaryCredentials>)> then) const {
  Clock::time_point now = clock_->now();
  {
    std::lock_guard lock(sessions_mu_);
    auto it = sessions_.find(role_arn);
    if (it != sessions_.end() && it->second.expiration - now > std::chrono::minutes(30)) {
      return then(it->second);
    }
  }
  services::iam::AssumeRoleRequest request;
  request.role_arn = role_arn;
  request.session_name = "StepFunctions";
  request.service_principal = "states.amazonaws.com";
  request.check_trust = iam_->enforcing();
  request.missing_role_ok = !iam_->enforcing();
  iam_->assume_role(request, [this, role_arn, then = std::move(then)](
                                 Result<services::iam::TemporaryCredentials> minted) {
    if (minted) {
      std::lock_guard lock(sessions_mu_);
      sessions_[role_arn] = *minted;
    }
    then(std::move(minted));
  });
}

}  // namespace nimbus::sfn
