// Test-only: a compact client-side response parser that reads nimbus's
// responses the way botocore's parsers do (botocore/parsers.py), so the
// output conformance test can check what a client ends up with. Produces
// values in the handler convention (blobs raw, timestamps epoch seconds).
// Header-only, included by output_conformance_test.cc alone.
#pragma once

#include <boost/json.hpp>
#include <charconv>
#include <string>
#include <string_view>

#include "http/message.h"
#include "protocol/input_values.h"
#include "protocol/model.h"
#include "protocol/serialize_internal.h"

namespace nimbus::protocol::client {

using ser::Ref;

struct Parsed {
  boost::json::value value;  // the output (structure) when not an error
  bool is_error = false;
  std::string code, message;
};

using ser::sv;

// Wire-text decoding is shared with the input side (input_values.h).
inline std::string base64_decode(std::string_view in) {
  return input::base64_decode(in).value_or(std::string());
}

inline boost::json::value parse_timestamp(std::string_view s) {
  auto seconds = input::parse_timestamp(s);
  if (!seconds) return boost::json::string(s);  // left as text: the comparison will say so
  return input::epoch_value(*seconds);
}

// Scalars from text (XML text or header values).
inline boost::json::value scalar_from_text(const Ref& ref, std::string_view text) {
  std::string_view type = ref.type();
  if (type == "boolean") return text == "true";
  if (type == "integer" || type == "long" || type == "short" || type == "byte") {
    int64_t n = 0;
    std::from_chars(text.data(), text.data() + text.size(), n);
    return n;
  }
  if (type == "float" || type == "double") {
    if (text == "NaN" || text == "Infinity" || text == "-Infinity")
      return boost::json::string(text);
    double d = 0;
    std::from_chars(text.data(), text.data() + text.size(), d);
    return d;
  }
  if (type == "timestamp") return parse_timestamp(text);
  if (type == "blob") return boost::json::string(base64_decode(text));
  return boost::json::string(text);
}

// botocore's JSON walk (BaseJSONParser): names from locationName, nulls dropped.
inline boost::json::value from_json(const ServiceModel& model, const Ref& ref,
                                    const boost::json::value& v) {
  if (!ref.valid() || v.is_null()) return v;
  std::string_view type = ref.type();
  if (type == "structure") {
    if (ref.flag("document") || !v.is_object()) return v;
    boost::json::object out;
    const auto* members = ref.shape->if_contains("members");
    if (members == nullptr) return out;
    for (const auto& [name, mref] : members->get_object()) {
      Ref m = ser::resolve(model, mref.get_object());
      const auto* raw = v.get_object().if_contains(m.name_or(name));
      if (raw != nullptr && !raw->is_null()) out[name] = from_json(model, m, *raw);
    }
    return out;
  }
  if (type == "list" && v.is_array()) {
    boost::json::array out;
    Ref item = ser::child(model, ref, "member");
    for (const auto& e : v.get_array()) out.push_back(from_json(model, item, e));
    return out;
  }
  if (type == "map" && v.is_object()) {
    boost::json::object out;
    Ref val = ser::child(model, ref, "value");
    for (const auto& [k, e] : v.get_object()) out[k] = from_json(model, val, e);
    return out;
  }
  if (type == "blob" && v.is_string())
    return boost::json::string(base64_decode(sv(v.get_string())));
  if (type == "timestamp" && v.is_string()) return parse_timestamp(sv(v.get_string()));
  return v;
}

inline boost::json::value json_body(std::string_view body) {
  if (body.empty()) return boost::json::object();
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) return boost::json::object{{"message", body}};
  return v;
}

// BaseJSONParser._do_error_parse (+ RestJSONParser's header code).
inline Parsed json_error(const http::Response& r, bool rest) {
  Parsed p;
  p.is_error = true;
  auto body = json_body(r.body);
  const auto* obj = body.if_object();
  auto str_at = [&](std::string_view key) -> std::string {
    const auto* v = obj != nullptr ? obj->if_contains(key) : nullptr;
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  p.message = obj != nullptr && obj->contains("message") ? str_at("message") : str_at("Message");
  std::string code =
      obj != nullptr && obj->contains("__type") ? str_at("__type") : std::to_string(r.status);
  if (rest) {
    if (auto h = r.header("x-amzn-errortype"); !h.empty()) {
      code = std::string(h);
    } else if (obj != nullptr && (obj->contains("code") || obj->contains("Code"))) {
      code = obj->contains("code") ? str_at("code") : str_at("Code");
    }
  }
  code = code.substr(0, code.find(':'));
  if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (auto q = r.header("x-amzn-query-error"); !q.empty()) {
    auto semi = q.find(';');
    if (semi != std::string_view::npos && semi > 0 && q.find(';', semi + 1) == q.npos) {
      code = std::string(q.substr(0, semi));
    }
  }
  p.code = code;
  return p;
}

}  // namespace nimbus::protocol::client
