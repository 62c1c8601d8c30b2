// Tokens of DynamoDB's PartiQL statements (partiql.h). Internal to the model.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/dynamodb/model/lexer.h"

namespace nimbus::dynamodb {

struct PqToken {
  enum class Kind {
    kEnd,
    kWord,    // identifier or keyword, as written
    kQuoted,  // "identifier" (text unescaped)
    kString,  // 'string' (text unescaped)
    kNumber,  // 12, 1.5, 2e3
    kParam,   // ?
    kSymbol,  // = <> != < <= > >= + - * / ( ) [ ] { } , . : ; << >>
  };
  Kind kind = Kind::kEnd;
  std::string text;
  size_t offset = 0;  // byte offset in the statement
  size_t length = 0;  // bytes of the token as written
};

// The tokens of `text` ending with one kEnd token, or nullopt when the text
// cannot be tokenized (an unterminated string, identifier or comment, or a
// character PartiQL has no use for).
std::optional<std::vector<PqToken>> pq_tokenize(std::string_view text);

// True when `word` equals `keyword` (upper case) ignoring ASCII case.
inline bool pq_is(std::string_view word, std::string_view keyword) {
  return is_keyword(word, keyword);
}

}  // namespace nimbus::dynamodb
