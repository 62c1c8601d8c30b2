#include "services/logs/filter_pattern.h"

namespace nimbus::services::logs {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Reads one term at `i`: a quoted phrase (with \" and \\ escapes) or a run of
// non-space characters. nullopt on an unterminated quote.
std::optional<std::string> read_term(std::string_view text, size_t& i) {
  std::string out;
  if (text[i] == '"') {
    ++i;
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      out.push_back(text[i++]);
    }
    if (i >= text.size()) return std::nullopt;
    ++i;  // closing quote
    if (i < text.size() && !is_space(text[i])) return std::nullopt;
    return out;
  }
  while (i < text.size() && !is_space(text[i])) {
    if (text[i] == '"') return std::nullopt;
    out.push_back(text[i++]);
  }
  return out;
}

}  // namespace

std::optional<FilterPattern> FilterPattern::parse(std::string_view text) {
  FilterPattern p;
  size_t i = 0;
  while (true) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size()) break;
    char c = text[i];
    if (c == '{') {
      p.json_ = JsonFilter::parse(text);
      if (!p.json_) return std::nullopt;
      return p;
    }
    if (c == '[') return std::nullopt;  // space-delimited: not supported
    std::vector<std::string>* into = &p.required_;
    if (c == '-' || c == '?') {
      into = c == '-' ? &p.excluded_ : &p.any_;
      ++i;
      if (i >= text.size() || is_space(text[i])) return std::nullopt;
    }
    auto term = read_term(text, i);
    if (!term) return std::nullopt;
    if (!term->empty()) into->push_back(std::move(*term));
  }
  return p;
}

bool FilterPattern::matches(std::string_view message) const {
  if (json_) return json_->matches(message);
  for (const auto& t : required_) {
    if (message.find(t) == std::string_view::npos) return false;
  }
  for (const auto& t : excluded_) {
    if (message.find(t) != std::string_view::npos) return false;
  }
  if (any_.empty()) return true;
  for (const auto& t : any_) {
    if (message.find(t) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace nimbus::services::logs
