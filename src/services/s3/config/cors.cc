#include "services/s3/config/cors.h"

#include <cctype>

#include "common/json_fields.h"

namespace nimbus::s3config {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool equal(std::string_view a, std::string_view b, bool ignore_case) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ignore_case ? lower(a[i]) != lower(b[i]) : a[i] != b[i]) return false;
  }
  return true;
}

const json::array* list(const json::object& rule, std::string_view key) {
  const auto* v = rule.if_contains(key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

bool any_matches(const json::array* patterns, std::string_view text, bool ignore_case) {
  if (patterns == nullptr) return false;
  for (const auto& p : *patterns) {
    if (p.is_string() && wildcard_match(p.get_string(), text, ignore_case)) return true;
  }
  return false;
}

bool allows(const json::object& rule, const CorsRequest& request) {
  if (!any_matches(list(rule, "AllowedOrigins"), request.origin, false)) return false;
  bool method = false;
  if (const auto* methods = list(rule, "AllowedMethods")) {
    for (const auto& m : *methods)
      method = method || (m.is_string() && m.get_string() == request.method);
  }
  if (!method) return false;
  for (const auto& h : request.headers) {
    if (!any_matches(list(rule, "AllowedHeaders"), h, true)) return false;
  }
  return true;
}

std::string joined(const json::array* values) {
  std::string out;
  if (values == nullptr) return out;
  for (const auto& v : *values) {
    if (!v.is_string()) continue;
    if (!out.empty()) out += ", ";
    out += v.get_string();
  }
  return out;
}

}  // namespace

bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return equal(pattern, text, ignore_case);
  std::string_view head = pattern.substr(0, star);
  std::string_view tail = pattern.substr(star + 1);
  return text.size() >= head.size() + tail.size() &&
         equal(head, text.substr(0, head.size()), ignore_case) &&
         equal(tail, text.substr(text.size() - tail.size()), ignore_case);
}

std::vector<std::string> split_header_list(std::string_view value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string_view item = value.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    size_t b = item.find_first_not_of(" \t");
    size_t e = item.find_last_not_of(" \t");
    if (b != std::string_view::npos) {
      std::string name(item.substr(b, e - b + 1));
      for (char& c : name) c = lower(c);
      out.push_back(std::move(name));
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<size_t> match_cors(const json::object& cors, const CorsRequest& request) {
  const auto* rules = list(cors, "CORSRules");
  if (rules == nullptr || request.origin.empty()) return std::nullopt;
  for (size_t i = 0; i < rules->size(); ++i) {
    if ((*rules)[i].is_object() && allows((*rules)[i].get_object(), request)) return i;
  }
  return std::nullopt;
}

Headers cors_headers(const json::object& cors, size_t index, const CorsRequest& request) {
  Headers out;
  const auto* rules = list(cors, "CORSRules");
  if (rules == nullptr || index >= rules->size() || !(*rules)[index].is_object()) return out;
  const auto& rule = (*rules)[index].get_object();
  // A rule allowing any origin answers "*" (and no credentials); one naming
  // origins echoes the request's and allows credentials.
  bool any_origin = false;
  if (const auto* origins = list(rule, "AllowedOrigins")) {
    for (const auto& o : *origins)
      any_origin = any_origin || (o.is_string() && o.get_string() == "*");
  }
  out.emplace_back("Access-Control-Allow-Origin", any_origin ? "*" : request.origin);
  out.emplace_back("Access-Control-Allow-Methods", joined(list(rule, "AllowedMethods")));
  if (request.preflight && !request.headers.empty()) {
    std::string requested;
    for (const auto& h : request.headers) requested += (requested.empty() ? "" : ", ") + h;
    out.emplace_back("Access-Control-Allow-Headers", requested);
  }
  if (auto age = integer(rule, "MaxAgeSeconds")) {
    out.emplace_back("Access-Control-Max-Age", std::to_string(*age));
  }
  if (std::string expose = joined(list(rule, "ExposeHeaders")); !expose.empty()) {
    out.emplace_back("Access-Control-Expose-Headers", expose);
  }
  if (!any_origin) out.emplace_back("Access-Control-Allow-Credentials", "true");
  out.emplace_back("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  return out;
}

}  // namespace nimbus::s3config
