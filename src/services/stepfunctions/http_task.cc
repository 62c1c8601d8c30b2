// The HTTP Task (arn:aws:states:::http:invoke): Parameters ApiEndpoint,
// Method, Authentication.ConnectionArn, Headers, QueryParameters,
// RequestBody and Transform (RequestBodyEncoding URL_ENCODED with
// RequestEncodingOptions.ArrayFormat) become one request, sent through the
// EventBridge connection (which adds its parameters and authorization). The
// answer is {Headers, ResponseBody, StatusCode, StatusText}; an answer
// outside 2xx fails the task with States.Http.StatusCode.<code>, a request
// that gets no answer with States.Http.Socket.
#include <algorithm>

#include "common/json_fields.h"
#include "services/stepfunctions/integrations.h"
#include "services/stepfunctions/task_http.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

TaskOutcome invalid_http_parameters(const std::string& why) {
  return task_failed("States.Runtime",
                     "The HTTP Task's Parameters are invalid_http_parameters: " + why);
}

bool has_header(const http::Headers& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [name](const auto& h) { return http::iequals(h.first, name); });
}

// The request the Parameters ask for, or why they cannot be sent.
std::variant<http::ClientRequest, TaskOutcome> http_request_of(const json::object& p,
                                                               std::string& connection) {
  http::ClientRequest r;
  r.url = str(p, "ApiEndpoint");
  if (!r.url.starts_with("https://") && !r.url.starts_with("http://")) {
    return invalid_http_parameters("ApiEndpoint must be an http or https URL");
  }
  r.method = str(p, "Method");
  if (!task_method(r.method)) {
    return invalid_http_parameters(
        "Method must be one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS");
  }
  const auto* auth = p.if_contains("Authentication");
  if (auth != nullptr && auth->is_object()) connection = str(auth->as_object(), "ConnectionArn");
  if (connection.empty())
    return invalid_http_parameters("Authentication.ConnectionArn is required");
  if (const auto* h = p.if_contains("Headers")) {
    if (!h->is_object()) return invalid_http_parameters("Headers must be an object");
    for (const auto& [k, v] : h->as_object()) r.headers.emplace_back(std::string(k), text_of(v));
  }
  std::string format = "REPEAT";
  std::string encoding = "NONE";
  if (const auto* t = p.if_contains("Transform"); t != nullptr && t->is_object()) {
    encoding = str(t->as_object(), "RequestBodyEncoding");
    const auto* o = t->as_object().if_contains("RequestEncodingOptions");
    if (o != nullptr && o->is_object() && has(o->as_object(), "ArrayFormat")) {
      format = str(o->as_object(), "ArrayFormat");
    }
  }
  if (const auto* q = p.if_contains("QueryParameters")) {
    if (!q->is_object()) return invalid_http_parameters("QueryParameters must be an object");
    std::string query;
    encode_form(query, "", *q, "REPEAT");
    if (!query.empty()) r.url += (r.url.find('?') == std::string::npos ? "?" : "&") + query;
  }
  if (const auto* body = p.if_contains("RequestBody")) {
    if (encoding == "URL_ENCODED") {
      if (!body->is_object())
        return invalid_http_parameters("a URL_ENCODED RequestBody must be an object");
      encode_form(r.body, "", *body, format);
      if (!has_header(r.headers, "Content-Type")) {
        r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      }
    } else {
      r.body = text_of(*body);
      if (!has_header(r.headers, "Content-Type")) {
        r.headers.emplace_back("Content-Type", "application/json; charset=UTF-8");
      }
    }
  }
  return r;
}

}  // namespace

void Integrations::call_http(TaskRequest task, std::function<void(TaskOutcome)> done) const {
  if (!task.parameters.is_object())
    return done(invalid_http_parameters("Parameters must be an object"));
  std::string connection;
  auto built = http_request_of(task.parameters.as_object(), connection);
  if (auto* o = std::get_if<TaskOutcome>(&built)) return done(std::move(*o));
  if (connections_ == nullptr) {
    return done(task_failed("States.Runtime", "EventBridge connections are not available"));
  }
  connections_->send(
      connection, std::get<http::ClientRequest>(std::move(built)),
      [done = std::move(done), connection](Result<http::ClientResponse> r) {
        if (!r) {
          const Error& e = r.error();
          if (e.code == "ConnectionNotFound" || e.code == "ConnectionNotAuthorized") {
            return done(task_failed("Events.ConnectionResource.InvalidConnectionState", e.message));
          }
          return done(task_failed("States.Http.Socket", e.message));
        }
        json::object out = http_result(r->status, r->reason, r->headers, r->body);
        if (r->status < 200 || r->status > 299) {
          return done(task_failed("States.Http.StatusCode." + std::to_string(r->status),
                                  json::serialize(out)));
        }
        done(TaskOutcome{true, std::move(out), {}});
      });
}

}  // namespace nimbus::sfn
