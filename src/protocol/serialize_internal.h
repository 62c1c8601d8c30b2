// The output side of the protocol engine, shared by serialize_output.cc and
// serialize_error.cc: how a shape is seen through the member that references
// it, value formatting (base64, timestamps, numbers), and the XML and JSON
// writers that turn a handler's value (see services/service.h for the value
// conventions) into wire form. Internal to src/protocol/; pure functions.
#pragma once

#include "common/encoding.h"

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/text.h"
#include "http/message.h"
#include "protocol/cbor.h"
#include "protocol/model.h"

namespace nimbus::protocol::ser {

// A shape seen through the member that references it. As in botocore, the
// member's serialization traits (locationName, flattened, xmlNamespace,
// timestampFormat, location, ...) override those of the target shape.
struct Ref {
  const boost::json::object* shape = nullptr;   // target shape; never null when valid()
  const boost::json::object* member = nullptr;  // referencing member; may be null

  bool valid() const { return shape != nullptr; }
  std::string_view type() const;
  const boost::json::value* trait(std::string_view key) const;
  std::string_view str(std::string_view key) const;  // string trait or empty
  bool flag(std::string_view key) const;             // boolean trait, default false
  // locationName when set, else `fallback`.
  std::string_view name_or(std::string_view fallback) const;
};

// Resolves a member reference object ({"shape": "X", ...traits}).
Ref resolve(const ServiceModel& model, const boost::json::object& member_ref);
// Resolves a shape by name with no member traits (an operation's output).
Ref resolve_shape(const ServiceModel& model, std::string_view shape_name);
// The list member / map key / map value reference of a collection shape.
Ref child(const ServiceModel& model, const Ref& collection, std::string_view key);

// A JSON string as a view.
inline std::string_view sv(const boost::json::string& s) {
  return {s.data(), s.size()};
}

// A structure's members object, or nullptr.
inline const boost::json::object* members_of(const Ref& structure) {
  const auto* m = structure.shape->if_contains("members");
  return m != nullptr && m->is_object() ? &m->get_object() : nullptr;
}

// Formatting helpers.
using ::nimbus::base64_encode;
// `seconds` since the epoch; format is "iso8601", "rfc822" or "unixTimestamp".
std::string format_timestamp(double seconds, std::string_view format);
// A handler's timestamp value (number, or a numeric string) as epoch seconds.
double timestamp_seconds(const boost::json::value& v);
// Shortest round-trip text of a double; NaN/Infinity/-Infinity as AWS spells them.
std::string format_double(double d);
// Scalar value as text (header values, XML text); false for non-scalars.
bool scalar_text(const Ref& ref, const boost::json::value& v, std::string_view default_ts_format,
                 std::string& out);

using nimbus::xml_escape;

// Writes `<tag ...>value</tag>` (lists, maps, structures recursively).
void write_xml_value(std::string& out, const ServiceModel& model, const Ref& ref,
                     std::string_view tag, const boost::json::value& v);
// Writes the body members of a structure (skipping members bound to headers,
// the status code or xml attributes) as children of an already opened element.
void write_xml_members(std::string& out, const ServiceModel& model, const Ref& structure,
                       const boost::json::object& v);
// The attributes of a structure's element: xmlNamespace declaration and
// xmlAttribute members. Starts with a space when not empty.
std::string xml_struct_attributes(const ServiceModel& model, const Ref& structure,
                                  const boost::json::object* v);

// The wire JSON form of a value (blobs base64, timestamps per format, ...).
// With `body_only`, a structure's members bound elsewhere (header, headers,
// statusCode) are left out.
boost::json::value to_wire_json(const ServiceModel& model, const Ref& ref,
                                const boost::json::value& v, bool body_only = false);

// The same wire JSON written as text straight onto `out` (awsJson bodies:
// no intermediate value, so a PutRecords answer of 500 entries is not built
// twice). json::serialize(to_wire_json(...)) gives the same document.
void write_wire_json(std::string& out, const ServiceModel& model, const Ref& ref,
                     const boost::json::value& v);
// With `fragments`, a JSON fragment in the value (common/json_fragment.h) is
// copied as it is; without, it is an object like any other.
void write_wire_json(std::string& out, const ServiceModel& model, const Ref& structure,
                     const boost::json::object& v, bool fragments = false);
// write_wire_json keeps, per thread, how each model's shapes are written
// (it points into the models); a model being destroyed calls this so that
// none of those is used again.
void forget_plans();

// The same value in CBOR (blobs as byte strings, timestamps as tag 1 in the
// writer's unit: milliseconds for awsJson's CBOR form, seconds for RPC v2).
void write_wire_cbor(cbor::Writer& w, const ServiceModel& model, const Ref& ref,
                     const boost::json::value& v);

// Whether locationName names JSON members: true for JSON-native models; a
// query-native model (SQS, CloudWatch in botocore 1.29) spoken over awsJson
// has XML element names there, and awsJson uses member names.
bool uses_json_names(const ServiceModel& model);

// Where a member goes in a REST response (header, headers, statusCode);
// empty for the body.
std::string_view location_of(const Ref& member);

// The modeled error shape named `code` (a shape with "exception": true), or null.
const boost::json::object* error_shape(const ServiceModel* model, std::string_view code);

// One of an Error's fields (common/error.h) placed the way its error shape
// says. A field the shape lacks is a string body member / element.
struct ErrorField {
  std::string json_key;     // member name in a JSON body
  std::string xml_tag;      // element name in an XML body
  std::string header;       // header it is bound to (REST protocols); empty: the body
  boost::json::value json;  // JSON wire value, typed by the member's shape
  std::string text;         // XML element / header text
};
std::vector<ErrorField> error_fields(const ServiceModel* model, const boost::json::object* shape,
                                     const Error& error);

// Request id headers every response carries (plus S3's pair for restXml).
void add_request_id(http::Response& r, std::string_view request_id, bool s3_style);

}  // namespace nimbus::protocol::ser
