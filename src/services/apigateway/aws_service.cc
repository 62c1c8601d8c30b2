#include "services/apigateway/aws_service.h"

#include <cctype>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/apigateway/errors.h"
#include "services/apigateway/http_integration.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

// How a parameter's text becomes the member's value.
enum class Kind {
  kString,
  kInteger,
  kList,  // a JSON array, else a comma-separated list of strings
  kJson,  // a JSON object (a map or a structure)
  kBlob,  // the text's bytes, base64-encoded on the wire
};

struct Param {
  std::string_view name;
  Kind kind = Kind::kString;
  bool required = false;
};

// The subtypes nimbus serves, from AWS's integration subtype reference: the
// operation (X-Amz-Target) and its parameters. `entry`: the parameters are
// the members of one element of that list member (PutEvents' Entries).
struct Subtype {
  std::string_view name, service, target, content_type, entry;
  std::vector<Param> params;
};

const std::vector<Subtype>& subtypes() {
  static const auto* kJson10 = "application/x-amz-json-1.0";
  static const auto* kJson11 = "application/x-amz-json-1.1";
  static const std::vector<Subtype> all = {
      {"SQS-SendMessage",
       "sqs",
       "AmazonSQS.SendMessage",
       kJson10,
       "",
       {{"QueueUrl", Kind::kString, true},
        {"MessageBody", Kind::kString, true},
        {"DelaySeconds", Kind::kInteger},
        {"MessageAttributes", Kind::kJson},
        {"MessageDeduplicationId"},
        {"MessageGroupId"},
        {"MessageSystemAttributes", Kind::kJson},
        {"Region"}}},
      {"SQS-ReceiveMessage",
       "sqs",
       "AmazonSQS.ReceiveMessage",
       kJson10,
       "",
       {{"QueueUrl", Kind::kString, true},
        {"AttributeNames", Kind::kList},
        {"MaxNumberOfMessages", Kind::kInteger},
        {"MessageAttributeNames", Kind::kList},
        {"ReceiveRequestAttemptId"},
        {"VisibilityTimeout", Kind::kInteger},
        {"WaitTimeSeconds", Kind::kInteger},
        {"Region"}}},
      {"SQS-DeleteMessage",
       "sqs",
       "AmazonSQS.DeleteMessage",
       kJson10,
       "",
       {{"QueueUrl", Kind::kString, true}, {"ReceiptHandle", Kind::kString, true}, {"Region"}}},
      {"SQS-PurgeQueue",
       "sqs",
       "AmazonSQS.PurgeQueue",
       kJson10,
       "",
       {{"QueueUrl", Kind::kString, true}, {"Region"}}},
      {"EventBridge-PutEvents",
       "events",
       "AWSEvents.PutEvents",
       kJson11,
       "Entries",
       {{"Detail", Kind::kString, true},
        {"DetailType", Kind::kString, true},
        {"Source", Kind::kString, true},
        {"Time"},
        {"EventBusName"},
        {"Resources", Kind::kList},
        {"TraceHeader"},
        {"Region"}}},
      {"StepFunctions-StartExecution",
       "states",
       "AWSStepFunctions.StartExecution",
       kJson10,
       "",
       {{"StateMachineArn", Kind::kString, true},
        {"Name"},
        {"Input"},
        {"TraceHeader"},
        {"Region"}}},
      {"StepFunctions-StartSyncExecution",
       "states",
       "AWSStepFunctions.StartSyncExecution",
       kJson10,
       "",
       {{"StateMachineArn", Kind::kString, true},
        {"Name"},
        {"Input"},
        {"TraceHeader"},
        {"Region"}}},
      {"StepFunctions-StopExecution",
       "states",
       "AWSStepFunctions.StopExecution",
       kJson10,
       "",
       {{"ExecutionArn", Kind::kString, true}, {"Cause"}, {"Error"}, {"Region"}}},
      {"Kinesis-PutRecord",
       "kinesis",
       "Kinesis_20131202.PutRecord",
       kJson11,
       "",
       {{"StreamName", Kind::kString, true},
        {"Data", Kind::kBlob, true},
        {"PartitionKey", Kind::kString, true},
        {"SequenceNumberForOrdering"},
        {"ExplicitHashKey"},
        {"Region"}}},
  };
  return all;
}

