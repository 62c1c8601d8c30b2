#include "services/cloudformation/template/document.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <string>

namespace nimbus::cfn {

namespace json = boost::json;

namespace {

constexpr size_t kMaxValues = 250'000;  // after alias expansion (a 1 MB body holds fewer)
constexpr int kMaxDepth = 200;

Error not_well_formed(std::string_view what, size_t line, size_t column) {
  return Error::validation("Template format error: " + std::string(what) +
                           " not well-formed. (line " + std::to_string(line) + ", column " +
                           std::to_string(column) + ")");
}

Result<json::value> parse_json(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  size_t used = parser.write_some(text.data(), text.size(), ec);
  if (!ec && used == text.size()) parser.finish(ec);
  if (!ec && used < text.size()) {
    // Trailing content after the document: only blanks are allowed.
    if (text.substr(used).find_first_not_of(" \t\r\n") != std::string_view::npos) {
      ec = json::error::extra_data;
    }
  }
  if (ec) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < used && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return not_well_formed("JSON", line, column);
  }
  return parser.release();
}

bool is_plain_integer(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i >= s.size()) return false;
  if (s[i] == '0' && s.size() > i + 1) return false;  // 012 stays a string (account ids)
  for (size_t j = i; j < s.size(); ++j) {
    if (s[j] < '0' || s[j] > '9') return false;
  }
  return true;
}

json::value plain_scalar(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "null" || s == "Null" || s == "NULL" || s == "~") return nullptr;
  if (is_plain_integer(s)) {
    int64_t n = 0;
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    auto r = std::from_chars(begin, s.data() + s.size(), n);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return n;
  }
  return json::string(s);
}

// The long form of a short-form tag: !Ref -> Ref, !Condition -> Condition,
// any other !X -> Fn::X.
std::string long_form(const std::string& tag) {
  std::string name = tag.substr(1);
  if (name == "Ref" || name == "Condition") return name;
  return "Fn::" + name;
}

class Converter {
 public:
  Result<json::value> convert(const YAML::Node& node, int depth) {
    if (++count_ > kMaxValues || depth > kMaxDepth) {
      return Error::validation("Template format error: YAML not well-formed. (template too large)");
    }
    const std::string& tag = node.Tag();
    bool short_form = tag.size() > 1 && tag[0] == '!' && tag[1] != '!';
    auto value = untagged(node, depth, short_form);
    if (!value || !short_form) return value;
    std::string key = long_form(tag);
    // !GetAtt A.B is the string form of ["A", "B"] (split at the first dot).
    if (key == "Fn::GetAtt" && value->is_string()) {
      std::string s(value->as_string());
      auto dot = s.find('.');
      if (dot != std::string::npos) {
        value = json::value(
            json::array{json::string(s.substr(0, dot)), json::string(s.substr(dot + 1))});
      }
    }
    json::object o;
    o[key] = std::move(*value);
    return json::value(std::move(o));
  }

 private:
  Result<json::value> untagged(const YAML::Node& node, int depth, bool short_form) {
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return short_form ? json::value(json::string()) : json::value(nullptr);
      case YAML::NodeType::Scalar:
        // "?" is the tag of a plain scalar; quoted ones carry "!".
        if (node.Tag() == "?") return plain_scalar(node.Scalar());
        return json::value(json::string(node.Scalar()));
      case YAML::NodeType::Sequence: {
        json::array a;
        for (const auto& item : node) {
          auto v = convert(item, depth + 1);
          if (!v) return v;
          a.push_back(std::move(*v));
        }
        return json::value(std::move(a));
      }
      case YAML::NodeType::Map: {
        json::object o;
        for (const auto& item : node) {
          if (!item.first.IsScalar()) {
            const auto mark = item.first.Mark();
            return not_well_formed("YAML", mark.line + 1, mark.column + 1);
          }
          auto v = convert(item.second, depth + 1);
          if (!v) return v;
          o[item.first.Scalar()] = std::move(*v);
        }
        return json::value(std::move(o));
      }
    }
    return json::value(nullptr);
  }

  size_t count_ = 0;
};

Result<json::value> parse_yaml(std::string_view text) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return Converter().convert(root, 0);
  } catch (const YAML::Exception& e) {
    return not_well_formed("YAML", static_cast<size_t>(e.mark.line + 1),
                           static_cast<size_t>(e.mark.column + 1));
  } catch (const std::exception&) {
    return not_well_formed("YAML", 1, 1);
  }
}

}  // namespace

Result<json::value> parse_document(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') return parse_yaml(text);
  // A body that opens with '{' is JSON, unless it is YAML in flow style.
  auto json_doc = parse_json(text);
  if (json_doc) return json_doc;
  auto yaml_doc = parse_yaml(text);
  return yaml_doc ? std::move(yaml_doc) : std::move(json_doc);
}

}  // namespace nimbus::cfn
