// restJson1 / restXml input: the route (method + requestUri template) picks
// the operation; members come from URI labels, the query string, headers
// (prefixed header maps too) and the body or payload member.
#include <map>
#include <optional>

#include "protocol/input.h"
#include "protocol/input_values.h"
#include "protocol/rest_routes.h"

namespace nimbus::protocol::input {
namespace json = boost::json;
namespace {

using Labels = std::map<std::string, std::string, std::less<>>;
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Matches the path part of a requestUri template against the raw path,
// filling `labels` with the percent-decoded label values.
bool match_path(std::string_view tmpl, std::string_view path, Labels& labels) {
  if (!tmpl.empty() && tmpl.front() == '/') tmpl.remove_prefix(1);
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  auto t = tmpl.empty() ? std::vector<std::string_view>{} : split_views(tmpl, '/');
  if (!t.empty() && t.back().empty()) t.pop_back();
  std::size_t pos = 0;  // offset into path
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto seg = t[i];
    bool label = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
    if (label && seg[seg.size() - 2] == '+') {  // greedy: the rest of the path
      auto rest = pos <= path.size() ? path.substr(pos) : std::string_view{};
      if (rest.empty() || i + 1 != t.size()) return false;
      labels[std::string(seg.substr(1, seg.size() - 3))] = percent_decode(rest, false);
      return true;
    }
    if (pos > path.size()) return false;
    auto end = path.find('/', pos);
    auto piece =
        path.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? path.size() + 1 : end + 1;
    if (label) {
      if (piece.empty()) return false;
      labels[std::string(seg.substr(1, seg.size() - 2))] = percent_decode(piece, false);
    } else if (percent_decode(piece, false) != seg) {
      return false;
    }
  }
  // All of the path consumed (a trailing slash is tolerated).
  return pos >= path.size();
}

// Splits a header list value ("a, b", "\"b,c\", d"); timestamps in HTTP-date
// form contain a comma themselves and are rejoined.
std::vector<std::string> split_header_list(std::string_view v, bool http_dates) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (c == '\\' && quoted && i + 1 < v.size()) {
      cur.push_back(v[++i]);
      continue;
    }
    if (c == ',' && !quoted) {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    cur.push_back(c);
  }
  out.push_back(cur);
  for (auto& s : out) {
    auto b = s.find_first_not_of(' ');
    auto e = s.find_last_not_of(' ');
    s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  }
  if (http_dates) {
    std::vector<std::string> joined;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i].size() == 3 && i + 1 < out.size()) {  // "Mon" + " 16 Dec 2019 ..."
        joined.push_back(out[i] + ", " + out[i + 1]);
        ++i;
      } else {
        joined.push_back(out[i]);
      }
    }
    return joined;
  }
  return out;
}

Result<json::value> header_value(const json::object& ref, const json::object& shape,
                                 std::string_view text, const ServiceModel& model,
                                 const std::string& where) {
  auto type = type_of(shape);
  if (type == "list") {
    const auto* member_ref = object_at(shape, "member");
    const auto* member_shape = member_ref ? target(model, *member_ref) : nullptr;
    if (member_shape == nullptr) return json::value(json::array());
    json::array out;
    for (const auto& item : split_header_list(text, type_of(*member_shape) == "timestamp")) {
      auto v = scalar_from_text(*member_shape, item, where);
      if (!v) return v.take_error();
      out.push_back(std::move(*v));
    }
    return json::value(std::move(out));
  }
  if (type == "string" && (bool_of(ref, "jsonvalue") || bool_of(shape, "jsonvalue"))) {
    auto raw = base64_decode(text);  // a JSON document, base64-encoded
    if (!raw) return serialization_error("Header '" + where + "' is not valid base64");
    return json::value(json::string(*raw));
  }
  return scalar_from_text(shape, text, where);
}

Result<json::value> query_value(const json::object& shape, const std::string& key,
                                const QueryParams& q, const ServiceModel& model) {
  if (type_of(shape) == "list") {
    const auto* member_ref = object_at(shape, "member");
    const auto* member_shape = member_ref ? target(model, *member_ref) : nullptr;
    json::array out;
    for (const auto& [k, v] : q) {
      if (k != key || member_shape == nullptr) continue;
      auto item = scalar_from_text(*member_shape, v, key);
      if (!item) return item.take_error();
      out.push_back(std::move(*item));
    }
    return json::value(std::move(out));
  }
  return scalar_from_text(shape, *first_query(q, key), key);
}

}  // namespace

const OperationModel* match_rest(const ServiceModel& model, const http::Request& request) {
  return match_rest(model, request, request.path());
}

const OperationModel* match_rest(const ServiceModel& model, const http::Request& request,
                                 std::string_view path) {
  return model.rest_routes().match(request, path, parse_form(request.query()));
}

Result<json::object> parse_rest(const ServiceModel& model, const OperationModel& op,
                                const http::Request& request) {
  return parse_rest(model, op, request, request.path());
}