const Subtype* find_subtype(std::string_view name) {
  for (const auto& s : subtypes()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// The value at a dotted path ("order.items[0].id") in `doc`, or null.
const json::value* at_path(const json::value& doc, std::string_view path) {
  const json::value* v = &doc;
  while (!path.empty() && v != nullptr) {
    if (path.front() == '.') path.remove_prefix(1);
    if (path.empty()) break;
    if (path.front() == '[') {
      auto close = path.find(']');
      if (close == std::string_view::npos || !v->is_array()) return nullptr;
      size_t index = 0;
      for (char c : path.substr(1, close - 1)) {
        if (c < '0' || c > '9' || index > 1'000'000) return nullptr;
        index = index * 10 + static_cast<size_t>(c - '0');
      }
      v = index < v->as_array().size() ? &v->as_array()[index] : nullptr;
      path.remove_prefix(close + 1);
      continue;
    }
    auto end = path.find_first_of(".[");
    std::string_view key = path.substr(0, end);
    v = v->is_object() ? v->as_object().if_contains(key) : nullptr;
    path.remove_prefix(end == std::string_view::npos ? path.size() : end);
  }
  return v;
}

bool path_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '[' || c == ']';
}

// A parameter's value: $request.body[.PATH] from the (JSON) body, the rest
// as every HTTP API parameter mapping reads it.
std::string subtype_value(std::string_view text, const ProxyRequest& p,
                          std::optional<json::value>& body) {
  constexpr std::string_view kBody = "$request.body";
  std::string out;
  while (!text.empty()) {
    auto at = text.find(kBody);
    out += http_api_value(text.substr(0, at), p);
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + kBody.size());
    size_t end = 0;
    if (!text.empty() && text.front() == '.') {
      while (end < text.size() && path_char(text[end])) ++end;
    }
    std::string_view path = text.substr(0, end);
    text.remove_prefix(end);
    if (path.empty()) {
      out += p.request->body;
      continue;
    }
    if (!body) {
      boost::system::error_code ec;
      body = json::parse(p.request->body, ec);
      if (ec) body = json::value();
    }
    if (const auto* v = at_path(*body, path)) {
      out += v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
    }
  }
  return out;
}

