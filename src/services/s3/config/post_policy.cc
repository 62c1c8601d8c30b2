#include "services/s3/config/post_policy.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>

#include "common/encoding.h"
#include "common/text.h"

namespace nimbus::s3config {

namespace {

Error invalid_policy(std::string what) {
  return Error::make("InvalidPolicyDocument", "Invalid Policy: " + what, 400);
}

Error denied(std::string what) {
  return Error::make("AccessDenied", "Invalid according to Policy: " + what, 403);
}

std::string show(std::string_view op, std::string_view field, std::string_view value) {
  return "Policy Condition failed: [\"" + std::string(op) + "\", \"$" + std::string(field) +
         "\", \"" + std::string(value) + "\"]";
}

std::optional<int64_t> number(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  if (v.is_string()) {
    std::string s(v.get_string());
    if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), ::isdigit))
      return std::nullopt;
    return std::stoll(s);
  }
  return std::nullopt;
}

// Fields a policy need not name.
bool exempt(const std::string& name) {
  static const std::set<std::string> kExempt = {"policy", "x-amz-signature", "signature",
                                                "awsaccesskeyid", "file"};
  return kExempt.contains(name) || name.starts_with("x-ignore-");
}

std::string field_value(const FormFields& fields, const std::string& name,
                        std::string_view bucket) {
  if (name == "bucket") return std::string(bucket);
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

// starts-with on Content-Type may name a comma-separated list, each of which
// must start with the prefix.
bool starts(const std::string& name, const std::string& value, const std::string& prefix) {
  if (name != "content-type" || value.find(',') == std::string::npos) {
    return value.starts_with(prefix);
  }
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string item = value.substr(start, comma == std::string::npos ? comma : comma - start);
    size_t b = item.find_first_not_of(' ');
    if (b == std::string::npos || !item.substr(b).starts_with(prefix)) return false;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

}  // namespace

std::optional<int64_t> parse_iso8601(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fff...]Z
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' ||
      t.back() != 'Z') {
    return std::nullopt;
  }
  auto digits = [&](size_t at, size_t n) -> std::optional<int> {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return std::nullopt;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
       s = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 ||
      *mi > 59 || *s > 60) {
    return std::nullopt;
  }
  int64_t ms = 0;
  std::string_view rest = t.substr(19, t.size() - 20);
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2) return std::nullopt;
    int64_t scale = 100;
    for (size_t i = 1; i < rest.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(rest[i]))) return std::nullopt;
      ms += (rest[i] - '0') * scale;
      scale /= 10;
    }
  }
  std::tm tm{};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *s;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

std::optional<int64_t> parse_http_date(std::string_view t) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (t.size() != 29 || t[3] != ',' || t[4] != ' ' || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' ||
      t[19] != ':' || t[22] != ':' || t.substr(25) != " GMT") {
    return std::nullopt;
  }
  int month = 0;
  while (month < 12 && kMonths[month] != t.substr(8, 3)) ++month;
  if (month == 12) return std::nullopt;
  // The same fields as ISO 8601, so one set of checks.
  std::string iso = std::string(t.substr(12, 4)) + "-" + (month < 9 ? "0" : "") +
                    std::to_string(month + 1) + "-" + std::string(t.substr(5, 2)) + "T" +
                    std::string(t.substr(17, 8)) + "Z";
  return parse_iso8601(iso);
}

Result<PostPolicy> parse_post_policy(std::string_view base64_policy) {
  auto text = base64_decode(base64_policy);
  if (!text) return invalid_policy("Invalid Base64 encoding.");
  boost::system::error_code ec;
  auto doc = json::parse(*text, ec);
  if (ec || !doc.is_object()) return invalid_policy("Invalid JSON.");
  const auto& o = doc.get_object();
  const auto* expiration = o.if_contains("expiration");
  if (expiration == nullptr) return invalid_policy("Policy missing expiration.");
  std::optional<int64_t> at;
  if (expiration->is_string()) at = parse_iso8601(expiration->get_string());
  if (!at)
    return invalid_policy("Invalid 'expiration' value: '" + json::serialize(*expiration) + "'");
  const auto* conditions = o.if_contains("conditions");
  if (conditions == nullptr) return invalid_policy("Policy missing conditions.");
  if (!conditions->is_array()) return invalid_policy("Invalid 'conditions' value.");
  PostPolicy policy{*at, conditions->get_array(), std::nullopt, std::nullopt};
  for (const auto& c : policy.conditions) {
    if (c.is_object()) {
      if (c.get_object().size() != 1 || !c.get_object().begin()->value().is_string()) {
        return invalid_policy(
            "Invalid Simple-Condition: Simple-Conditions must have exactly one property "
            "specified.");
      }
      continue;
    }
    if (!c.is_array() || c.get_array().size() != 3 || !c.get_array()[0].is_string()) {
      return invalid_policy("Invalid Condition: " + json::serialize(c));
    }
    const auto& a = c.get_array();
    std::string op = ascii_lower(a[0].get_string());
    if (op == "content-length-range") {
      auto lo = number(a[1]), hi = number(a[2]);
      if (!lo || !hi) return invalid_policy("Invalid content-length-range: " + json::serialize(c));
      policy.min_length = lo;
      policy.max_length = hi;
    } else if (op == "eq" || op == "starts-with") {
      if (!a[1].is_string() || !a[1].get_string().starts_with("$") || !a[2].is_string()) {
        return invalid_policy("Invalid Condition: " + json::serialize(c));
      }
    } else {
      return invalid_policy("Invalid Condition: unknown operation " +
                            std::string(a[0].get_string()));
    }
  }
  return policy;
}

Status check_post_policy(const PostPolicy& policy, const FormFields& fields,
                         std::string_view bucket, int64_t now_ms) {
  if (now_ms >= policy.expiration_ms) return denied("Policy expired.");
  std::set<std::string> named;
  for (const auto& c : policy.conditions) {
    std::string op, name, expected;
    if (c.is_object()) {
      op = "eq";
      name = ascii_lower(c.get_object().begin()->key());
      expected = std::string(c.get_object().begin()->value().get_string());
    } else {
      const auto& a = c.get_array();
      op = ascii_lower(a[0].get_string());
      if (op == "content-length-range") continue;
      name = ascii_lower(std::string_view(a[1].get_string()).substr(1));
      expected = std::string(a[2].get_string());
    }
    named.insert(name);
    std::string value = field_value(fields, name, bucket);
    bool ok = op == "eq" ? value == expected : starts(name, value, expected);
    if (!ok) return denied(show(op, name, expected));
  }
  std::string extra;
  for (const auto& [name, value] : fields) {
    if (exempt(name) || named.contains(name)) continue;
    extra += (extra.empty() ? "" : ", ") + name;
  }
  if (!extra.empty()) return denied("Extra input fields: " + extra);
  return Status::ok();
}

Status check_post_length(const PostPolicy& policy, int64_t size) {
  if (policy.min_length && size < *policy.min_length) {
    return Error::make("EntityTooSmall",
                       "Your proposed upload is smaller than the minimum allowed size", 400);
  }
  if (policy.max_length && size > *policy.max_length) {
    return Error::make("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                       400);
  }
  return Status::ok();
}

}  // namespace nimbus::s3config