Result<json::object> parse_rest(const ServiceModel& model, const OperationModel& op,
                                const http::Request& request, std::string_view path) {
  json::object out;
  const auto* shape = model.input_shape(op);
  if (shape == nullptr) return out;
  const auto* members = object_at(*shape, "members");
  if (members == nullptr) return out;
  std::string_view uri = op.request_uri;
  Labels labels;
  match_path(uri.substr(0, uri.find('?')), path, labels);
  auto query = parse_form(request.query());
  bool xml = model.protocol() == Protocol::kRestXml;

  // A query-parameter map (httpQueryParams) gets the parameters no named
  // query member binds.
  std::vector<std::string> bound_query;
  for (const auto& [name, ref_v] : *members) {
    if (ref_v.is_object() && str_of(ref_v.get_object(), "location") == "querystring") {
      auto wire = str_of(ref_v.get_object(), "locationName");
      bound_query.emplace_back(wire.empty() ? std::string_view(name) : wire);
    }
  }

  auto payload = str_of(*shape, "payload");
  bool has_body_members = false;
  for (const auto& [name, ref_v] : *members) {
    if (!ref_v.is_object()) continue;
    const auto& ref = ref_v.get_object();
    const auto* member_shape = target(model, ref);
    if (member_shape == nullptr) continue;
    auto loc = str_of(ref, "location");
    auto wire = str_of(ref, "locationName");
    if (wire.empty()) wire = name;
    std::string where(name);
    if (loc == "uri") {
      auto it = labels.find(wire);
      if (it == labels.end()) continue;
      auto v = scalar_from_text(*member_shape, it->second, where);
      if (!v) return v.take_error();
      out.emplace(name, std::move(*v));
    } else if (loc == "querystring") {
      if (type_of(*member_shape) == "map") {
        const auto* value_ref = object_at(*member_shape, "value");
        const auto* value_shape = value_ref ? target(model, *value_ref) : nullptr;
        bool multi = value_shape != nullptr && type_of(*value_shape) == "list";
        json::object map;
        for (const auto& [k, v] : query) {
          if (std::find(bound_query.begin(), bound_query.end(), k) != bound_query.end()) continue;
          if (multi) {
            auto& slot = map[k];
            if (!slot.is_array()) slot = json::array();
            slot.get_array().emplace_back(v);
          } else if (!map.contains(k)) {
            map.emplace(k, v);
          }
        }
        if (!map.empty()) out.emplace(name, std::move(map));
        continue;
      }
      if (first_query(query, wire) == nullptr) continue;
      auto v = query_value(*member_shape, std::string(wire), query, model);
      if (!v) return v.take_error();
      out.emplace(name, std::move(*v));
    } else if (loc == "header") {
      if (!has_header_of(request, wire)) continue;
      auto v = header_value(ref, *member_shape, header_of(request, wire), model, where);
      if (!v) return v.take_error();
      out.emplace(name, std::move(*v));
    } else if (loc == "headers") {
      std::string prefix = http::to_lower(wire);
      json::object map;
      for (const auto& [k, v] : request.headers) {
        std::string lk = http::to_lower(k);
        if (lk.size() > prefix.size() && lk.compare(0, prefix.size(), prefix) == 0) {
          map.emplace(lk.substr(prefix.size()), v);
        }
      }
      if (!map.empty()) out.emplace(name, std::move(map));
    } else if (loc.empty() && name != payload) {
      has_body_members = true;
    }
  }

  const std::string& body = request.body;
  if (!payload.empty()) {
    const auto* ref = object_at(*members, payload);
    const auto* pshape = ref ? target(model, *ref) : nullptr;
    if (pshape == nullptr || body.empty()) return out;
    auto type = type_of(*pshape);
    if (type == "blob" || type == "string") {
      out.emplace(payload, json::string(body));
    } else if (xml && type != "document") {
      auto v = parse_xml_body(model, *pshape, body);
      if (!v) return v.take_error();
      out.emplace(payload, std::move(*v));
    } else {
      boost::system::error_code ec;
      auto doc = json::parse(body, ec);
      if (ec) return serialization_error("Request payload is not valid JSON");
      auto v = json_to_value(model, *pshape, doc, payload);
      if (!v) return v.take_error();
      out.emplace(payload, std::move(*v));
    }
    return out;
  }
  if (!has_body_members || body.find_first_not_of(" \t\r\n") == std::string::npos) return out;
  json::value parsed;
  if (xml) {
    auto v = parse_xml_body(model, *shape, body);
    if (!v) return v.take_error();
    parsed = std::move(*v);
  } else {
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 128;
    auto doc = json::parse(body, ec, {}, opts);
    if (ec || !doc.is_object()) return serialization_error("Request body is not a JSON object");
    auto v = json_to_value(model, *shape, doc, "");
    if (!v) return v.take_error();
    parsed = std::move(*v);
  }
  if (parsed.is_object()) {
    for (auto& [k, v] : parsed.get_object()) {
      const auto* ref = object_at(*members, k);
      if (ref != nullptr && str_of(*ref, "location").empty()) out[k] = std::move(v);
    }
  }
  return out;
}

}  // namespace nimbus::protocol::input
