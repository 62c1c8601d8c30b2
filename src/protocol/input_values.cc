#include "protocol/input_values.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace nimbus::protocol::input {
namespace json = boost::json;

std::string_view str_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return {v->get_string().data(), v->get_string().size()};
}

bool bool_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const json::object* target(const ServiceModel& model, const json::object& ref) {
  return model.shape(str_of(ref, "shape"));
}

std::string_view type_of(const json::object& shape) {
  return str_of(shape, "type");
}

bool is_scalar_type(std::string_view t) {
  return t != "structure" && t != "list" && t != "map" && t != "document";
}

Error serialization_error(std::string message) {
  return Error::make("SerializationException", std::move(message), 400);
}

// ---- base64 / percent-decoding ----------------------------------------------

std::vector<std::string_view> split_views(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto pos = s.find(sep);
    out.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) return out;
    s = s.substr(pos + 1);
  }
}

const std::string* first_query(const std::vector<std::pair<std::string, std::string>>& q,
                               std::string_view key) {
  for (const auto& [k, v] : q) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string_view header_of(const http::Request& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (http::iequals(k, name)) return v;
  }
  return {};
}

bool has_header_of(const http::Request& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (http::iequals(k, name)) return true;
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> parse_form(std::string_view in) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!in.empty()) {
    auto amp = in.find('&');
    auto part = in.substr(0, amp);
    in = amp == std::string_view::npos ? std::string_view{} : in.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(percent_decode(part, true), std::string());
    } else {
      out.emplace_back(percent_decode(part.substr(0, eq), true),
                       percent_decode(part.substr(eq + 1), true));
    }
  }
  return out;
}

// ---- timestamps ---------------------------------------------------------------

namespace {

// A base64 blob decoded straight into the string the input value holds (a
// Kinesis record's Data, a Lambda payload), with no intermediate copy.
std::optional<json::string> decode_blob(std::string_view text) {
  json::string out;
  out.resize(base64_decoded_max(text.size()));
  auto n = base64_decode_to(text, out.data());
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Reads exactly `n` digits at s[pos].
bool digits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool valid_civil(int y, int mo, int d, int h, int mi, int se) {
  return y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 24 && mi >= 0 &&
         mi <= 59 && se >= 0 && se <= 60;
}

std::optional<double> parse_iso8601(std::string_view s) {
  std::size_t p = 0;
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!digits(s, p, 4, y) || p >= s.size() || s[p++] != '-' || !digits(s, p, 2, mo) ||
      p >= s.size() || s[p++] != '-' || !digits(s, p, 2, d)) {
    return std::nullopt;
  }
  double frac = 0;
  int64_t offset = 0;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
    ++p;
    if (!digits(s, p, 2, h) || p >= s.size() || s[p++] != ':' || !digits(s, p, 2, mi)) {
      return std::nullopt;
    }
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!digits(s, p, 2, se)) return std::nullopt;
    }
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      ++p;
      double scale = 0.1;
      std::size_t start = p;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        frac += (s[p] - '0') * scale;
        scale /= 10;
        ++p;
      }
      if (p == start) return std::nullopt;
    }
    if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
      ++p;
    } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
      int sign = s[p++] == '-' ? -1 : 1, oh, om = 0;
      if (!digits(s, p, 2, oh)) return std::nullopt;
      if (p < s.size() && s[p] == ':') ++p;
      if (p < s.size() && !digits(s, p, 2, om)) return std::nullopt;
      offset = sign * (oh * 3600 + om * 60);
    }
  }
  if (p != s.size() || !valid_civil(y, mo, d, h, mi, se)) return std::nullopt;
  int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                 h * 3600 + mi * 60 + se - offset;
  return static_cast<double>(secs) + frac;
}

