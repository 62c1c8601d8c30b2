#include "services/sqs/validate.h"

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "common/tag_keys.h"
#include "services/sqs/errors.h"

namespace nimbus::services::sqs::validate {

namespace {

bool allowed(uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// Decodes one UTF-8 code point at s[i]; returns 0xFFFFFFFF on a bad sequence.
uint32_t next_code_point(std::string_view s, size_t& i) {
  constexpr uint32_t kBad = 0xFFFFFFFF;
  auto b = static_cast<unsigned char>(s[i]);
  int n = 0;
  uint32_t c = 0;
  if (b < 0x80) {
    ++i;
    return b;
  } else if ((b >> 5) == 6) {
    n = 1;
    c = b & 0x1F;
  } else if ((b >> 4) == 14) {
    n = 2;
    c = b & 0x0F;
  } else if ((b >> 3) == 30) {
    n = 3;
    c = b & 0x07;
  } else {
    ++i;
    return kBad;
  }
  if (i + n >= s.size()) {
    i = s.size();
    return kBad;
  }
  for (int k = 1; k <= n; ++k) {
    auto cb = static_cast<unsigned char>(s[i + k]);
    if ((cb & 0xC0) != 0x80) {
      i += k;
      return kBad;
    }
    c = (c << 6) | (cb & 0x3F);
  }
  i += n + 1;
  return c;
}

std::string hex_code(uint32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "#x%X", c);
  return buf;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

bool valid_number(const std::string& v) {
  if (v.empty()) return false;
  char* end = nullptr;
  std::strtod(v.c_str(), &end);
  return end == v.c_str() + v.size();
}

Status one_attribute(const MessageAttribute& a, bool system) {
  const std::string& n = a.name;
  bool name_ok = !n.empty() && n.size() <= 256 && n.front() != '.' && n.back() != '.' &&
                 n.find("..") == std::string::npos;
  for (char c : n) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      name_ok = false;
    }
  }
  if (!system && (starts_with_ci(n, "aws.") || starts_with_ci(n, "amazon."))) name_ok = false;
  if (!name_ok) {
    return errors::invalid_parameter("Message (user) attribute name '" + n + "' is invalid.");
  }
  std::string prefix = a.type.substr(0, a.type.find('.'));
  if (a.type.empty()) {
    return errors::invalid_parameter("The message attribute '" + n +
                                     "' must contain non-empty message attribute type.");
  }
  if (prefix != "String" && prefix != "Number" && prefix != "Binary") {
    return errors::invalid_parameter(
        "The message attribute '" + n +
        "' has an invalid message attribute type, the set of supported type prefixes is "
        "Binary, Number, and String.");
  }
  if (a.type.size() > 256) {
    return errors::invalid_parameter("Message (user) attribute '" + n +
                                     "' type must be less than 256 characters.");
  }
  if ((prefix == "Binary") != a.binary) {
    return errors::invalid_parameter("The message attribute '" + n + "' with type '" + prefix +
                                     "' must use field '" + prefix + "'.");
  }
  if (a.value.empty()) {
    return errors::invalid_parameter("The message attribute '" + n +
                                     "' must contain non-empty message attribute value.");
  }
  if (prefix == "Number" && !valid_number(a.value)) {
    return errors::invalid_parameter("Can't cast the value of message (user) attribute '" + n +
                                     "' to a number.");
  }
  if (!a.binary) NIMBUS_TRY(body(a.value));
  return Status::ok();
}

// Non-ASCII code points outside \p{L}, \p{N} and \p{Z}: the blocks of
// controls, marks, punctuation, symbols, emoji and private use. A table of
// blocks rather than the full Unicode database: precise for the characters
// people put in tags, approximate at the edges.
bool tag_symbol(uint32_t c) {
  struct Range {
    uint32_t lo, hi;
  };
  static constexpr Range kRanges[] = {
      {0x80, 0x9F},     {0xA1, 0xA9},     {0xAB, 0xB1},       {0xB4, 0xB4},       {0xB6, 0xB8},
      {0xBB, 0xBB},     {0xBF, 0xBF},     {0xD7, 0xD7},       {0xF7, 0xF7},       {0x300, 0x36F},
      {0x200B, 0x2027}, {0x202A, 0x202E}, {0x2030, 0x205E},   {0x2060, 0x206F},   {0x20A0, 0x20FF},
      {0x2190, 0x2BFF}, {0x3001, 0x3004}, {0x3008, 0x3020},   {0x3030, 0x3030},   {0x303D, 0x303F},
      {0xD800, 0xF8FF}, {0xFE00, 0xFE6F}, {0xFF00, 0xFF0F},   {0xFF1A, 0xFF20},   {0xFF3B, 0xFF40},
      {0xFF5B, 0xFF65}, {0xFFF0, 0xFFFF}, {0x1F000, 0x1FAFF}, {0xE0000, 0x10FFFF}};
  for (const auto& r : kRanges) {
    if (c >= r.lo && c <= r.hi) return true;
  }
  return false;
}

bool tag_char(uint32_t c) {
  if (c < 0x80) {
    return std::isalnum(static_cast<int>(c)) || c == ' ' ||
           std::string_view("_.:/=+-@").find(static_cast<char>(c)) != std::string_view::npos;
  }
  return c != 0xFFFFFFFF && !tag_symbol(c);
}

// The number of characters of `s`, or nullopt when one is not allowed in a tag.
std::optional<size_t> tag_length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    if (!tag_char(next_code_point(s, i))) return std::nullopt;
  }
  return n;
}

