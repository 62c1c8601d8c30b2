#include "services/lambda/util.h"
#include "common/time_format.h"

#include <charconv>
#include <ctime>
#include <vector>

#include "common/request_id.h"

namespace nimbus::services::lambda {

FunctionRef parse_function_name(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  FunctionRef ref;
  if (parts.size() >= 7 && parts[0] == "arn") {  // arn:aws:lambda:R:A:function:N[:Q]
    ref.name = parts[6];
    if (parts.size() >= 8) ref.qualifier = parts[7];
  } else if (parts.size() >= 3 && parts[1] == "function") {  // A:function:N[:Q]
    ref.name = parts[2];
    if (parts.size() >= 4) ref.qualifier = parts[3];
  } else {
    ref.name = parts[0];
    if (parts.size() >= 2) ref.qualifier = parts[1];
  }
  return ref;
}

std::string function_arn(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn = "arn:aws:lambda:";
  arn.append(region).append(":").append(account).append(":function:").append(name);
  return arn;
}

std::string lambda_time(int64_t epoch_ms) {
  return utc_millis(epoch_ms, "+0000");
}

Status check_revision(const json::object& in, const json::object& config) {
  if (has(in, "RevisionId") && str(in, "RevisionId") != str(config, "RevisionId")) {
    return stale_revision();
  }
  return Status::ok();
}

json::object as_pending(json::object c, bool create) {
  if (create) {
    c["State"] = "Pending";
    c["StateReason"] = "The function is being created.";
    c["StateReasonCode"] = "Creating";
  } else {
    c["LastUpdateStatus"] = "InProgress";
    c["LastUpdateStatusReason"] = "The function is being created.";
    c["LastUpdateStatusReasonCode"] = "Creating";
  }
  return c;
}

std::string new_revision_id() {
  return new_request_id();
}

}  // namespace nimbus::services::lambda
