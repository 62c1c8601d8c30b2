// serialize_output: a handler's output value to an HTTP response in the
// call's protocol. RPC protocols (awsQuery, ec2, awsJson, RPC v2 CBOR) put the
// whole output shape in the body; REST protocols first bind members to the status code and
// headers, then write the payload member or the remaining members as the body.
#include "protocol/serialize_internal.h"
#include "protocol/serialize_rest.h"

namespace nimbus::protocol {
namespace {

using ser::Ref;
using ser::sv;

std::string_view result_wrapper(const OperationModel& op) {
  if (op.raw == nullptr) return {};
  const auto* out = op.raw->if_contains("output");
  if (out == nullptr || !out->is_object()) return {};
  const auto* w = out->get_object().if_contains("resultWrapper");
  return w != nullptr && w->is_string() ? sv(w->get_string()) : std::string_view{};
}

void append_xmlns(std::string& out, std::string_view ns) {
  if (ns.empty()) return;
  out += " xmlns=\"";
  ser::xml_escape(out, ns, true);
  out += '"';
}

// <OpResponse xmlns><OpResult>members</OpResult><ResponseMetadata>...
std::string query_body(const ServiceModel& model, const OperationModel& op, const Ref& out,
                       const boost::json::object& output, std::string_view request_id) {
  std::string body = "<" + op.name + "Response";
  append_xmlns(body, model.xml_namespace());
  body += '>';
  if (out.valid()) {
    // awsQuery always wraps the result; botocore models name the wrapper.
    std::string wrapper(result_wrapper(op));
    if (wrapper.empty()) wrapper = op.name + "Result";
    body += "<" + wrapper + ">";
    ser::write_xml_members(body, model, out, output);
    body += "</" + wrapper + ">";
  }
  body += "<ResponseMetadata><RequestId>";
  ser::xml_escape(body, request_id, false);
  body += "</RequestId></ResponseMetadata></" + op.name + "Response>";
  return body;
}

// EC2 query: members directly under <OpResponse>, and a lower-case requestId.
std::string ec2_body(const ServiceModel& model, const OperationModel& op, const Ref& out,
                     const boost::json::object& output, std::string_view request_id) {
  std::string body = "<" + op.name + "Response";
  append_xmlns(body, model.xml_namespace());
  body += "><requestId>";
  ser::xml_escape(body, request_id, false);
  body += "</requestId>";
  if (out.valid()) ser::write_xml_members(body, model, out, output);
  body += "</" + op.name + "Response>";
  return body;
}

}  // namespace

http::Response serialize_output(const Call& call, const boost::json::object& output,
                                std::string_view request_id, bool fragments) {
  http::Response r;
  // Content-Type and the request id (three for S3), and room for one more:
  // the vector is sized once.
  r.headers.reserve(4);
  if (call.service == nullptr || call.operation == nullptr) {
    r.status = 500;
    r.body = "missing service model";
    ser::add_request_id(r, request_id, false);
    return r;
  }
  const ServiceModel& model = *call.service;
  const OperationModel& op = *call.operation;
  Ref out = ser::resolve_shape(model, op.output_shape);
  switch (call.protocol) {
    case Protocol::kQuery:
      r.body = query_body(model, op, out, output, request_id);
      r.set_header("Content-Type", "text/xml");
      ser::add_request_id(r, request_id, false);
      return r;
    case Protocol::kEc2:
      r.body = ec2_body(model, op, out, output, request_id);
      r.set_header("Content-Type", "text/xml;charset=UTF-8");
      ser::add_request_id(r, request_id, false);
      return r;
    case Protocol::kJson11Cbor: {
      cbor::Writer w;
      if (out.valid()) {
        ser::write_wire_cbor(w, model, out, output);
      } else {
        w.map(0);
      }
      r.body = w.take();
      r.set_header("Content-Type", "application/x-amz-cbor-1.1");
      ser::add_request_id(r, request_id, false);
      return r;
    }
    case Protocol::kRpcV2Cbor: {
      // An operation without output answers with no body (Smithy's
      // NoInputOutput); clients also accept an empty map.
      r.set_header("smithy-protocol", "rpc-v2-cbor");
      if (out.valid()) {
        cbor::Writer w(cbor::Epoch::kSeconds);
        ser::write_wire_cbor(w, model, out, output);
        r.body = w.take();
        r.set_header("Content-Type", "application/cbor");
      }
      ser::add_request_id(r, request_id, false);
      return r;
    }
    case Protocol::kJson10:
    case Protocol::kJson11: {
      if (out.valid()) {
        ser::write_wire_json(r.body, model, out, output, fragments);
      } else {
        r.body = "{}";
      }
      r.set_header("Content-Type", call.protocol == Protocol::kJson11
                                       ? "application/x-amz-json-1.1"
                                       : "application/x-amz-json-1.0");
      ser::add_request_id(r, request_id, false);
      return r;
    }
    case Protocol::kRestJson:
    case Protocol::kRestXml:
      break;
  }
  ser::serialize_rest(r, model, op, out, output, call.protocol == Protocol::kRestXml);
  ser::add_request_id(r, request_id, call.protocol == Protocol::kRestXml);
  return r;
}

http::Response serialize_query_json(const Call& call, const boost::json::object& output,
                                    std::string_view request_id) {
  if (call.service == nullptr || call.operation == nullptr)
    return serialize_output(call, output, request_id);
  const ServiceModel& model = *call.service;
  const OperationModel& op = *call.operation;
  Ref out = ser::resolve_shape(model, op.output_shape);
  boost::json::object result;
  if (out.valid()) {
    auto wire = ser::to_wire_json(model, out, output);
    if (wire.is_object()) result = std::move(wire.get_object());
    // AWS writes every member of the result, null when it has no value.
    if (const auto* shape = model.shape(op.output_shape)) {
      if (const auto* members = shape->if_contains("members"); members && members->is_object()) {
        for (const auto& [name, member] : members->get_object()) {
          (void)member;
          if (!result.contains(name)) result[name] = nullptr;
        }
      }
    }
  }
  std::string wrapper(result_wrapper(op));
  if (wrapper.empty()) wrapper = op.name + "Result";
  boost::json::object response;
  if (out.valid()) response[wrapper] = std::move(result);
  response["ResponseMetadata"] = boost::json::object{{"RequestId", request_id}};
  http::Response r;
  r.body = boost::json::serialize(boost::json::object{{op.name + "Response", std::move(response)}});
  r.set_header("Content-Type", "application/json");
  ser::add_request_id(r, request_id, false);
  return r;
}

}  // namespace nimbus::protocol