Status tag_text(std::string_view text, bool key, bool aws_ok) {
  auto n = tag_length(text);
  if (!n) {
    return errors::invalid_parameter(
        "Tag keys and values can only contain Unicode letters, digits, white space, and the "
        "following characters: _ . : / = + - @");
  }
  if (key && (*n < 1 || *n > 128)) {
    return errors::invalid_parameter("Tag keys must be between 1 and 128 characters in length.");
  }
  if (!key && *n > 256) {
    return errors::invalid_parameter("Tag values must be between 0 and 256 characters in length.");
  }
  if (!aws_ok && reserved_tag_key(text)) {
    return errors::invalid_parameter(
        "Tag keys and values must not start with the reserved prefix aws:.");
  }
  return Status::ok();
}

}  // namespace

Status tags(const std::map<std::string, std::string>& tags, bool aws_ok) {
  for (const auto& [k, v] : tags) {
    NIMBUS_TRY(tag_text(k, true, aws_ok));
    NIMBUS_TRY(tag_text(v, false, aws_ok));
  }
  return Status::ok();
}

Status tag_keys(const std::vector<std::string>& keys, bool aws_ok) {
  if (keys.empty()) {
    return errors::invalid_parameter("Tag keys must be between 1 and 128 characters in length.");
  }
  for (const auto& k : keys) NIMBUS_TRY(tag_text(k, true, aws_ok));
  return Status::ok();
}

Status body(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t c = next_code_point(s, i);
    if (!allowed(c)) {
      return Error::make("InvalidMessageContents",
                         "Invalid binary character '" +
                             (c == 0xFFFFFFFF ? std::string("#xFFFD") : hex_code(c)) +
                             "' was found in the message body, the set of allowed characters is "
                             "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to "
                             "#x10FFFF");
    }
  }
  return Status::ok();
}

Status message_attributes(const std::vector<MessageAttribute>& attributes) {
  if (attributes.size() > 10) {
    return errors::invalid_parameter("Number of message attributes [" +
                                     std::to_string(attributes.size()) +
                                     "] exceeds the allowed maximum [10].");
  }
  for (const auto& a : attributes) NIMBUS_TRY(one_attribute(a, false));
  return Status::ok();
}

Status system_attributes(const std::vector<MessageAttribute>& attributes) {
  for (const auto& a : attributes) {
    if (a.name != "AWSTraceHeader") {
      return errors::invalid_parameter("Message system attribute name '" + a.name +
                                       "' is invalid.");
    }
    if (a.type != "String" || a.binary) {
      return errors::invalid_parameter(
          "Message system attribute 'AWSTraceHeader' has an invalid message attribute type, "
          "only String is supported.");
    }
    NIMBUS_TRY(one_attribute(a, true));
  }
  return Status::ok();
}

size_t message_size(const SendRequest& r) {
  size_t n = r.body.size();
  for (const auto& a : r.attributes) n += a.name.size() + a.type.size() + a.value.size();
  return n;
}

Status queue_name(std::string_view name, bool fifo) {
  std::string_view base = name;
  bool has_suffix = name.size() >= 5 && name.substr(name.size() - 5) == ".fifo";
  if (fifo && has_suffix) base = name.substr(0, name.size() - 5);
  bool ok = !name.empty() && name.size() <= 80 && !base.empty() && (!fifo || has_suffix);
  for (char c : base) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) ok = false;
  }
  if (ok) return Status::ok();
  if (fifo) {
    return errors::invalid_parameter(
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
        "underscores, must end with .fifo suffix and be 1 to 80 in length.");
  }
  return errors::invalid_parameter(
      "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
}

bool batch_entry_id(std::string_view id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

bool fifo_token(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace nimbus::services::sqs::validate
