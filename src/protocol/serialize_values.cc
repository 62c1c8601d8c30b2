// Shape references and scalar formatting for the output side (see
// serialize_internal.h).
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "protocol/serialize_internal.h"

namespace nimbus::protocol::ser {
namespace {

const boost::json::object& empty_object() {
  static const boost::json::object kEmpty;
  return kEmpty;
}

}  // namespace

std::string_view Ref::type() const {
  return str("type");
}

const boost::json::value* Ref::trait(std::string_view key) const {
  if (member != nullptr) {
    if (const auto* v = member->if_contains(key)) return v;
  }
  return shape != nullptr ? shape->if_contains(key) : nullptr;
}

std::string_view Ref::str(std::string_view key) const {
  const auto* v = trait(key);
  return v != nullptr && v->is_string() ? sv(v->get_string()) : std::string_view{};
}

bool Ref::flag(std::string_view key) const {
  const auto* v = trait(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

std::string_view Ref::name_or(std::string_view fallback) const {
  const auto* v = trait("locationName");
  return v != nullptr && v->is_string() ? sv(v->get_string()) : fallback;
}

Ref resolve(const ServiceModel& model, const boost::json::object& member_ref) {
  const auto* name = member_ref.if_contains("shape");
  if (name == nullptr || !name->is_string()) return {};
  return Ref{model.shape(sv(name->get_string())), &member_ref};
}

Ref resolve_shape(const ServiceModel& model, std::string_view shape_name) {
  if (shape_name.empty()) return {};
  return Ref{model.shape(shape_name), nullptr};
}

Ref child(const ServiceModel& model, const Ref& collection, std::string_view key) {
  const auto* v = collection.shape != nullptr ? collection.shape->if_contains(key) : nullptr;
  if (v == nullptr || !v->is_object()) return Ref{&empty_object(), nullptr};
  Ref r = resolve(model, v->get_object());
  if (!r.valid()) r.shape = &empty_object();
  return r;
}

std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, res.ptr);
}

double timestamp_seconds(const boost::json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_string()) {
    double d = 0;
    const auto& s = v.get_string();
    std::from_chars(s.data(), s.data() + s.size(), d);
    return d;
  }
  return 0;
}

std::string format_timestamp(double seconds, std::string_view format) {
  double whole = std::floor(seconds);
  long long millis = std::llround((seconds - whole) * 1000.0);
  auto secs = static_cast<std::time_t>(whole);
  if (millis >= 1000) {
    secs += 1;
    millis -= 1000;
  }
  if (format == "unixTimestamp") {
    if (millis == 0) return std::to_string(static_cast<long long>(secs));
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(secs), millis);
    std::string s(buf);
    while (s.back() == '0') s.pop_back();
    return s;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  if (format == "rfc822") {
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
  }
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string s(buf);
  if (millis != 0) {
    std::snprintf(buf, sizeof buf, ".%03lld", millis);
    s += buf;
  }
  s += 'Z';
  return s;
}

bool scalar_text(const Ref& ref, const boost::json::value& v, std::string_view default_ts_format,
                 std::string& out) {
  std::string_view type = ref.type();
  if (type == "structure" || type == "list" || type == "map") return false;
  if (v.is_object() || v.is_array()) return false;
  if (type == "timestamp") {
    auto fmt = ref.str("timestampFormat");
    out = format_timestamp(timestamp_seconds(v), fmt.empty() ? default_ts_format : fmt);
    return true;
  }
  if (type == "blob" && v.is_string()) {
    out = base64_encode(sv(v.get_string()));
    return true;
  }
  switch (v.kind()) {
    case boost::json::kind::string:
      out = sv(v.get_string());
      return true;
    case boost::json::kind::bool_:
      out = v.get_bool() ? "true" : "false";
      return true;
    case boost::json::kind::int64:
      out = std::to_string(v.get_int64());
      return true;
    case boost::json::kind::uint64:
      out = std::to_string(v.get_uint64());
      return true;
    case boost::json::kind::double_:
      if (type == "integer" || type == "long" || type == "short" || type == "byte") {
        out = std::to_string(static_cast<long long>(v.get_double()));
      } else {
        out = format_double(v.get_double());
      }
      return true;
    default:
      return false;
  }
}

std::string_view location_of(const Ref& member) {
  // Only the member itself binds a location, never the target shape. In a
  // response only these three mean anything; a "uri" or "querystring" member
  // of a shape shared with the input is an ordinary body member.
  if (member.member == nullptr) return {};
  const auto* v = member.member->if_contains("location");
  if (v == nullptr || !v->is_string()) return {};
  std::string_view loc = sv(v->get_string());
  return loc == "header" || loc == "headers" || loc == "statusCode" ? loc : std::string_view{};
}

const boost::json::object* error_shape(const ServiceModel* model, std::string_view code) {
  if (model == nullptr || code.empty()) return nullptr;
  const auto* s = model->shape(code);
  if (s == nullptr) return nullptr;
  const auto* exc = s->if_contains("exception");
  return exc != nullptr && exc->is_bool() && exc->get_bool() ? s : nullptr;
}

void add_request_id(http::Response& r, std::string_view request_id, bool s3_style) {
  r.set_header("x-amzn-RequestId", std::string(request_id));
  if (s3_style) {
    r.set_header("x-amz-request-id", std::string(request_id));
    r.set_header("x-amz-id-2", base64_encode(request_id));
  }
}

}  // namespace nimbus::protocol::ser
