// The list, string and mapping functions of the intrinsic evaluator.
#include <cstdint>

#include "common/encoding.h"
#include "services/cloudformation/template/resolver.h"

namespace nimbus::cfn::detail {

namespace {

// An index or count given as a number or a decimal string.
std::optional<int64_t> whole_number(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= INT64_MAX) return static_cast<int64_t>(v.as_uint64());
  if (v.is_string()) {
    std::string_view s = v.as_string();
    if (s.empty() || s.size() > 18) return std::nullopt;
    int64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    return n;
  }
  return std::nullopt;
}

std::optional<uint32_t> ipv4(std::string_view s) {
  uint32_t out = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    size_t start = i;
    uint32_t octet = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
      octet = octet * 10 + static_cast<uint32_t>(s[i] - '0');
      ++i;
    }
    if (i == start || octet > 255) return std::nullopt;
    out = (out << 8) | octet;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

std::string ipv4_text(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

}  // namespace

Result<json::value> Resolver::join(const json::value& arg, int depth) {
  const Error shape = template_error(
      "every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of "
      "strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to "
      "be joined.");
  if (!arg.is_array() || arg.as_array().size() != 2 || !arg.as_array()[0].is_string()) {
    return shape;
  }
  auto list = required(arg.as_array()[1], "Fn::Join", depth + 1);
  if (!list) return list;
  if (!list->is_array()) return shape;
  std::string out;
  bool first = true;
  for (const auto& item : list->as_array()) {
    auto t = text_of(item);
    if (!t) return shape;
    if (!first) out.append(arg.as_array()[0].as_string());
    out += *t;
    first = false;
  }
  return json::value(json::string(out));
}

Result<json::value> Resolver::select(const json::value& arg, int depth) {
  const Error shape = template_error(
      "Fn::Select requires a list argument with two elements: an integer index and a list");
  if (!arg.is_array() || arg.as_array().size() != 2) return shape;
  auto index = required(arg.as_array()[0], "Fn::Select", depth + 1);
  if (!index) return index;
  auto list = required(arg.as_array()[1], "Fn::Select", depth + 1);
  if (!list) return list;
  auto n = whole_number(*index);
  if (!n || !list->is_array()) return shape;
  if (*n < 0 || static_cast<size_t>(*n) >= list->as_array().size()) {
    return template_error("Fn::Select cannot select nonexistent value at index " +
                          std::to_string(*n));
  }
  return list->as_array()[static_cast<size_t>(*n)];
}

Result<json::value> Resolver::split(const json::value& arg, int depth) {
  const Error shape = template_error(
      "every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to "
      "be split or a function that returns a string to be split.");
  if (!arg.is_array() || arg.as_array().size() != 2 || !arg.as_array()[0].is_string() ||
      arg.as_array()[0].as_string().empty()) {
    return shape;
  }
  auto source = required(arg.as_array()[1], "Fn::Split", depth + 1);
  if (!source) return source;
  auto text = text_of(*source);
  if (!text) return shape;
  std::string_view delimiter = arg.as_array()[0].as_string();
  json::array out;
  size_t start = 0;
  while (true) {
    auto at = text->find(delimiter, start);
    if (at == std::string::npos) break;
    out.emplace_back(text->substr(start, at - start));
    start = at + delimiter.size();
  }
  out.emplace_back(text->substr(start));
  return json::value(std::move(out));
}

Result<json::value> Resolver::find_in_map(const json::value& arg, int depth) {
  if (!arg.is_array() || (arg.as_array().size() != 3 && arg.as_array().size() != 4)) {
    return template_error(
        "every Fn::FindInMap object requires three parameters, the map name, map key and the "
        "attribute for return value");
  }
  std::string keys[3];
  for (size_t i = 0; i < 3; ++i) {
    auto k = required(arg.as_array()[i], "Fn::FindInMap", depth + 1);
    if (!k) return k;
    auto t = text_of(*k);
    if (!t) {
      return template_error(
          "every Fn::FindInMap object requires three parameters, the map name, map key and the "
          "attribute for return value");
    }
    keys[i] = *t;
  }
  const json::value* found = nullptr;
  if (scope_.mappings != nullptr) {
    const auto* map = scope_.mappings->if_contains(keys[0]);
    const auto* top = map && map->is_object() ? map->as_object().if_contains(keys[1]) : nullptr;
    found = top && top->is_object() ? top->as_object().if_contains(keys[2]) : nullptr;
  }
  if (found == nullptr) {
    // The language extensions' DefaultValue.
    if (arg.as_array().size() == 4 && arg.as_array()[3].is_object()) {
      if (const auto* d = arg.as_array()[3].as_object().if_contains("DefaultValue")) {
        return required(*d, "Fn::FindInMap", depth + 1);
      }
    }
    return template_error("Unable to get mapping for " + keys[0] + "::" + keys[1] + "::" + keys[2]);
  }
  return *found;
}

Result<json::value> Resolver::get_azs(const json::value& arg, int depth) {
  auto region = required(arg, "Fn::GetAZs", depth + 1);
  if (!region) return region;
  auto name = text_of(*region);
  if (!name) return template_error("Fn::GetAZs requires a string region name");
  std::string r = name->empty() ? scope_.region : *name;
  json::array out;
  for (const char* zone : {"a", "b", "c"}) out.emplace_back(r + zone);
  return json::value(std::move(out));
}

Result<json::value> Resolver::base64(const json::value& arg, int depth) {
  auto v = required(arg, "Fn::Base64", depth + 1);
  if (!v) return v;
  auto t = text_of(*v);
  if (!t) return template_error("every Fn::Base64 object must have a String value");
  return json::value(json::string(base64_encode(*t)));
}

Result<json::value> Resolver::cidr(const json::value& arg, int depth) {
  const Error shape = template_error(
      "every Fn::Cidr object requires three parameters, (1) an IP block, (2) the count of "
      "subnets and (3) the number of subnet bits");
  if (!arg.is_array() || arg.as_array().size() != 3) return shape;
  std::optional<json::value> parts[3];
  for (size_t i = 0; i < 3; ++i) {
    auto r = required(arg.as_array()[i], "Fn::Cidr", depth + 1);
    if (!r) return r;
    parts[i] = std::move(*r);
  }
  auto block = text_of(*parts[0]);
  auto count = whole_number(*parts[1]);
  auto bits = whole_number(*parts[2]);
  if (!block || !count || !bits) return shape;
  auto slash = block->find('/');
  if (slash == std::string::npos) return template_error("Fn::Cidr: invalid IP block " + *block);
  auto base = ipv4(std::string_view(*block).substr(0, slash));
  auto prefix = whole_number(json::string(block->substr(slash + 1)));
  if (!base || !prefix || *prefix > 32) {
    return template_error("Fn::Cidr: invalid IP block " + *block);
  }
  int64_t subnet_prefix = 32 - *bits;
  if (*bits < 1 || *bits > 32 || subnet_prefix < *prefix || *count < 1 || *count > 256 ||
      (*count > (int64_t{1} << (subnet_prefix - *prefix)))) {
    return template_error("Fn::Cidr: the IP block " + *block + " cannot hold " +
                          std::to_string(*count) + " subnets of " + std::to_string(*bits) +
                          " bits");
  }
  uint64_t mask = *prefix == 0 ? 0 : (~uint64_t{0} << (32 - *prefix)) & 0xffffffffu;
  uint64_t start = *base & mask;
  json::array out;
  for (int64_t i = 0; i < *count; ++i) {
    uint64_t addr = start + (static_cast<uint64_t>(i) << *bits);
    out.emplace_back(ipv4_text(static_cast<uint32_t>(addr)) + "/" + std::to_string(subnet_prefix));
  }
  return json::value(std::move(out));
}

Result<json::value> Resolver::length(const json::value& arg, int depth) {
  auto v = required(arg, "Fn::Length", depth + 1);
  if (!v) return v;
  if (!v->is_array()) return template_error("Fn::Length requires a list");
  return json::value(static_cast<int64_t>(v->as_array().size()));
}

Result<json::value> Resolver::to_json_string(const json::value& arg, int depth) {
  auto v = required(arg, "Fn::ToJsonString", depth + 1);
  if (!v) return v;
  if (!v->is_object() && !v->is_array()) {
    return template_error("Fn::ToJsonString requires an object or a list");
  }
  return json::value(json::string(json::serialize(*v)));
}

Result<json::value> Resolver::import_value(const json::value& arg, int depth) {
  auto v = required(arg, "Fn::ImportValue", depth + 1);
  if (!v) return v;
  if (!v->is_string()) return template_error("Fn::ImportValue requires a string export name");
  if (!scope_.import_value) {
    return Error::validation("No export named " + std::string(v->as_string()) + " found.");
  }
  return scope_.import_value(v->as_string());
}

}  // namespace nimbus::cfn::detail
