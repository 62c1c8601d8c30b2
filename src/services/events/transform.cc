#include "services/events/transform.h"

#include <boost/json/serialize.hpp>
#include <charconv>

#include "services/events/errors.h"

namespace nimbus::services::eventbridge {

namespace json = boost::json;

namespace {

// One step of a path: a key or an index.
struct Step {
  std::string key;
  long index = -1;
};

Result<std::vector<Step>> parse_path(std::string_view path) {
  auto bad = [&] {
    return errors::validation("Invalid InputPath or InputPathsMap value: " + std::string(path));
  };
  if (path.empty() || path.size() > 256 || path.front() != '$') return bad();
  std::vector<Step> steps;
  size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t j = ++i;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      if (j == i) return bad();
      steps.push_back({std::string(path.substr(i, j - i))});
      i = j;
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) return bad();
      std::string_view inner = path.substr(i + 1, close - i - 1);
      if (inner.size() >= 2 && inner.front() == '\'' && inner.back() == '\'') {
        steps.push_back({std::string(inner.substr(1, inner.size() - 2))});
      } else {
        long n = 0;
        auto [p, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), n);
        if (inner.empty() || ec != std::errc() || p != inner.data() + inner.size() || n < 0) {
          return bad();
        }
        steps.push_back({{}, n});
      }
      i = close + 1;
    } else {
      return bad();
    }
    if (steps.size() > 64) return bad();
  }
  return steps;
}

void append_escaped(std::string& out, std::string_view s) {
  // The body of a JSON string literal, without its quotes.
  std::string quoted = json::serialize(json::value(s));
  out.append(quoted, 1, quoted.size() - 2);
}

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

}  // namespace

Status check_path(std::string_view path) {
  auto steps = parse_path(path);
  if (!steps) return steps.error();
  return Status::ok();
}

Result<const json::value*> select_path(const json::value& event, std::string_view path) {
  auto steps = parse_path(path);
  if (!steps) return steps.error();
  const json::value* v = &event;
  for (const auto& s : *steps) {
    if (s.index >= 0) {
      if (!v->is_array() || static_cast<size_t>(s.index) >= v->as_array().size()) return nullptr;
      v = &v->as_array()[static_cast<size_t>(s.index)];
    } else {
      if (!v->is_object()) return nullptr;
      v = v->as_object().if_contains(s.key);
      if (v == nullptr) return nullptr;
    }
  }
  return v;
}

Status Transformer::check() const {
  if (paths.size() > 100) {
    return errors::validation("InputPathsMap has more than 100 entries.");
  }
  for (const auto& [name, path] : paths) {
    if (name.empty() || name.size() > 256 || name.rfind("aws.", 0) == 0) {
      return errors::validation("Invalid InputPathsMap key: " + name);
    }
    for (char c : name) {
      if (!is_name_char(c)) return errors::validation("Invalid InputPathsMap key: " + name);
    }
    if (auto st = check_path(path); !st) return st;
  }
  if (input_template.empty() || input_template.size() > 8192) {
    return errors::validation("InputTemplate must be 1 to 8192 characters long.");
  }
  return Status::ok();
}

std::string Transformer::apply(const json::value& event, std::string_view rule_arn,
                               std::string_view rule_name, std::string_view ingestion_time) const {
  std::string out;
  const std::string& t = input_template;
  bool in_string = false;
  size_t i = 0;
  while (i < t.size()) {
    char c = t[i];
    if (c == '<') {
      size_t close = i + 1;
      while (close < t.size() && is_name_char(t[close])) ++close;
      if (close < t.size() && t[close] == '>' && close > i + 1) {
        std::string name = t.substr(i + 1, close - i - 1);
        std::optional<json::value> value;
        if (auto it = paths.find(name); it != paths.end()) {
          auto v = select_path(event, it->second);
          if (!v || *v == nullptr) {  // selects nothing
            if (!in_string) out += "null";
            i = close + 1;
            continue;
          }
          value = **v;
        } else if (name == "aws.events.rule-arn") {
          value = json::value(rule_arn);
        } else if (name == "aws.events.rule-name") {
          value = json::value(rule_name);
        } else if (name == "aws.events.event.ingestion-time") {
          value = json::value(ingestion_time);
        } else if (name == "aws.events.event" || name == "aws.events.event.json") {
          value = event;
        }
        if (value) {
          if (in_string) {
            append_escaped(out, value->is_string() ? std::string_view(value->as_string())
                                                   : std::string_view(json::serialize(*value)));
          } else {
            out += json::serialize(*value);
          }
          i = close + 1;
          continue;
        }
      }
    }
    if (c == '"') {
      in_string = !in_string;
    } else if (c == '\\' && in_string && i + 1 < t.size()) {
      out += c;
      c = t[++i];
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace nimbus::services::eventbridge