// The member value of a parameter's text; nullopt when it does not read as
// its kind (the service then sees it missing and says so).
std::optional<json::value> typed(const Param& param, std::string text) {
  switch (param.kind) {
    case Kind::kString:
      return json::value(std::move(text));
    case Kind::kBlob:
      return json::value(base64_encode(text));
    case Kind::kInteger: {
      boost::system::error_code ec;
      auto v = json::parse(text, ec);
      if (ec || !v.is_int64()) return std::nullopt;
      return v;
    }
    case Kind::kList: {
      boost::system::error_code ec;
      auto v = json::parse(text, ec);
      if (!ec && v.is_array()) return v;
      json::array items;
      size_t start = 0;
      while (start <= text.size()) {
        auto comma = text.find(',', start);
        std::string item = text.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.erase(0, 1);
        while (!item.empty() && item.back() == ' ') item.pop_back();
        if (!item.empty()) items.emplace_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return json::value(std::move(items));
    }
    case Kind::kJson: {
      boost::system::error_code ec;
      auto v = json::parse(text, ec);
      if (ec || !v.is_object()) return std::nullopt;
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ServiceUri> parse_service_uri(std::string_view uri) {
  constexpr std::string_view kPrefix = "arn:aws:apigateway:";
  if (!uri.starts_with(kPrefix)) return std::nullopt;
  uri.remove_prefix(kPrefix.size());
  auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  ServiceUri out;
  out.region = std::string(uri.substr(0, colon));
  uri.remove_prefix(colon + 1);
  colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view service = uri.substr(0, colon);
  // "{subdomain}.{service}": the subdomain picks an endpoint on AWS (an
  // account's IoT data endpoint, say); nimbus has one endpoint per service.
  if (auto dot = service.rfind('.'); dot != std::string_view::npos) {
    service.remove_prefix(dot + 1);
  }
  if (service.empty()) return std::nullopt;
  out.service = std::string(service);
  uri.remove_prefix(colon + 1);
  if (uri.starts_with("action/")) {
    out.action = std::string(uri.substr(7));
    out.path = "/";
    if (out.action.empty() || out.action.find_first_of("/?&=") != std::string::npos)
      return std::nullopt;
  } else if (uri.starts_with("path/")) {
    out.path = "/" + std::string(uri.substr(5));
    if (out.path.size() == 1) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return out;
}

std::optional<ServiceRequest> rest_service_request(const boost::json::object& integration,
                                                   const ProxyRequest& p, std::string body) {
  // rest_request() maps the parameters onto the uri (path variables
  // substituted, the query appended) as for an HTTP integration.
  http::ClientRequest mapped = rest_request(integration, p);
  std::string_view url = mapped.url;
  std::string_view query;
  if (auto q = url.find('?'); q != std::string_view::npos) {
    query = url.substr(q + 1);
    url = url.substr(0, q);
  }
  auto uri = parse_service_uri(url);
  if (!uri) return std::nullopt;
  ServiceRequest out;
  out.request.method = std::move(mapped.method);
  out.request.target = uri->path;
  if (!query.empty()) {
    out.request.target += out.request.target.find('?') == std::string::npos ? '?' : '&';
    out.request.target += query;
  }
  for (auto& [name, value] : mapped.headers) {
    out.request.headers.emplace_back(http::to_lower(name), std::move(value));
  }
  out.request.body = std::move(body);
  out.request.remote = p.request->remote;
  out.uri = std::move(*uri);
  return out;
}

std::string endpoint_of(std::string_view host) {
  constexpr std::string_view kExecuteApi = ".execute-api.";
  if (auto at = host.find(kExecuteApi); at != std::string_view::npos) {
    host.remove_prefix(at + kExecuteApi.size());
  }
  return host.empty() ? std::string() : "http://" + std::string(host);
}

CallerRole integration_caller(std::string_view credentials) {
  if (credentials.empty() || credentials.find(":iam::*:") != std::string_view::npos) return {};
  return CallerRole{std::string(credentials), "apigateway.amazonaws.com", ""};
}

std::string configuration_error(const Error& error, std::string_view credentials) {
  if (error.code == "AccessDenied") {
    return "API Gateway does not have permission to assume the provided role " +
           std::string(credentials);
  }
  return error.message;
}

Status check_subtype(const json::object& integration) {
  std::string name = str(integration, "IntegrationSubtype");
  const Subtype* subtype = find_subtype(name);
  if (subtype == nullptr) {
    return errors::bad_request("Unsupported integration subtype: " + name);
  }
  const json::object* params = nullptr;
  if (const auto* m = integration.if_contains("RequestParameters"); m != nullptr && m->is_object())
    params = &m->as_object();
  for (const auto& param : subtype->params) {
    if (param.required && (params == nullptr || !params->contains(param.name))) {
      return errors::bad_request("Parameter " + std::string(param.name) + " is required for " +
                                 name + " integrations");
    }
  }
  if (params == nullptr) return Status::ok();
  for (const auto& [key, value] : *params) {
    bool known = false;
    for (const auto& param : subtype->params) known = known || param.name == key;
    if (!known || !value.is_string()) {
      return errors::bad_request("Parameter " + std::string(key) + " is not supported for " + name +
                                 " integrations");
    }
  }
  return Status::ok();
}

std::optional<ServiceRequest> subtype_request(const json::object& integration,
                                              const ProxyRequest& p, std::string_view region) {
  const Subtype* subtype = find_subtype(str(integration, "IntegrationSubtype"));
  if (subtype == nullptr) return std::nullopt;
  json::object input;
  ServiceRequest out;
  out.uri.service = std::string(subtype->service);
  out.uri.region = std::string(region);
  out.uri.path = "/";
  std::optional<json::value> body;  // parsed on first use
  if (const auto* m = integration.if_contains("RequestParameters");
      m != nullptr && m->is_object()) {
    for (const auto& param : subtype->params) {
      const auto* v = m->as_object().if_contains(param.name);
      if (v == nullptr || !v->is_string()) continue;
      std::string text = subtype_value(v->as_string(), p, body);
      if (param.name == "Region") {
        if (!text.empty()) out.uri.region = std::move(text);
        continue;
      }
      if (auto value = typed(param, std::move(text))) input[param.name] = std::move(*value);
    }
  }
  if (!subtype->entry.empty()) {
    input = json::object{{subtype->entry, json::array{std::move(input)}}};
  }
  out.request.method = "POST";
  out.request.target = "/";
  out.request.headers = {{"content-type", std::string(subtype->content_type)},
                         {"x-amz-target", std::string(subtype->target)}};
  out.request.body = json::serialize(input);
  out.request.remote = p.request->remote;
  return out;
}

}  // namespace nimbus::services::apigateway
