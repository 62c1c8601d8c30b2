// An Error's fields (common/error.h) resolved against its error shape: the
// text a service gave becomes the member's type (Lambda's retryAfterSeconds
// is a string bound to the Retry-After header; an integer member becomes a
// JSON number), named as the protocol names members.
#include <charconv>

#include "protocol/serialize_internal.h"

namespace nimbus::protocol::ser {
namespace {

template <typename T>
bool parse_whole(std::string_view text, T& out) {
  const char* end = text.data() + text.size();
  auto r = std::from_chars(text.data(), end, out);
  return r.ec == std::errc() && r.ptr == end;
}

// The text as a value of the member's type (a structure, map or list from
// its JSON text); the text itself when it does not parse as one (the member's type then shows the
// service's mistake on the wire).
boost::json::value typed(const Ref& m, const std::string& text) {
  std::string_view type = m.type();
  if (type == "integer" || type == "long" || type == "short" || type == "byte") {
    int64_t n = 0;
    if (parse_whole(text, n)) return n;
  } else if (type == "float" || type == "double" || type == "timestamp") {
    double d = 0;
    if (parse_whole(text, d)) return d;
  } else if (type == "boolean" && (text == "true" || text == "false")) {
    return text == "true";
  } else if (type == "structure" || type == "map" || type == "list") {
    // JSON text of the value (DynamoDB's Item, CancellationReasons); blob
    // members inside hold raw bytes, not always UTF-8.
    boost::json::parse_options opts;
    opts.allow_invalid_utf8 = true;
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec, {}, opts);
    if (!ec) return v;
  }
  return boost::json::value(text);
}

}  // namespace

std::vector<ErrorField> error_fields(const ServiceModel* model, const boost::json::object* shape,
                                     const Error& error) {
  std::vector<ErrorField> out;
  if (!error.fields) return out;
  const boost::json::object* members = nullptr;
  if (shape != nullptr) {
    const auto* m = shape->if_contains("members");
    if (m != nullptr && m->is_object()) members = &m->get_object();
  }
  out.reserve(error.fields->size());
  for (const auto& [name, text] : *error.fields) {
    ErrorField f{name, name, {}, boost::json::value(text), text};
    const auto* mref = members != nullptr ? members->if_contains(name) : nullptr;
    Ref m = model != nullptr && mref != nullptr && mref->is_object()
                ? resolve(*model, mref->get_object())
                : Ref{};
    if (m.valid()) {
      boost::json::value v = typed(m, text);
      // A header-bound member keeps its member name where an RPC protocol,
      // which binds no headers, writes it in the body.
      if (location_of(m) == "header") {
        f.header = std::string(m.name_or(name));
      } else {
        f.xml_tag = std::string(m.name_or(name));
        if (uses_json_names(*model)) f.json_key = f.xml_tag;
      }
      f.json = to_wire_json(*model, m, v);
      if (std::string t; scalar_text(m, v, "iso8601", t)) f.text = std::move(t);
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace nimbus::protocol::ser
