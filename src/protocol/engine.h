// The protocol engine: HTTP request -> (service, operation, validated input
// value) and output value / Error -> HTTP response, in the request's own
// protocol, driven entirely by the AWS service models embedded at build time.
//
// Thread-safety: a ModelRegistry is immutable after construction (models are
// parsed lazily on first use under an internal once-flag) and may be shared by
// every event loop. The free functions are pure.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/message.h"

namespace nimbus::protocol {

// kJson11Cbor: awsJson 1.1 with an `application/x-amz-cbor-1.1` body (the
// Java SDKs' default for Kinesis); answered in the same form.
enum class Protocol {
  kQuery,
  kJson10,
  kJson11,
  kJson11Cbor,
  kRestJson,
  kRestXml,
  kRpcV2Cbor,
  kEc2
};
std::string_view to_string(Protocol p);

class ServiceModel;    // one parsed service-2.json (defined in model.h)
class OperationModel;  // one operation of it

class ModelRegistry {
 public:
  // The models embedded in the binary, restricted to `services` (botocore
  // folder names such as "sts", "sqs"); empty = every embedded model.
  explicit ModelRegistry(std::vector<std::string> services = {});
  ~ModelRegistry();

  const ServiceModel* by_name(std::string_view name) const;  // "sqs"
  // The botocore version the embedded models come from ("1.43.11") and its
  // data folder on the build machine.
  static std::string_view botocore_version();
  static std::string_view models_from();
  static std::vector<std::string> embedded_services();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  friend struct Detector;
};

// One parsed request.
struct Call {
  Protocol protocol = Protocol::kRestXml;
  const ServiceModel* service = nullptr;
  const OperationModel* operation = nullptr;
  std::string service_name;    // "sts"
  std::string operation_name;  // "GetCallerIdentity"
  bool query_mode = false;     // awsJson request carrying x-amzn-query-mode: true
  boost::json::object input;   // shaped like the operation's input shape
};

// A request the engine could not turn into a Call still has a protocol (and
// maybe a service), so the error can be written the way the client expects.
struct ParseFailure {
  Protocol protocol = Protocol::kRestXml;
  const ServiceModel* service = nullptr;
  bool query_mode = false;
  Error error;
};

// `scope_service` is the service from the SigV4 credential scope ("sqs"), or
// empty; it settles doubt between services that share a protocol.
// On failure: unknown service / operation, malformed body, or validation
// errors with AWS's messages ("1 validation error detected: Value null at
// 'queueName' failed to satisfy constraint: Member must not be null").
struct ParseResult {
  std::optional<Call> call;
  std::optional<ParseFailure> failure;
};
ParseResult parse_request(const http::Request& request, const ModelRegistry& models,
                          std::string_view scope_service);

// True when the operation's input payload is a streaming blob (S3
// PutObject, UploadPart): the router may hand the body to the service as a
// stream (services::CallContext::payload) instead of parsing it into the
// input, where the payload member is then absent.
bool streams_input(const ServiceModel& service, const OperationModel& op);

// Serializes a handler's output in the call's protocol (query -> XML with
// ResponseMetadata/RequestId, json -> body, rest -> status/headers/body by
// the output shape's locations). Sets x-amzn-RequestId (and x-amz-request-id
// for S3) headers. `fragments`: the handler answered JSON fragments
// (services::Payload::json_fragments), which an awsJson body copies as
// they are (common/json_fragment.h).
http::Response serialize_output(const Call& call, const boost::json::object& output,
                                std::string_view request_id, bool fragments = false);

// An awsQuery call's output in the JSON form query services answer a request
// whose Accept is application/json (what API Gateway's AWS integrations
// receive): {"<Op>Response": {"<Op>Result": {members, absent ones null},
// "ResponseMetadata": {"RequestId": ...}}}, members written as awsJson writes
// them.
http::Response serialize_query_json(const Call& call, const boost::json::object& output,
                                    std::string_view request_id);

// Serializes an error in the protocol (query -> <ErrorResponse>, json ->
// {"__type": ...} plus x-amzn-query-error when query_mode, restXml -> <Error>).
// The HTTP status comes from error.http_status when set, else the model's
// error shape, else 400 for sender faults and 500 otherwise.
http::Response serialize_error(Protocol protocol, const ServiceModel* service, bool query_mode,
                               const Error& error, std::string_view request_id);

}  // namespace nimbus::protocol
