// Tokens of DynamoDB expressions. tokenize() never fails: a character the
// grammar has no use for becomes a kInvalid token, which the parser reports
// as DynamoDB does ("Syntax error; token: ..., near: ...").
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace nimbus::dynamodb {

struct Token {
  enum class Kind {
    kEnd,
    kIdentifier,        // a1_b (keywords and function names too)
    kNamePlaceholder,   // #name
    kValuePlaceholder,  // :value
    kNumber,            // 12 (list indexes)
    kLParen,
    kRParen,
    kLBracket,
    kRBracket,
    kComma,
    kDot,
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,
    kPlus,
    kMinus,
    kInvalid,
  };
  Kind kind = Kind::kEnd;
  std::string_view text;  // a view into the expression
  size_t offset = 0;
};

// The tokens of `text`, always ending with one kEnd token.
std::vector<Token> tokenize(std::string_view text);

// True when `word` equals `keyword` ignoring ASCII case (keyword upper case).
bool is_keyword(std::string_view word, std::string_view keyword);

}  // namespace nimbus::dynamodb
