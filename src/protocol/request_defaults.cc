// Input members a service takes from the request itself rather than from its
// parameters. Kept in one place so the parsers stay generic.
//
// SQS: awsQuery clients (boto3 before the JSON switch, the AWS CLI v1 of that
// era, many older SDKs) POST to the queue URL's own path, /ACCOUNT/NAME, and
// may leave QueueUrl out of the form; SQS takes the queue from the path.
#include <string>

#include "protocol/input.h"
#include "protocol/model.h"
#include "protocol/quirks.h"

namespace nimbus::protocol::input {

namespace json = boost::json;

namespace {

bool is_queue_path(std::string_view path) {  // "/123456789012/name"
  if (path.size() < 15 || path[0] != '/' || path[13] != '/') return false;
  for (size_t i = 1; i <= 12; ++i) {
    if (path[i] < '0' || path[i] > '9') return false;
  }
  return path.find('/', 14) == std::string_view::npos;
}

}  // namespace

void apply_request_defaults(const ServiceModel& service, const OperationModel& op,
                            const http::Request& request, json::object& input) {
  if (!quirks_of(service.name()).queue_url_path || input.contains("QueueUrl")) return;
  const auto* shape = service.input_shape(op);
  const auto* members = shape ? shape->if_contains("members") : nullptr;
  if (members == nullptr || !members->is_object() || !members->get_object().contains("QueueUrl"))
    return;
  std::string_view path = request.path();
  if (!is_queue_path(path)) return;
  std::string_view host = request.header("host");
  if (host.empty()) host = "localhost";
  input["QueueUrl"] = "http://" + std::string(host) + std::string(path);
}

}  // namespace nimbus::protocol::input
