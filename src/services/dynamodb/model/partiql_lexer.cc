#include "services/dynamodb/model/partiql_lexer.h"

namespace nimbus::dynamodb {
namespace {

bool partiql_digit(char c) {
  return c >= '0' && c <= '9';
}
bool partiql_word_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool partiql_word_char(char c) {
  return partiql_word_start(c) || partiql_digit(c);
}
bool partiql_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// A quoted run starting at text[i] (the quote); a doubled quote stands for
// one. The index after the closing quote, or npos when it never closes.
size_t quoted(std::string_view text, size_t i, std::string& out) {
  char q = text[i++];
  while (i < text.size()) {
    if (text[i] == q) {
      if (i + 1 < text.size() && text[i + 1] == q) {
        out.push_back(q);
        i += 2;
        continue;
      }
      return i + 1;
    }
    out.push_back(text[i++]);
  }
  return std::string_view::npos;
}

// A number: digits[.digits][e[+-]digits] or .digits[...].
size_t number_end(std::string_view text, size_t i) {
  while (i < text.size() && partiql_digit(text[i])) ++i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && partiql_digit(text[i])) ++i;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    if (j < text.size() && partiql_digit(text[j])) {
      while (j < text.size() && partiql_digit(text[j])) ++j;
      i = j;
    }
  }
  return i;
}

constexpr std::string_view kTwoCharSymbols[] = {"<>", "!=", "<=", ">=", "<<", ">>"};
constexpr std::string_view kOneCharSymbols = "=<>+-*/()[]{},.:;";

}  // namespace

std::optional<std::vector<PqToken>> pq_tokenize(std::string_view text) {
  std::vector<PqToken> out;
  size_t i = 0;
  auto emit = [&](PqToken::Kind kind, std::string value, size_t start, size_t end) {
    out.push_back(PqToken{kind, std::move(value), start, end - start});
    i = end;
  };
  while (i < text.size()) {
    char c = text[i];
    if (partiql_space(c)) {
      ++i;
      continue;
    }
    if (text.substr(i, 2) == "--") {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (text.substr(i, 2) == "/*") {
      size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos) return std::nullopt;
      i = end + 2;
      continue;
    }
    size_t start = i;
    if (c == '\'' || c == '"') {
      std::string value;
      size_t end = quoted(text, i, value);
      if (end == std::string_view::npos) return std::nullopt;
      emit(c == '\'' ? PqToken::Kind::kString : PqToken::Kind::kQuoted, std::move(value), start,
           end);
      continue;
    }
    if (partiql_digit(c) || (c == '.' && i + 1 < text.size() && partiql_digit(text[i + 1]))) {
      size_t end = number_end(text, i);
      emit(PqToken::Kind::kNumber, std::string(text.substr(start, end - start)), start, end);
      continue;
    }
    if (partiql_word_start(c)) {
      size_t end = i;
      while (end < text.size() && partiql_word_char(text[end])) ++end;
      emit(PqToken::Kind::kWord, std::string(text.substr(start, end - start)), start, end);
      continue;
    }
    if (c == '?') {
      emit(PqToken::Kind::kParam, "?", start, start + 1);
      continue;
    }
    bool two = false;
    for (std::string_view s : kTwoCharSymbols) {
      if (text.substr(i, 2) == s) {
        emit(PqToken::Kind::kSymbol, std::string(s), start, start + 2);
        two = true;
        break;
      }
    }
    if (two) continue;
    if (kOneCharSymbols.find(c) == std::string_view::npos) return std::nullopt;
    emit(PqToken::Kind::kSymbol, std::string(1, c), start, start + 1);
  }
  out.push_back(PqToken{PqToken::Kind::kEnd, "", text.size(), 0});
  return out;
}

}  // namespace nimbus::dynamodb
