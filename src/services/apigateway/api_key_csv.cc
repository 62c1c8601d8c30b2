#include "services/apigateway/api_key_csv.h"

#include <optional>

#include "http/message.h"
#include "services/apigateway/authorizer.h"
#include "services/apigateway/errors.h"

namespace nimbus::services::apigateway {

namespace {

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Reads CSV records one at a time, counting lines.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool done() const { return at_ >= text_.size(); }
  size_t line() const { return line_; }

  // The next record's fields; an error for a quote that is never closed or
  // text after a closing quote.
  Result<std::vector<std::string>> next() {
    std::vector<std::string> fields;
    std::string field;
    while (true) {
      // Leading blanks before a quote belong to no field.
      size_t start = at_;
      while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t')) ++at_;
      if (at_ < text_.size() && (text_[at_] == '"' || text_[at_] == '\'')) {
        char quote = text_[at_++];
        size_t opened = line_;
        while (true) {
          if (at_ >= text_.size()) {
            return errors::bad_request("Invalid CSV: the quoted value opened on line " +
                                       std::to_string(opened) + " is never closed");
          }
          char c = text_[at_++];
          if (c == quote) {
            if (at_ < text_.size() && text_[at_] == quote) {
              field += quote;
              ++at_;
              continue;
            }
            break;
          }
          if (c == '\n') ++line_;
          field += c;
        }
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t')) ++at_;
        if (at_ < text_.size() && text_[at_] != ',' && text_[at_] != '\n' && text_[at_] != '\r') {
          return errors::bad_request("Invalid CSV: unexpected text after a quoted value on line " +
                                     std::to_string(line_));
        }
      } else {
        at_ = start;
        size_t end = text_.find_first_of(",\r\n", at_);
        if (end == std::string_view::npos) end = text_.size();
        field = std::string(trim_blanks(text_.substr(at_, end - at_)));
        at_ = end;
      }
      fields.push_back(std::move(field));
      field.clear();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      // The end of the record: \n, \r\n, \r or the end of the text.
      if (at_ < text_.size() && text_[at_] == '\r') ++at_;
      if (at_ < text_.size() && text_[at_] == '\n') ++at_;
      ++line_;
      return fields;
    }
  }

 private:
  std::string_view text_;
  size_t at_ = 0;
  size_t line_ = 1;
};

bool blank(const std::vector<std::string>& fields) {
  for (const auto& f : fields) {
    if (!f.empty()) return false;
  }
  return true;
}

}  // namespace

Result<ApiKeyFile> parse_api_key_csv(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a byte order mark
  Reader reader(text);
  std::optional<std::vector<std::string>> header;
  while (!reader.done() && !header) {
    auto fields = reader.next();
    if (!fields) return fields.take_error();
    if (!blank(*fields)) header = std::move(*fields);
  }
  if (!header) return errors::bad_request("Invalid CSV: the file has no header row");
  enum Column { kName, kKey, kDescription, kEnabled, kPlans, kColumns };
  static constexpr const char* kNames[kColumns] = {"name", "key", "description", "enabled",
                                                   "usageplanids"};
  size_t at[kColumns];
  for (auto& a : at) a = std::string::npos;
  for (size_t i = 0; i < header->size(); ++i) {
    std::string name = http::to_lower((*header)[i]);
    for (int c = 0; c < kColumns; ++c) {
      if (name != kNames[c]) continue;
      if (at[c] != std::string::npos) {
        return errors::bad_request("Invalid CSV: the column '" + (*header)[i] +
                                   "' appears more than once");
      }
      at[c] = i;
    }
  }
  if (at[kKey] == std::string::npos) return errors::bad_request("Missing required column 'Key'");
  if (at[kName] == std::string::npos) return errors::bad_request("Missing required column 'Name'");
  ApiKeyFile out;
  size_t rows = 0;
  while (!reader.done()) {
    size_t line = reader.line();
    auto fields = reader.next();
    if (!fields) return fields.take_error();
    if (blank(*fields)) continue;
    if (++rows > kMaxImportedKeys) {
      return errors::bad_request("Invalid CSV: more than " + std::to_string(kMaxImportedKeys) +
                                 " keys in one file");
    }
    auto value = [&](Column c) -> std::string {
      return at[c] < fields->size() ? (*fields)[at[c]] : std::string();
    };
    CsvApiKey key;
    key.line = line;
    key.name = value(kName);
    key.key = value(kKey);
    key.description = value(kDescription);
    key.usage_plan_ids = split_sources(value(kPlans));  // a comma list, trimmed
    std::string where = "Line " + std::to_string(line) + ": ";
    if (std::string enabled = http::to_lower(value(kEnabled)); enabled == "false") {
      key.enabled = false;
    } else if (!enabled.empty() && enabled != "true") {
      out.warnings.push_back(where + "Invalid value for 'Enabled': " + value(kEnabled));
      continue;
    }
    if (key.key.size() < 20) {
      out.warnings.push_back(where + "API Key value should be at least 20 characters");
      continue;
    }
    if (key.key.size() > 128) {
      out.warnings.push_back(where + "API Key value exceeds maximum size of 128 characters");
      continue;
    }
    if (key.name.size() > 1024) {
      out.warnings.push_back(where + "API Key name exceeds maximum size of 1024 characters");
      continue;
    }
    out.keys.push_back(std::move(key));
  }
  return out;
}

}  // namespace nimbus::services::apigateway
