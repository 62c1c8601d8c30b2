// serialize_error: an Error to the protocol's error response.
//
// The status comes from Error::http_status, else the model's error shape
// (error.httpStatusCode), else 400/500 by fault. awsQuery (and query-compatible
// awsJson through the x-amzn-query-error header) use the shape's legacy
// error.code (SQS: "AWS.SimpleQueueService.NonExistentQueue"); the other
// protocols use the shape name. Shapes are written the way botocore reads them
// (botocore/parsers.py: QueryParser, BaseJSONParser, RestJSONParser,
// RestXMLParser error parsing). An Error's fields (common/error.h) follow
// code and message: JSON body members, elements inside <Error>, or headers
// where a REST shape binds the member to one.
#include "protocol/quirks.h"
#include "protocol/serialize_internal.h"

namespace nimbus::protocol {
namespace {

using ser::xml_escape;

struct Resolved {
  int status = 400;
  bool sender = true;
  std::string wire_code;                       // legacy query code
  const boost::json::object* shape = nullptr;  // the modeled error shape, if any
};

Resolved resolve_error(const ServiceModel* service, const Error& error) {
  Resolved r;
  r.shape = ser::error_shape(service, error.code);
  r.sender = error.sender_fault;
  r.wire_code = error.code;
  int modeled_status = 0;
  if (r.shape != nullptr) {
    if (const auto* f = r.shape->if_contains("fault"); f != nullptr && f->is_bool()) {
      r.sender = !f->get_bool();
    }
    const auto* traits = r.shape->if_contains("error");
    if (traits != nullptr && traits->is_object()) {
      const auto& t = traits->get_object();
      if (const auto* s = t.if_contains("httpStatusCode"); s != nullptr && s->is_int64()) {
        modeled_status = static_cast<int>(s->get_int64());
      }
      if (const auto* sf = t.if_contains("senderFault"); sf != nullptr && sf->is_bool()) {
        r.sender = sf->get_bool();
      }
      if (const auto* c = t.if_contains("code"); c != nullptr && c->is_string()) {
        r.wire_code = std::string(c->get_string());
      }
    }
  }
  r.status = error.http_status != 0 ? error.http_status
             : modeled_status != 0  ? modeled_status
             : r.sender             ? 400
                                    : 500;
  return r;
}

// The JSON key an error shape gives its message ("message" or "Message").
std::string message_key(const ServiceModel* service, const Resolved& r) {
  if (r.shape == nullptr) return "message";
  const auto* members = r.shape->if_contains("members");
  if (members == nullptr || !members->is_object()) return "message";
  for (const auto& [name, mref] : members->get_object()) {
    if (!http::iequals(name, "message") || !mref.is_object()) continue;
    return std::string(ser::resolve(*service, mref.get_object()).name_or(name));
  }
  return "message";
}

void xml_element(std::string& out, std::string_view tag, std::string_view text) {
  out += '<';
  out += tag;
  out += '>';
  xml_escape(out, text, false);
  out += "</";
  out += tag;
  out += '>';
}

// The fields as elements; with `headers`, header-bound ones go to headers.
void write_fields_xml(std::string& out, http::Response& resp,
                      const std::vector<ser::ErrorField>& fields, bool headers) {
  for (const auto& f : fields) {
    if (headers && !f.header.empty()) {
      resp.set_header(f.header, f.text);
    } else {
      xml_element(out, f.xml_tag, f.text);
    }
  }
}

std::string error_response_xml(const ServiceModel* service, const Resolved& r, const Error& error,
                               const std::vector<ser::ErrorField>& fields, http::Response& resp,
                               bool rest, std::string_view request_id) {
  std::string body = "<ErrorResponse";
  if (service != nullptr && !service->xml_namespace().empty()) {
    body += " xmlns=\"";
    xml_escape(body, service->xml_namespace(), true);
    body += '"';
  }
  body += "><Error>";
  xml_element(body, "Type", r.sender ? "Sender" : "Receiver");
  xml_element(body, "Code", r.wire_code);
  xml_element(body, "Message", error.message);
  write_fields_xml(body, resp, fields, rest);
  body += "</Error>";
  xml_element(body, "RequestId", request_id);
  body += "</ErrorResponse>";
  return body;
}

// An unknown REST-XML service is answered as S3, whose requests are the
// ones that reach here unclaimed.
bool is_s3(const ServiceModel* service) {
  return service == nullptr || quirks_of(service->name()).s3_xml ||
         quirks_of(service->endpoint_prefix()).s3_xml;
}

}  // namespace

http::Response serialize_error(Protocol protocol, const ServiceModel* service, bool query_mode,
                               const Error& error, std::string_view request_id) {
  Resolved r = resolve_error(service, error);
  auto fields = ser::error_fields(service, r.shape, error);
  http::Response resp;
  resp.status = r.status;
  switch (protocol) {
    case Protocol::kQuery:
      resp.body = error_response_xml(service, r, error, fields, resp, false, request_id);
      resp.set_header("Content-Type", "text/xml");
      break;
    case Protocol::kEc2:
      resp.body = "<Response><Errors><Error>";
      xml_element(resp.body, "Code", r.wire_code);
      xml_element(resp.body, "Message", error.message);
      write_fields_xml(resp.body, resp, fields, false);
      resp.body += "</Error></Errors>";
      xml_element(resp.body, "RequestID", request_id);
      resp.body += "</Response>";
      resp.set_header("Content-Type", "text/xml;charset=UTF-8");
      break;
    case Protocol::kJson10:
    case Protocol::kJson11:
    case Protocol::kJson11Cbor:
    case Protocol::kRpcV2Cbor: {
      boost::json::object body;
      body["__type"] = error.code;
      body[message_key(service, r)] = error.message;
      for (const auto& f : fields) body[f.json_key] = f.json;
      if (protocol == Protocol::kJson11Cbor || protocol == Protocol::kRpcV2Cbor) {
        cbor::Writer w;
        w.json(body);
        resp.body = w.take();
        if (protocol == Protocol::kRpcV2Cbor) {
          resp.set_header("Content-Type", "application/cbor");
          resp.set_header("smithy-protocol", "rpc-v2-cbor");
        } else {
          resp.set_header("Content-Type", "application/x-amz-cbor-1.1");
        }
      } else {
        resp.body = boost::json::serialize(body);
        resp.set_header("Content-Type", protocol == Protocol::kJson11
                                            ? "application/x-amz-json-1.1"
                                            : "application/x-amz-json-1.0");
      }
      // Query-compatible services also name the legacy code, so clients that
      // knew the service over awsQuery keep seeing the codes they knew.
      // A query-native model spoken over awsJson (SQS and CloudWatch in
      // botocore 1.29 models) is query-compatible by definition.
      if (query_mode || (service != nullptr && (service->query_compatible() ||
                                                service->protocol() == Protocol::kQuery))) {
        resp.set_header("x-amzn-query-error", r.wire_code + (r.sender ? ";Sender" : ";Receiver"));
      }
      break;
    }
    case Protocol::kRestJson: {
      boost::json::object body;
      body[message_key(service, r)] = error.message;
      // Lambda's error shapes carry a Type member: "User" or "Service".
      if (r.shape != nullptr) {
        const auto* members = r.shape->if_contains("members");
        if (members != nullptr && members->is_object() && members->get_object().contains("Type")) {
          body["Type"] = r.sender ? "User" : "Service";
        }
      }
      for (const auto& f : fields) {
        if (!f.header.empty()) {
          resp.set_header(f.header, f.text);
        } else {
          body[f.json_key] = f.json;
        }
      }
      resp.body = boost::json::serialize(body);
      resp.set_header("Content-Type", "application/json");
      resp.set_header("x-amzn-ErrorType", error.code);
      break;
    }
    case Protocol::kRestXml:
      if (is_s3(service)) {
        resp.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>";
        // S3 names a server-side failure InternalError, not the common
        // InternalFailure (Error::internal) the other services use.
        xml_element(resp.body, "Code",
                    r.wire_code == "InternalFailure" ? "InternalError" : r.wire_code);
        xml_element(resp.body, "Message", error.message);
        write_fields_xml(resp.body, resp, fields, true);
        xml_element(resp.body, "RequestId", request_id);
        xml_element(resp.body, "HostId", ser::base64_encode(request_id));
        resp.body += "</Error>";
      } else {
        resp.body = error_response_xml(service, r, error, fields, resp, true, request_id);
      }
      resp.set_header("Content-Type", "application/xml");
      break;
  }
  ser::add_request_id(resp, request_id, protocol == Protocol::kRestXml);
  return resp;
}

}  // namespace nimbus::protocol
