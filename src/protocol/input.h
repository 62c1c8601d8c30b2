// The input side of the protocol engine: per-protocol parsers from the wire
// into one JSON value of the operation's input shape, REST routing, and
// validation with AWS's messages. Internal to src/protocol; the public entry
// point is parse_request() in engine.h. Pure functions, safe from any thread.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "protocol/cbor.h"
#include "protocol/model.h"

namespace nimbus::protocol::input {

using FormParams = std::vector<std::pair<std::string, std::string>>;

// awsQuery / ec2: decoded form parameters (Action and Version included; they
// are ignored) -> input value.
Result<boost::json::object> parse_query(const ServiceModel& model, const OperationModel& op,
                                        const FormParams& params);

// awsJson 1.0 / 1.1 body -> input value (an empty body is an empty input).
Result<boost::json::object> parse_json(const ServiceModel& model, const OperationModel& op,
                                       std::string_view body);
// A CBOR body -> input value (an empty body is an empty input): awsJson's
// CBOR form (application/x-amz-cbor-1.1, tag 1 over milliseconds) or RPC v2
// CBOR (application/cbor, tag 1 over seconds).
Result<boost::json::object> parse_cbor(const ServiceModel& model, const OperationModel& op,
                                       std::string_view body,
                                       cbor::Epoch epoch = cbor::Epoch::kMilliseconds);

// Content-Encoding names gzip: the body is a gzip member (RFC 1952).
bool gzip_encoded(const http::Request& request);
// The decompressed body; SerializationException when it is not one whole
// gzip member or inflates beyond `max_bytes`.
Result<std::string> gunzip(std::string_view body, size_t max_bytes);

// The REST operation whose method and requestUri match the request, or
// nullptr. Several operations may share a route (S3 PutObject / UploadPart):
// the one whose required header and query members are present wins.
// `path` is the request's path as the service sees it (S3's virtual-hosted
// style puts the bucket in the Host: "/bucket/key"); the request's own
// path when not given.
const OperationModel* match_rest(const ServiceModel& model, const http::Request& request);
const OperationModel* match_rest(const ServiceModel& model, const http::Request& request,
                                 std::string_view path);

// restJson / restXml: URI labels, query string, headers, payload -> input.
Result<boost::json::object> parse_rest(const ServiceModel& model, const OperationModel& op,
                                       const http::Request& request);
Result<boost::json::object> parse_rest(const ServiceModel& model, const OperationModel& op,
                                       const http::Request& request, std::string_view path);

// restXml body element -> value of `shape` (structure members, flattened or
// wrapped lists and maps, attributes).
Result<boost::json::value> parse_xml_body(const ServiceModel& model,
                                          const boost::json::object& shape, std::string_view body);

// Checks `input` against the operation's input shape: required members,
// types, min/max lengths and values, enums. The error's code is the model's
// validation error (ValidationError for query services, ValidationException
// otherwise) and its message AWS's ("1 validation error detected: ...").
// Fills input members a service takes from the request itself (the SQS
// queue-URL path); see request_defaults.cc.
void apply_request_defaults(const ServiceModel& service, const OperationModel& op,
                            const http::Request& request, boost::json::object& input);

Status validate(const ServiceModel& model, const OperationModel& op,
                const boost::json::object& input, Protocol wire);

// AWS's lower camel case of a member name, as validation messages show it.
std::string lower_camel(std::string_view name);

}  // namespace nimbus::protocol::input