std::optional<double> parse_rfc822(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::size_t p = 0;
  if (auto comma = s.find(','); comma != std::string_view::npos) p = comma + 1;
  auto skip_spaces = [&] {
    while (p < s.size() && (s[p] == ' ' || s[p] == '-')) ++p;
  };
  skip_spaces();
  int d, y, h, mi, se = 0;
  std::size_t start = p;
  if (!digits(s, p, 2, d)) {
    p = start;
    if (!digits(s, p, 1, d)) return std::nullopt;
  }
  skip_spaces();
  if (p + 3 > s.size()) return std::nullopt;
  int mo = 0;
  for (int i = 0; i < 12; ++i) {
    if (s.substr(p, 3) == kMonths[i]) mo = i + 1;
  }
  if (mo == 0) return std::nullopt;
  p += 3;
  skip_spaces();
  start = p;
  if (!digits(s, p, 4, y)) {
    p = start;
    if (!digits(s, p, 2, y)) return std::nullopt;
    y += y < 70 ? 2000 : 1900;
  }
  skip_spaces();
  if (!digits(s, p, 2, h) || p >= s.size() || s[p++] != ':' || !digits(s, p, 2, mi)) {
    return std::nullopt;
  }
  double frac = 0;
  if (p < s.size() && s[p] == ':') {
    ++p;
    if (!digits(s, p, 2, se)) return std::nullopt;
    if (p < s.size() && s[p] == '.') {
      ++p;
      double scale = 0.1;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        frac += (s[p++] - '0') * scale;
        scale /= 10;
      }
    }
  }
  while (p < s.size() && s[p] == ' ') ++p;
  auto zone = s.substr(p);
  if (!zone.empty() && zone != "GMT" && zone != "UTC" && zone != "Z" && zone != "+0000") {
    return std::nullopt;
  }
  if (!valid_civil(y, mo, d, h, mi, se)) return std::nullopt;
  int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                 h * 3600 + mi * 60 + se;
  return static_cast<double>(secs) + frac;
}

std::optional<double> parse_double(std::string_view s) {
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "Infinity") return std::numeric_limits<double>::infinity();
  if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  double d = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return d;
}

std::optional<int64_t> parse_int(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool in_range(std::string_view type, int64_t v) {
  if (type == "byte") return v >= -128 && v <= 127;
  if (type == "short") return v >= -32768 && v <= 32767;
  if (type == "integer") {
    return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
  }
  return true;
}

bool is_integer_type(std::string_view t) {
  return t == "integer" || t == "long" || t == "byte" || t == "short" || t == "bigInteger";
}

}  // namespace

std::optional<double> parse_timestamp(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (auto d = parse_double(text); d && std::isfinite(*d)) return d;
  if (auto d = parse_iso8601(text)) return d;
  return parse_rfc822(text);
}

json::value epoch_value(double seconds) {
  if (std::isfinite(seconds) && std::floor(seconds) == seconds && std::fabs(seconds) < 9.0e15) {
    return json::value(static_cast<int64_t>(seconds));
  }
  return json::value(seconds);
}

Result<json::value> scalar_from_text(const json::object& shape, std::string_view text,
                                     std::string_view where, bool blob_base64) {
  auto type = type_of(shape);
  auto bad = [&](std::string_view what) -> Error {
    return serialization_error("Value '" + std::string(text.substr(0, 256)) + "' at '" +
                               std::string(where) + "' is not a valid " + std::string(what));
  };
  if (type == "string" || type.empty()) return json::value(json::string(text));
  if (type == "boolean") {
    if (text == "true" || text == "TRUE" || text == "True") return json::value(true);
    if (text == "false" || text == "FALSE" || text == "False") return json::value(false);
    return bad("boolean");
  }
  if (is_integer_type(type)) {
    auto v = parse_int(text);
    if (!v || !in_range(type, *v)) return bad(type);
    return json::value(*v);
  }
  if (type == "float" || type == "double" || type == "bigDecimal") {
    auto v = parse_double(text);
    if (!v) return bad(type);
    return json::value(*v);
  }
  if (type == "blob") {
    if (!blob_base64) return json::value(json::string(text));
    auto raw = decode_blob(text);
    if (!raw) return bad("base64 blob");
    return json::value(std::move(*raw));
  }
  if (type == "timestamp") {
    auto t = parse_timestamp(text);
    if (!t) return bad("timestamp");
    return epoch_value(*t);
  }
  return bad(type);
}

