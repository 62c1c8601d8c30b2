#include "services/apigateway/access_log.h"

#include <boost/json.hpp>
#include <cctype>

#include "services/apigateway/invoke.h"
#include "services/apigateway/proxy.h"

namespace nimbus::services::apigateway {

namespace {

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_';
}

std::string or_dash(std::string v) {
  return v.empty() ? "-" : v;
}

// The value of context variable `name` ("requestId", "identity.sourceIp").
std::string value_of(std::string_view name, const AccessRecord& r) {
  if (name == "requestId" || name == "extendedRequestId") return or_dash(r.request_id);
  if (name == "apiId") return or_dash(r.api_id);
  if (name == "stage") return or_dash(r.stage);
  if (name == "accountId") return or_dash(r.account_id);
  if (name == "domainName") return or_dash(r.domain_name);
  if (name == "httpMethod") return or_dash(r.http_method);
  if (name == "path") return or_dash(r.path);
  if (name == "resourcePath") return or_dash(r.resource_path);
  if (name == "resourceId") return or_dash(r.resource_id);
  if (name == "routeKey") return or_dash(r.route_key);
  if (name == "protocol") return or_dash(r.protocol);
  if (name == "identity.sourceIp") return or_dash(r.source_ip);
  if (name == "identity.userAgent") return or_dash(r.user_agent);
  if (name == "requestTime") return clf_time(r.time_ms);
  if (name == "requestTimeEpoch") return std::to_string(r.time_ms);
  if (name == "status") return std::to_string(r.status);
  if (name == "responseLength") return std::to_string(r.response_length);
  if (name == "responseLatency") return std::to_string(r.latency_ms);
  if (name == "error.message") return or_dash(r.error_message);
  if (name == "error.messageString") {
    return r.error_message.empty() ? "-"
                                   : boost::json::serialize(boost::json::value(r.error_message));
  }
  return "-";
}

}  // namespace

std::shared_ptr<AccessRecord> start_record(const UserRequest& r, const std::string& stage,
                                           const std::string& request_id, int64_t time_ms) {
  auto record = std::make_shared<AccessRecord>();
  record->api_id = r.id;
  record->stage = stage;
  record->request_id = request_id;
  record->time_ms = time_ms;
  record->http_method = r.request.method;
  record->path = r.path;
  record->source_ip = source_ip(r.request.remote);
  record->user_agent = std::string(r.request.header("user-agent"));
  record->domain_name = domain_name(r);
  return record;
}

std::string access_log_group(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:logs:";
  if (!arn.starts_with(kPrefix)) return "";
  auto at = arn.find(":log-group:");
  if (at == std::string_view::npos) return "";
  std::string_view group = arn.substr(at + 11);
  if (group.ends_with(":*")) group.remove_suffix(2);
  return std::string(group);
}

std::string render_access_log(std::string_view format, const AccessRecord& r) {
  constexpr std::string_view kContext = "$context.";
  std::string out;
  out.reserve(format.size() + 64);
  size_t i = 0;
  while (i < format.size()) {
    if (format[i] != '$' || format.substr(i, kContext.size()) != kContext) {
      out += format[i++];
      continue;
    }
    size_t start = i + kContext.size(), end = start;
    while (end < format.size() && name_char(format[end])) ++end;
    // A trailing '.' ends the sentence, not the name.
    while (end > start && format[end - 1] == '.') --end;
    if (end == start) {
      out += format[i++];
      continue;
    }
    out += value_of(format.substr(start, end - start), r);
    i = end;
  }
  return out;
}

AccessLog AccessLog::of(logs::LogWriter* writer, const boost::json::object& stage, bool http_api) {
  if (writer == nullptr) return {};
  const auto* settings = stage.if_contains(http_api ? "AccessLogSettings" : "accessLogSettings");
  if (settings == nullptr || !settings->is_object()) return {};
  const auto& o = settings->as_object();
  const auto* arn = o.if_contains(http_api ? "DestinationArn" : "destinationArn");
  const auto* format = o.if_contains(http_api ? "Format" : "format");
  if (arn == nullptr || !arn->is_string() || format == nullptr || !format->is_string()) return {};
  return AccessLog(writer, access_log_group(arn->as_string()), std::string(format->as_string()));
}

void AccessLog::finish(AccessRecord& r, const http::Response& resp, int64_t now_ms) {
  r.status = resp.status;
  r.response_length = resp.stream ? resp.stream->size().value_or(0) : resp.body.size();
  r.latency_ms = now_ms - r.time_ms;
  if (resp.status >= 400 && resp.body.size() < 1024 && resp.body.starts_with("{\"message\"")) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(resp.body, ec);
    if (!ec && doc.is_object() && doc.as_object().size() == 1) {
      if (const auto* m = doc.as_object().if_contains("message"); m && m->is_string())
        r.error_message = std::string(m->as_string());
    }
  }
}

void AccessLog::write(const AccessRecord& r) const {
  if (!enabled()) return;
  writer_->put(group_, r.api_id + "-" + r.stage,
               {logs::LogEvent{r.time_ms + r.latency_ms, render_access_log(format_, r)}});
}

}  // namespace nimbus::services::apigateway
