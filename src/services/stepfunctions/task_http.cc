#include "services/stepfunctions/task_http.h"

#include <algorithm>
#include <iterator>

#include "common/encoding.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

constexpr std::string_view kMethods[] = {"GET",   "POST", "PUT",    "DELETE",
                                         "PATCH", "HEAD", "OPTIONS"};

void add_pair(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += '&';
  out += percent_encode(key);
  out += '=';
  out += percent_encode(value);
}

}  // namespace

bool task_method(std::string_view method) {
  return std::find(std::begin(kMethods), std::end(kMethods), method) != std::end(kMethods);
}

std::string text_of(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

void encode_form(std::string& out, const std::string& key, const json::value& v,
                 std::string_view format) {
  if (v.is_object()) {
    for (const auto& [k, inner] : v.as_object()) {
      encode_form(out, key.empty() ? std::string(k) : key + "[" + std::string(k) + "]", inner,
                  format);
    }
    return;
  }
  if (!v.is_array()) return add_pair(out, key, text_of(v));
  const auto& a = v.as_array();
  if (format == "COMMAS") {
    std::string joined;
    for (size_t i = 0; i < a.size(); ++i) joined += (i ? "," : "") + text_of(a[i]);
    return add_pair(out, key, joined);
  }
  for (size_t i = 0; i < a.size(); ++i) {
    std::string name = format == "INDICES"    ? key + "[" + std::to_string(i) + "]"
                       : format == "BRACKETS" ? key + "[]"
                                              : key;
    encode_form(out, name, a[i], format);
  }
}

json::object http_result(int status, std::string_view reason, const http::Headers& headers,
                         const std::string& body) {
  json::object out_headers;
  for (const auto& [k, v] : headers) {
    auto& values = out_headers[k];
    if (!values.is_array()) values = json::array();
    values.as_array().emplace_back(v);
  }
  json::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec) parsed = json::value(body);
  return json::object{{"Headers", std::move(out_headers)},
                      {"ResponseBody", std::move(parsed)},
                      {"StatusCode", status},
                      {"StatusText", reason}};
}

}  // namespace nimbus::sfn
