#include "services/apigateway/yaml_text.h"

#include <algorithm>
#include <cctype>

namespace nimbus::services::apigateway {

namespace json = boost::json;

namespace {

// A key YAML reads back as this text when written plain: a letter, '_',
// '/', '$' or 'x-' style start and no character YAML gives a meaning to.
bool plain_key(std::string_view k) {
  if (k.empty()) return false;
  char first = k.front();
  if (!std::isalpha(static_cast<unsigned char>(first)) && first != '_' && first != '/' &&
      first != '$')
    return false;
  for (char c : k) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("_-/.${}+").find(c) == std::string_view::npos)
      return false;
  }
  for (std::string_view word : {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}) {
    if (k.size() == word.size() && std::equal(k.begin(), k.end(), word.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        }))
      return false;
  }
  return true;
}

bool scalar(const json::value& v) {
  return !(v.is_object() && !v.as_object().empty()) && !(v.is_array() && !v.as_array().empty());
}

void write_scalar(const json::value& v, std::string& out) {
  if (v.is_object()) {
    out += "{}";
  } else if (v.is_array()) {
    out += "[]";
  } else {
    out += json::serialize(v);
  }
}

void write(const json::value& v, size_t indent, std::string& out);

void write_key(std::string_view k, std::string& out) {
  if (plain_key(k)) {
    out += k;
  } else {
    out += json::serialize(json::string(k));
  }
  out += ':';
}

void write(const json::value& v, size_t indent, std::string& out) {
  std::string pad(indent, ' ');
  if (v.is_object()) {
    for (const auto& [k, member] : v.as_object()) {
      out += pad;
      write_key(k, out);
      if (scalar(member)) {
        out += ' ';
        write_scalar(member, out);
        out += '\n';
      } else {
        out += '\n';
        // A list under a key is written at the key's indentation, as AWS does.
        write(member, member.is_array() ? indent : indent + 2, out);
      }
    }
    return;
  }
  for (const auto& item : v.as_array()) {
    out += pad + "-";
    if (scalar(item)) {
      out += ' ';
      write_scalar(item, out);
      out += '\n';
      continue;
    }
    // The item's first line follows the dash; the rest is indented under it.
    std::string nested;
    write(item, indent + 2, nested);
    out += ' ';
    out += std::string_view(nested).substr(indent + 2);
  }
}

}  // namespace

std::string to_yaml(const json::value& v) {
  std::string out;
  if (scalar(v)) {
    write_scalar(v, out);
    out += '\n';
    return out;
  }
  write(v, 0, out);
  return out;
}

}  // namespace nimbus::services::apigateway
