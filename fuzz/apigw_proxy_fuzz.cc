// Lambda proxy answers and AWS service integrations' text: whatever a
// function returns, the response mappers (payload formats 1.0 and 2.0)
// answer a response or refuse it; whatever an integration URI, an access
// log format or a subtype's parameter mapping and body hold, they are read
// or refused, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/apigateway/access_log.h"
#include "services/apigateway/aws_service.h"
#include "services/apigateway/proxy.h"

using namespace nimbus::services::apigateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto r = response_v1(in); r && (r->status < 100 || r->status > 599)) __builtin_trap();
  if (auto r = response_v2(in); r && (r->status < 100 || r->status > 599)) __builtin_trap();
  is_text_content(in);
  if (auto uri = parse_service_uri(in); uri && (uri->service.empty() || uri->path.empty()))
    __builtin_trap();
  AccessRecord record;
  record.error_message = std::string(in.substr(0, 64));
  render_access_log(in, record);
  access_log_group(in);
  // The first line is a parameter mapping, the rest the request's body.
  auto nl = in.find('\n');
  nimbus::http::Request request;
  request.body = std::string(nl == std::string_view::npos ? "" : in.substr(nl + 1));
  ProxyRequest p;
  p.request = &request;
  boost::json::object integration{
      {"IntegrationSubtype", "Kinesis-PutRecord"},
      {"RequestParameters", boost::json::object{{"Data", in.substr(0, nl)},
                                                {"StreamName", in.substr(0, nl)},
                                                {"PartitionKey", "$request.body"}}}};
  if (!subtype_request(integration, p, "us-east-1")) __builtin_trap();
  integration["IntegrationSubtype"] = "SQS-ReceiveMessage";
  integration["RequestParameters"] = boost::json::object{{"QueueUrl", in.substr(0, nl)},
                                                         {"AttributeNames", in.substr(0, nl)},
                                                         {"MaxNumberOfMessages", in.substr(0, nl)}};
  if (!subtype_request(integration, p, "us-east-1")) __builtin_trap();
  return 0;
}
