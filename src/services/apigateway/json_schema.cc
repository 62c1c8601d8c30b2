#include "services/apigateway/json_schema.h"

#include <cmath>
#include <regex>

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

// Nested schemas and $ref chains deeper than this are refused (a $ref loop
// ends here instead of the stack).
constexpr int kMaxDepth = 64;
// Strings a pattern is matched on are cut to this many bytes (std::regex
// recurses per character).
constexpr size_t kMaxPatternInput = 4096;

Error invalid(const std::string& message) {
  return Error::make("BadRequestException", "Invalid model schema specified: " + message);
}

const char* type_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "integer";
    case json::kind::double_: {
      double d = v.get_double();
      return std::isfinite(d) && d == std::floor(d) ? "integer" : "number";
    }
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "null";
}

bool has_type(const json::value& v, std::string_view type) {
  std::string_view actual = type_name(v);
  return actual == type || (type == "number" && actual == "integer");
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool is_count(const json::value& v) {
  return (v.is_int64() && v.get_int64() >= 0) || v.is_uint64();
}

std::optional<std::regex> compile(std::string_view pattern) {
  try {
    return std::regex(pattern.begin(), pattern.end(), std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return std::nullopt;
  }
}

bool search(std::string_view pattern, std::string_view s) {
  auto re = compile(pattern);
  if (!re) return false;
  s = s.substr(0, kMaxPatternInput);
  try {
    return std::regex_search(s.begin(), s.end(), *re);
  } catch (const std::regex_error&) {
    return false;
  }
}

const json::value* resolve(const json::value& root, std::string_view ref) {
  if (!ref.starts_with("#")) return nullptr;
  ref.remove_prefix(1);
  if (ref.empty()) return &root;
  std::error_code ec;
  const json::value* v = root.find_pointer(ref, ec);
  return ec ? nullptr : v;
}

// The keywords' shapes, recursively.
Status check(const json::value& root, const json::value& s, int depth) {
  if (depth > kMaxDepth) return invalid("nested too deeply");
  if (!s.is_object()) return invalid("a schema must be an object");
  const auto& o = s.as_object();
  auto schema_list = [&](std::string_view key, bool allow_single) -> Status {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return Status::ok();
    if (allow_single && v->is_object()) return check(root, *v, depth + 1);
    if (!v->is_array() || (!allow_single && v->as_array().empty()))
      return invalid(std::string(key) + " must be a list of schemas");
    for (const auto& e : v->as_array()) {
      if (auto st = check(root, e, depth + 1); !st) return st;
    }
    return Status::ok();
  };
  if (const auto* t = o.if_contains("type")) {
    static constexpr std::string_view kTypes[] = {"null",   "boolean", "integer", "number",
                                                  "string", "array",   "object"};
    auto known = [](const json::value& v) {
      if (!v.is_string()) return false;
      for (auto k : kTypes) {
        if (v.get_string() == k) return true;
      }
      return false;
    };
    bool ok = known(*t);
    if (t->is_array()) {
      ok = !t->as_array().empty();
      for (const auto& e : t->as_array()) ok = ok && known(e);
    }
    if (!ok) return invalid("unknown type");
  }
  for (const char* k :
       {"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"}) {
    if (const auto* v = o.if_contains(k); v != nullptr && !is_count(*v))
      return invalid(std::string(k) + " must be a non-negative integer");
  }
  for (const char* k : {"minimum", "maximum", "multipleOf"}) {
    if (const auto* v = o.if_contains(k); v != nullptr && !v->is_number())
      return invalid(std::string(k) + " must be a number");
  }
  if (const auto* v = o.if_contains("multipleOf"); v != nullptr && !(v->to_number<double>() > 0))
    return invalid("multipleOf must be above 0");
  for (const char* k : {"exclusiveMinimum", "exclusiveMaximum", "uniqueItems"}) {
    if (const auto* v = o.if_contains(k); v != nullptr && !v->is_bool())
      return invalid(std::string(k) + " must be a boolean");
  }
  if (const auto* v = o.if_contains("pattern")) {
    if (!v->is_string() || !compile(v->get_string())) return invalid("bad pattern");
  }
  if (const auto* v = o.if_contains("enum"); v != nullptr && !v->is_array())
    return invalid("enum must be a list");
  if (const auto* v = o.if_contains("required")) {
    if (!v->is_array()) return invalid("required must be a list of names");
    for (const auto& e : v->as_array()) {
      if (!e.is_string()) return invalid("required must be a list of names");
    }
  }
  for (const char* k : {"properties", "patternProperties", "definitions"}) {
    const auto* v = o.if_contains(k);
    if (v == nullptr) continue;
    if (!v->is_object()) return invalid(std::string(k) + " must be an object");
    for (const auto& [name, sub] : v->as_object()) {
      if (std::string_view(k) == "patternProperties" && !compile(name))
        return invalid("bad pattern");
      if (auto st = check(root, sub, depth + 1); !st) return st;
    }
  }
  for (const char* k : {"additionalProperties", "additionalItems"}) {
    const auto* v = o.if_contains(k);
    if (v != nullptr && !v->is_bool()) {
      if (auto st = check(root, *v, depth + 1); !st) return st;
    }
  }
  if (auto st = schema_list("items", true); !st) return st;
  for (const char* k : {"allOf", "anyOf", "oneOf"}) {
    if (auto st = schema_list(k, false); !st) return st;
  }
  if (const auto* v = o.if_contains("not")) {
    if (auto st = check(root, *v, depth + 1); !st) return st;
  }
  if (const auto* v = o.if_contains("$ref")) {
    if (!v->is_string()) return invalid("$ref must be a string");
  }
  return Status::ok();
}

class Validator {
 public:
  explicit Validator(const json::value& root) : root_(root) {}

  std::optional<std::string> run(const json::value& s, const json::value& v, int depth) {
    if (depth > kMaxDepth) return "schema nested too deeply";
    if (!s.is_object()) return std::nullopt;
    const auto& o = s.as_object();
    if (const auto* ref = o.if_contains("$ref"); ref != nullptr && ref->is_string()) {
      // Draft 4: $ref replaces the rest of the schema.
      const json::value* target = resolve(root_, ref->get_string());
      if (target == nullptr)
        return "reference " + std::string(ref->get_string()) + " cannot be resolved";
      return run(*target, v, depth + 1);
    }
    if (auto e = type(o, v)) return e;
    if (const auto* en = o.if_contains("enum"); en != nullptr && en->is_array()) {
      bool found = false;
      for (const auto& e : en->as_array()) found = found || e == v;
      if (!found) return "instance value (" + json::serialize(v) + ") not found in enum";
    }
    if (v.is_string()) {
      if (auto e = string(o, v.get_string())) return e;
    } else if (v.is_number()) {
      if (auto e = number(o, v)) return e;
    } else if (v.is_array()) {
      if (auto e = array(o, v.get_array(), depth)) return e;
    } else if (v.is_object()) {
      if (auto e = object(o, v.get_object(), depth)) return e;
    }
    return combinators(o, v, depth);
  }

 private:
  std::optional<std::string> type(const json::object& o, const json::value& v) {
    const auto* t = o.if_contains("type");
    if (t == nullptr) return std::nullopt;
    if (t->is_string() && has_type(v, t->get_string())) return std::nullopt;
    if (t->is_array()) {
      for (const auto& e : t->as_array()) {
        if (e.is_string() && has_type(v, e.get_string())) return std::nullopt;
      }
    }
    return std::string("instance type (") + type_name(v) + ") does not match any allowed " +
           "primitive type (allowed: " + json::serialize(*t) + ")";
  }

  std::optional<std::string> string(const json::object& o, std::string_view s) {
    size_t n = code_points(s);
    if (const auto* m = o.if_contains("minLength");
        m != nullptr && is_count(*m) && n < m->to_number<uint64_t>()) {
      return "string is too short (length: " + std::to_string(n) + ")";
    }
    if (const auto* m = o.if_contains("maxLength");
        m != nullptr && is_count(*m) && n > m->to_number<uint64_t>()) {
      return "string is too long (length: " + std::to_string(n) + ")";
    }
    if (const auto* p = o.if_contains("pattern"); p != nullptr && p->is_string()) {
      if (!search(p->get_string(), s))
        return "ECMA 262 regex \"" + std::string(p->get_string()) + "\" does not match input";
    }
    return std::nullopt;
  }

  std::optional<std::string> number(const json::object& o, const json::value& v) {
    double d = v.to_number<double>();
    auto flag = [&](const char* k) {
      const auto* f = o.if_contains(k);
      return f != nullptr && f->is_bool() && f->get_bool();
    };
    if (const auto* m = o.if_contains("minimum"); m != nullptr && m->is_number()) {
      double min = m->to_number<double>();
      if (d < min || (flag("exclusiveMinimum") && d == min))
        return "numeric instance is lower than the required minimum";
    }
    if (const auto* m = o.if_contains("maximum"); m != nullptr && m->is_number()) {
      double max = m->to_number<double>();
      if (d > max || (flag("exclusiveMaximum") && d == max))
        return "numeric instance is greater than the required maximum";
    }
    if (const auto* m = o.if_contains("multipleOf"); m != nullptr && m->is_number()) {
      double step = m->to_number<double>();
      if (step > 0) {
        double q = d / step;
        if (!std::isfinite(q) || std::fabs(q - std::round(q)) > 1e-9)
          return "remainder of division is not zero";
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> array(const json::object& o, const json::array& a, int depth) {
    if (const auto* m = o.if_contains("minItems");
        m != nullptr && is_count(*m) && a.size() < m->to_number<uint64_t>()) {
      return "array is too short";
    }
    if (const auto* m = o.if_contains("maxItems");
        m != nullptr && is_count(*m) && a.size() > m->to_number<uint64_t>()) {
      return "array is too long";
    }
    if (const auto* u = o.if_contains("uniqueItems");
        u != nullptr && u->is_bool() && u->get_bool()) {
      for (size_t i = 0; i < a.size(); ++i) {
        for (size_t j = i + 1; j < a.size(); ++j) {
          if (a[i] == a[j]) return "array must not contain duplicate elements";
        }
      }
    }
    const auto* items = o.if_contains("items");
    if (items == nullptr) return std::nullopt;
    if (items->is_object()) {
      for (const auto& e : a) {
        if (auto err = run(*items, e, depth + 1)) return err;
      }
      return std::nullopt;
    }
    if (!items->is_array()) return std::nullopt;
    const auto& list = items->get_array();
    const auto* extra = o.if_contains("additionalItems");
    for (size_t i = 0; i < a.size(); ++i) {
      if (i < list.size()) {
        if (auto err = run(list[i], a[i], depth + 1)) return err;
      } else if (extra != nullptr && extra->is_bool() && !extra->get_bool()) {
        return "array is too long: no additional items allowed";
      } else if (extra != nullptr && extra->is_object()) {
        if (auto err = run(*extra, a[i], depth + 1)) return err;
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> object(const json::object& o, const json::object& v, int depth) {
    if (const auto* m = o.if_contains("minProperties");
        m != nullptr && is_count(*m) && v.size() < m->to_number<uint64_t>()) {
      return "object has too few properties";
    }
    if (const auto* m = o.if_contains("maxProperties");
        m != nullptr && is_count(*m) && v.size() > m->to_number<uint64_t>()) {
      return "object has too many properties";
    }
    if (const auto* r = o.if_contains("required"); r != nullptr && r->is_array()) {
      for (const auto& name : r->get_array()) {
        if (name.is_string() && !v.contains(name.get_string()))
          return "object has missing required properties ([\"" + std::string(name.get_string()) +
                 "\"])";
      }
    }
    const auto* props = o.if_contains("properties");
    const auto* patterns = o.if_contains("patternProperties");
    const auto* extra = o.if_contains("additionalProperties");
    for (const auto& [name, value] : v) {
      bool matched = false;
      if (props != nullptr && props->is_object()) {
        if (const auto* sub = props->get_object().if_contains(name)) {
          matched = true;
          if (auto err = run(*sub, value, depth + 1)) return err;
        }
      }
      if (patterns != nullptr && patterns->is_object()) {
        for (const auto& [pattern, sub] : patterns->get_object()) {
          if (!search(pattern, name)) continue;
          matched = true;
          if (auto err = run(sub, value, depth + 1)) return err;
        }
      }
      if (matched || extra == nullptr) continue;
      if (extra->is_bool() && !extra->get_bool()) {
        return "object instance has properties which are not allowed by the schema: [\"" +
               std::string(name) + "\"]";
      }
      if (extra->is_object()) {
        if (auto err = run(*extra, value, depth + 1)) return err;
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> combinators(const json::object& o, const json::value& v, int depth) {
    if (const auto* all = o.if_contains("allOf"); all != nullptr && all->is_array()) {
      for (const auto& s : all->get_array()) {
        if (auto err = run(s, v, depth + 1)) return err;
      }
    }
    if (const auto* any = o.if_contains("anyOf"); any != nullptr && any->is_array()) {
      bool ok = false;
      for (const auto& s : any->get_array()) ok = ok || !run(s, v, depth + 1);
      if (!ok) return "instance failed to match at least one required schema among anyOf";
    }
    if (const auto* one = o.if_contains("oneOf"); one != nullptr && one->is_array()) {
      int n = 0;
      for (const auto& s : one->get_array()) n += !run(s, v, depth + 1);
      if (n != 1)
        return "instance failed to match exactly one schema (matched " + std::to_string(n) + ")";
    }
    if (const auto* n = o.if_contains("not"); n != nullptr && !run(*n, v, depth + 1))
      return "instance matched a schema which it should not have";
    return std::nullopt;
  }

  const json::value& root_;
};

}  // namespace

Result<JsonSchema> JsonSchema::parse(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return invalid("not JSON");
  if (auto st = check(root, root, 0); !st) return st;
  JsonSchema out;
  out.root_ = std::move(root);
  return out;
}

std::optional<std::string> JsonSchema::validate(const json::value& doc) const {
  return Validator(root_).run(root_, doc, 0);
}

}  // namespace nimbus::services::apigateway
