#include "services/dynamodb/model/lexer.h"

namespace nimbus::dynamodb {
namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

bool is_keyword(std::string_view word, std::string_view keyword) {
  if (word.size() != keyword.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != keyword[i]) return false;
  }
  return true;
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  size_t i = 0;
  auto emit = [&](Token::Kind kind, size_t start, size_t end) {
    out.push_back(Token{kind, text.substr(start, end - start), start});
    i = end;
  };
  while (i < text.size()) {
    char c = text[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    size_t start = i;
    if (c == '#' || c == ':') {
      size_t end = i + 1;
      while (end < text.size() && is_word_char(text[end])) ++end;
      if (end == i + 1) {
        emit(Token::Kind::kInvalid, start, end);
      } else {
        emit(c == '#' ? Token::Kind::kNamePlaceholder : Token::Kind::kValuePlaceholder, start, end);
      }
      continue;
    }
    if (is_digit(c)) {
      size_t end = i;
      while (end < text.size() && is_digit(text[end])) ++end;
      emit(Token::Kind::kNumber, start, end);
      continue;
    }
    if (is_word_char(c)) {
      size_t end = i;
      while (end < text.size() && is_word_char(text[end])) ++end;
      emit(Token::Kind::kIdentifier, start, end);
      continue;
    }
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (c) {
      case '(':
        emit(Token::Kind::kLParen, start, i + 1);
        break;
      case ')':
        emit(Token::Kind::kRParen, start, i + 1);
        break;
      case '[':
        emit(Token::Kind::kLBracket, start, i + 1);
        break;
      case ']':
        emit(Token::Kind::kRBracket, start, i + 1);
        break;
      case ',':
        emit(Token::Kind::kComma, start, i + 1);
        break;
      case '.':
        emit(Token::Kind::kDot, start, i + 1);
        break;
      case '=':
        emit(Token::Kind::kEq, start, i + 1);
        break;
      case '+':
        emit(Token::Kind::kPlus, start, i + 1);
        break;
      case '-':
        emit(Token::Kind::kMinus, start, i + 1);
        break;
      case '<':
        if (next == '>') {
          emit(Token::Kind::kNe, start, i + 2);
        } else if (next == '=') {
          emit(Token::Kind::kLe, start, i + 2);
        } else {
          emit(Token::Kind::kLt, start, i + 1);
        }
        break;
      case '>':
        if (next == '=') {
          emit(Token::Kind::kGe, start, i + 2);
        } else {
          emit(Token::Kind::kGt, start, i + 1);
        }
        break;
      default: {
        // One UTF-8 character, so the message quotes it whole.
        size_t end = i + 1;
        while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
        emit(Token::Kind::kInvalid, start, end);
      }
    }
  }
  out.push_back(Token{Token::Kind::kEnd, text.substr(text.size()), text.size()});
  return out;
}

}  // namespace nimbus::dynamodb
