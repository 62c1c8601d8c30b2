// The HTTP Task (arn:aws:states:::http:invoke): Parameters ApiEndpoint,
// Method, Authentication.ConnectionArn, Headers, QueryParameters,
// RequestBody and Transform (RequestBodyEncoding URL_ENCODED with
// RequestEncodingOptions.ArrayFormat) become one request, sent through the
// EventBridge connection (which adds its parameters and authorization). The
// answer is {Headers, ResponseBody, StatusCode, StatusText}; an answer
// outside 2xx fails the task with States.Http.StatusCode.<code>, a request
// that gets no answer with States.Http.Socket.
#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/stepfunctions/integrations.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

constexpr std::string_view kMethods[] = {"GET",   "POST", "PUT",    "DELETE",
                                         "PATCH", "HEAD", "OPTIONS"};

TaskOutcome failed(std::string error, std::string cause) {
  return TaskOutcome{false, nullptr, {std::move(error), std::move(cause)}};
}

TaskOutcome invalid(const std::string& why) {
  return failed("States.Runtime", "The HTTP Task's Parameters are invalid: " + why);
}

// A parameter value as the text a header or query string carries.
std::string text_of(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

void add_pair(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += '&';
  out += percent_encode(key);
  out += '=';
  out += percent_encode(value);
}

// `key`=`value` pairs of an object, arrays as ArrayFormat says (INDICES
// a[0]=x, REPEAT a=x&a=y, COMMAS a=x,y, BRACKETS a[]=x; NONE and the default
// as REPEAT), nested objects as key[inner].
void encode_form(std::string& out, const std::string& key, const json::value& v,
                 std::string_view format) {
  if (v.is_object()) {
    for (const auto& [k, inner] : v.as_object()) {
      encode_form(out, key.empty() ? std::string(k) : key + "[" + std::string(k) + "]", inner,
                  format);
    }
    return;
  }
  if (!v.is_array()) return add_pair(out, key, text_of(v));
  const auto& a = v.as_array();
  if (format == "COMMAS") {
    std::string joined;
    for (size_t i = 0; i < a.size(); ++i) joined += (i ? "," : "") + text_of(a[i]);
    return add_pair(out, key, joined);
  }
  for (size_t i = 0; i < a.size(); ++i) {
    std::string name = format == "INDICES"    ? key + "[" + std::to_string(i) + "]"
                       : format == "BRACKETS" ? key + "[]"
                                              : key;
    encode_form(out, name, a[i], format);
  }
}

bool has_header(const http::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        })) {
      return true;
    }
  }
  return false;
}

// The request the Parameters ask for, or why they cannot be sent.
std::variant<http::ClientRequest, TaskOutcome> request_of(const json::object& p,
                                                          std::string& connection) {
  http::ClientRequest r;
  r.url = str(p, "ApiEndpoint");
  if (!r.url.starts_with("https://") && !r.url.starts_with("http://")) {
    return invalid("ApiEndpoint must be an http or https URL");
  }
  r.method = str(p, "Method");
  if (std::find(std::begin(kMethods), std::end(kMethods), r.method) == std::end(kMethods)) {
    return invalid("Method must be one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS");
  }
  const auto* auth = p.if_contains("Authentication");
  if (auth != nullptr && auth->is_object()) connection = str(auth->as_object(), "ConnectionArn");
  if (connection.empty()) return invalid("Authentication.ConnectionArn is required");
  if (const auto* h = p.if_contains("Headers")) {
    if (!h->is_object()) return invalid("Headers must be an object");
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
    if (!q->is_object()) return invalid("QueryParameters must be an object");
    std::string query;
    encode_form(query, "", *q, "REPEAT");
    if (!query.empty()) r.url += (r.url.find('?') == std::string::npos ? "?" : "&") + query;
  }
  if (const auto* body = p.if_contains("RequestBody")) {
    if (encoding == "URL_ENCODED") {
      if (!body->is_object()) return invalid("a URL_ENCODED RequestBody must be an object");
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

// The task's result: Headers (each a list of values), ResponseBody (parsed
// when it is JSON), StatusCode, StatusText.
json::object result_of(const http::ClientResponse& r) {
  json::object headers;
  for (const auto& [k, v] : r.headers) {
    auto& values = headers[k];
    if (!values.is_array()) values = json::array();
    values.as_array().emplace_back(v);
  }
  json::error_code ec;
  json::value body = json::parse(r.body, ec);
  if (ec) body = json::value(r.body);
  return json::object{{"Headers", std::move(headers)},
                      {"ResponseBody", std::move(body)},
                      {"StatusCode", r.status},
                      {"StatusText", r.reason}};
}

}  // namespace

void Integrations::call_http(TaskRequest task, std::function<void(TaskOutcome)> done) const {
  if (!task.parameters.is_object()) return done(invalid("Parameters must be an object"));
  std::string connection;
  auto built = request_of(task.parameters.as_object(), connection);
  if (auto* o = std::get_if<TaskOutcome>(&built)) return done(std::move(*o));
  if (connections_ == nullptr) {
    return done(failed("States.Runtime", "EventBridge connections are not available"));
  }
  connections_->send(
      connection, std::get<http::ClientRequest>(std::move(built)),
      [done = std::move(done), connection](Result<http::ClientResponse> r) {
        if (!r) {
          const Error& e = r.error();
          if (e.code == "ConnectionNotFound" || e.code == "ConnectionNotAuthorized") {
            return done(failed("Events.ConnectionResource.InvalidConnectionState", e.message));
          }
          return done(failed("States.Http.Socket", e.message));
        }
        json::object out = result_of(*r);
        if (r->status < 200 || r->status > 299) {
          return done(
              failed("States.Http.StatusCode." + std::to_string(r->status), json::serialize(out)));
        }
        done(TaskOutcome{true, std::move(out), {}});
      });
}

}  // namespace nimbus::sfn