namespace {

// A copy of `v` on the default allocator, which the object or array it goes
// into then takes as it is: a plain copy would land in the storage of the
// document it was read from (parse_json's per-request arena) and be copied
// again on insertion.
json::value own(const json::value& v) {
  return json::value(v, json::storage_ptr());
}

Result<json::value> shape_value(const ServiceModel& model, const ShapeInfo& shape,
                                const json::value& v, std::string_view where, int depth) {
  if (depth > 64)
    return serialization_error("Input nested too deeply at '" + std::string(where) + "'");
  auto type = shape.document ? std::string_view("document") : shape.type;
  auto mismatch = [&](std::string_view expected) -> Error {
    return serialization_error("Unexpected value type at '" + std::string(where) + "': expected " +
                               std::string(expected));
  };
  if (type == "structure") {
    if (!v.is_object()) return mismatch("an object");
    json::object out;
    if (!shape.has_members) return json::value(std::move(out));
    // JSON-protocol models name members on the wire by locationName; a query
    // model reached over awsJson (SQS, CloudWatch) uses the member names.
    bool use_location = model.protocol() != Protocol::kQuery && model.protocol() != Protocol::kEc2;
    std::string sub;  // a member's place, in one buffer for all of them
    auto add = [&](const ShapeInfo::Member& m, const json::value& field) -> Status {
      if (m.target == nullptr) return Status::ok();
      sub.assign(where);
      if (!where.empty()) sub += '.';
      sub.append(m.name);
      auto value = shape_value(model, *m.target, field, sub, depth + 1);
      if (!value) return value.take_error();
      out.emplace(m.name, std::move(*value));
      return Status::ok();
    };
    // A union such as DynamoDB's AttributeValue has ten members and one set,
    // once per attribute of every item: when the wire names are the member
    // names, look the one up instead of the ten.
    const auto& fields = v.get_object();
    out.reserve(fields.size());  // at most one member per field: no rehash as it grows
    if (fields.size() <= 1 && (!use_location || !shape.location_names)) {
      for (const auto& [name, field] : fields) {
        const auto* m = shape.find({name.data(), name.size()});
        if (m == nullptr || field.is_null()) continue;
        if (auto st = add(*m, field); !st) return st.take_error();
      }
      return json::value(std::move(out));
    }
    for (const auto& m : shape.members) {
      auto wire = use_location && !m.location.empty() ? m.location : m.name;
      const auto* field = fields.if_contains(wire);
      if (field == nullptr && wire != m.name) field = fields.if_contains(m.name);
      if (field == nullptr || field->is_null()) continue;
      if (auto st = add(m, *field); !st) return st.take_error();
    }
    return json::value(std::move(out));
  }
  if (type == "list") {
    if (!v.is_array()) return mismatch("an array");
    json::array out;
    for (const auto& item : v.get_array()) {
      if (item.is_null() || shape.member == nullptr) {
        out.emplace_back(nullptr);
        continue;
      }
      auto value = shape_value(model, *shape.member, item, where, depth + 1);
      if (!value) return value.take_error();
      out.push_back(std::move(*value));
    }
    return json::value(std::move(out));
  }
  if (type == "map") {
    if (!v.is_object()) return mismatch("an object");
    json::object out;
    out.reserve(v.get_object().size());
    for (const auto& [key, item] : v.get_object()) {
      if (item.is_null() || shape.value == nullptr) {
        out.emplace(key, nullptr);
        continue;
      }
      auto value = shape_value(model, *shape.value, item, where, depth + 1);
      if (!value) return value.take_error();
      out.emplace(key, std::move(*value));
    }
    return json::value(std::move(out));
  }
  if (type == "document") return own(v);
  if (type == "string") {
    if (!v.is_string()) return mismatch("a string");
    return own(v);
  }
  if (type == "boolean") {
    if (!v.is_bool()) return mismatch("a boolean");
    return own(v);
  }
  if (is_integer_type(type)) {
    if (v.is_int64() && in_range(type, v.get_int64())) return own(v);
    if (v.is_uint64() && type == "long" && v.get_uint64() <= INT64_MAX) {
      return json::value(static_cast<int64_t>(v.get_uint64()));
    }
    if (v.is_double() && std::floor(v.get_double()) == v.get_double() &&
        std::fabs(v.get_double()) < 9.0e18 &&
        in_range(type, static_cast<int64_t>(v.get_double()))) {
      return json::value(static_cast<int64_t>(v.get_double()));
    }
    return mismatch("an integer");
  }
  if (type == "float" || type == "double" || type == "bigDecimal") {
    if (v.is_number()) return json::value(v.to_number<double>());
    if (v.is_string()) {
      std::string_view s(v.get_string().data(), v.get_string().size());
      if (s == "NaN" || s == "Infinity" || s == "-Infinity") return json::value(*parse_double(s));
    }
    return mismatch("a number");
  }
  if (type == "blob") {
    if (!v.is_string()) return mismatch("a base64 string");
    auto raw = decode_blob({v.get_string().data(), v.get_string().size()});
    if (!raw) return mismatch("a base64 string");
    return json::value(std::move(*raw));
  }
  if (type == "timestamp") {
    if (v.is_number()) return epoch_value(v.to_number<double>());
    if (v.is_string()) {
      if (auto t = parse_timestamp({v.get_string().data(), v.get_string().size()})) {
        return epoch_value(*t);
      }
    }
    return mismatch("a timestamp");
  }
  return own(v);
}

}  // namespace

Result<json::value> json_to_value(const ServiceModel& model, const json::object& shape,
                                  const json::value& v, std::string_view where, int depth) {
  ShapeInfo scratch;
  return shape_value(model, model.info(shape, scratch), v, where, depth);
}

}  // namespace nimbus::protocol::input
