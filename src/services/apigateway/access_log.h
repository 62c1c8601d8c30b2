// Stage access logs: a stage's access log settings (REST accessLogSettings
// {destinationArn, format}, HTTP API AccessLogSettings {DestinationArn,
// Format}) name a CloudWatch Logs group and a line format with $context
// variables; each request answered on the stage adds one line to the group,
// written through CloudWatch Logs' LogWriter (services/logs/api.h), which
// queues it: the request never waits on storage.
//
// render() is pure; AccessLog::write may be called from any thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.h"
#include "services/logs/api.h"
#include "services/service.h"

namespace nimbus::services::apigateway {

// What a line can say about one request.
struct AccessRecord {
  bool http_api = false;
  std::string api_id, stage, account_id, request_id, domain_name;
  std::string http_method, path, resource_path, resource_id, route_key;
  std::string source_ip, user_agent, protocol = "HTTP/1.1";
  int64_t time_ms = 0;  // when the gateway received the request
  // Set when the answer goes out.
  int status = 0;
  size_t response_length = 0;
  int64_t latency_ms = 0;
  std::string error_message;  // the gateway's own {"message": ...} of an error
};

// A record of request `r` to stage `stage` received at `time_ms`: api id,
// method, path (as sent, with the stage), source IP, user agent, host.
std::shared_ptr<AccessRecord> start_record(const UserRequest& r, const std::string& stage,
                                           const std::string& request_id, int64_t time_ms);

// The log group of a CloudWatch Logs ARN (arn:aws:logs:R:A:log-group:NAME,
// with or without a trailing ":*"); empty for any other ARN.
std::string access_log_group(std::string_view destination_arn);

// `format` with each $context.NAME (letters, digits, '.', '_') replaced by
// the record's value, "-" when it has none (as AWS writes them).
std::string render_access_log(std::string_view format, const AccessRecord& r);

// The stage's settings read once per request: where lines go and how they
// read. `enabled()` is false when the stage logs nothing.
class AccessLog {
 public:
  AccessLog() = default;
  AccessLog(logs::LogWriter* writer, std::string group, std::string format)
      : writer_(writer), group_(std::move(group)), format_(std::move(format)) {}
  bool enabled() const { return writer_ != nullptr && !group_.empty() && !format_.empty(); }
  // The stage's settings (`http_api`: the apigatewayv2 member names); a
  // disabled log when `writer` is null or the stage logs nothing.
  static AccessLog of(logs::LogWriter* writer, const boost::json::object& stage, bool http_api);
  // Completes `r` from the answer (status, length, latency against
  // `now_ms`, the gateway's own error message).
  static void finish(AccessRecord& r, const http::Response& resp, int64_t now_ms);
  // Writes `r`'s line to the stage's stream ("{apiId}-{stage}").
  void write(const AccessRecord& r) const;

 private:
  logs::LogWriter* writer_ = nullptr;
  std::string group_, format_;
};

}  // namespace nimbus::services::apigateway
