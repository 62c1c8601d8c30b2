// REST output bindings (see serialize_rest.h). Members bound with
// `location` go to the status code or headers; a `payload` member is the whole
// body (raw bytes for blobs and strings, a document otherwise); else the
// unbound members form a JSON object or an XML document.
#include <array>

#include "protocol/quirks.h"
#include "protocol/serialize_rest.h"

namespace nimbus::protocol::ser {
namespace {

const ServiceQuirks& quirks(const ServiceModel& model) {
  const ServiceQuirks& q = quirks_of(model.name());
  return q.s3_xml ? q : quirks_of(model.endpoint_prefix());
}

// One header value. Lists are comma-joined, strings holding a comma or a
// quote are quoted (RFC 9110 list syntax); timestamps default to HTTP dates.
bool header_value(const ServiceModel& model, const Ref& m, const boost::json::value& v,
                  std::string& out) {
  if (m.type() == "list") {
    if (!v.is_array()) return false;
    Ref item = child(model, m, "member");
    bool quote_items = item.type() == "string";
    for (const auto& e : v.get_array()) {
      std::string text;
      if (e.is_null() || !scalar_text(item, e, "rfc822", text)) continue;
      if (!out.empty()) out += ", ";
      if (quote_items && text.find_first_of(",\"") != std::string::npos) {
        out += '"';
        for (char c : text) {
          if (c == '"' || c == '\\') out += '\\';
          out += c;
        }
        out += '"';
      } else {
        out += text;
      }
    }
    return true;
  }
  if (m.flag("jsonvalue")) {
    out = base64_encode(boost::json::serialize(v));
    return true;
  }
  return scalar_text(m, v, "rfc822", out);
}

void bind_member(http::Response& r, const ServiceModel& model, const Ref& m, std::string_view name,
                 std::string_view location, const boost::json::value& v) {
  if (location == "header") {
    std::string text;
    if (header_value(model, m, v, text)) r.set_header(std::string(m.name_or(name)), text);
  } else if (location == "headers") {
    if (!v.is_object()) return;
    std::string prefix(m.str("locationName"));
    Ref val = child(model, m, "value");
    for (const auto& [k, e] : v.get_object()) {
      std::string text;
      if (!e.is_null() && scalar_text(val, e, "rfc822", text))
        r.set_header(prefix + std::string(k), text);
    }
  } else if (location == "statusCode") {
    if (v.is_int64()) r.status = static_cast<int>(v.get_int64());
    if (v.is_uint64()) r.status = static_cast<int>(v.get_uint64());
  }
}

void set_default_content_type(http::Response& r, std::string_view type) {
  if (r.header("Content-Type").empty()) r.set_header("Content-Type", std::string(type));
}

void write_payload(http::Response& r, const ServiceModel& model, const Ref& pm,
                   std::string_view name, const boost::json::value& v, bool xml) {
  std::string_view type = pm.type();
  if ((type == "blob" || type == "string") && v.is_string()) {
    const auto& s = v.get_string();
    r.body.assign(s.data(), s.size());
    set_default_content_type(r, type == "blob" ? "application/octet-stream" : "text/plain");
  } else if (xml) {
    write_xml_value(r.body, model, pm, pm.name_or(name), v);
    set_default_content_type(r, "application/xml");
  } else {
    r.body = boost::json::serialize(to_wire_json(model, pm, v));
    set_default_content_type(r, "application/json");
  }
}

std::string xml_document(const ServiceModel& model, const OperationModel& op, const Ref& out,
                         const boost::json::object& output) {
  std::string root = rest_xml_root(model, op, out);
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + root;
  if (out.trait("xmlNamespace") == nullptr) {
    std::string_view ns = model.xml_namespace();
    if (ns.empty() && quirks(model).s3_xml) ns = s3_xml_namespace();
    if (!ns.empty()) {
      body += " xmlns=\"";
      xml_escape(body, ns, true);
      body += '"';
    }
  }
  body += xml_struct_attributes(model, out, &output);
  body += '>';
  // S3's GetBucketLocation answers with the region as the root's text.
  const auto* only = output.if_contains(root);
  if (!quirks(model).text_root_operation.empty() && quirks(model).text_root_operation == op.name) {
    if (only != nullptr && only->is_string()) {
      const auto& s = only->get_string();
      xml_escape(body, {s.data(), s.size()}, false);
    }
  } else {
    write_xml_members(body, model, out, output);
  }
  body += "</" + root + ">";
  return body;
}

}  // namespace

std::string rest_xml_root(const ServiceModel& model, const OperationModel& op, const Ref& out) {
  if (auto name = out.str("locationName"); !name.empty()) return std::string(name);
  if (const ServiceQuirks& q = quirks(model); q.s3_xml) {
    for (const auto& e : q.xml_roots) {
      if (e.operation == op.name) return std::string(e.root);
    }
    return op.name + "Result";
  }
  return op.output_shape.empty() ? op.name + "Result" : op.output_shape;
}

void serialize_rest(http::Response& r, const ServiceModel& model, const OperationModel& op,
                    const Ref& out, const boost::json::object& output, bool xml) {
  r.status = op.success_status;
  const auto* members = out.valid() ? members_of(out) : nullptr;
  std::string_view payload = out.valid() ? out.str("payload") : std::string_view{};
  bool has_body_members = false;
  if (members != nullptr) {
    for (const auto& [name, mref] : *members) {
      if (!mref.is_object()) continue;
      Ref m = resolve(model, mref.get_object());
      if (!m.valid()) continue;
      std::string_view location = location_of(m);
      if (location.empty()) {
        if (name != payload && !m.flag("xmlAttribute")) has_body_members = true;
        continue;
      }
      const auto* v = output.if_contains(name);
      if (v != nullptr && !v->is_null()) bind_member(r, model, m, name, location, *v);
    }
  }
  if (const ServiceQuirks& q = quirks(model);
      !q.partial_content_member.empty() && r.status == 200 &&
      (op.http_method == "GET" || op.http_method == "HEAD")) {
    const auto* range = output.if_contains(q.partial_content_member);
    if (range != nullptr && !range->is_null()) r.status = 206;
  }
  // HEAD answers and 204/304 statuses carry no body.
  if (op.http_method == "HEAD" || r.status == 204 || r.status == 304) return;
  if (!payload.empty()) {
    const auto* pref = members != nullptr ? members->if_contains(payload) : nullptr;
    const auto* v = output.if_contains(payload);
    if (pref == nullptr || !pref->is_object() || v == nullptr || v->is_null()) return;
    write_payload(r, model, resolve(model, pref->get_object()), payload, *v, xml);
    return;
  }
  if (!out.valid()) return;
  if (xml) {
    if (!has_body_members) return;
    r.body = xml_document(model, op, out, output);
    set_default_content_type(r, "application/xml");
  } else {
    r.body = boost::json::serialize(to_wire_json(model, out, output, /*body_only=*/true));
    set_default_content_type(r, "application/json");
  }
}

}  // namespace nimbus::protocol::ser
