// DynamoDB's reserved words, which expressions may not use as attribute
// names (case-insensitive).
#pragma once

#include <string_view>

namespace nimbus::dynamodb {

bool is_reserved_word(std::string_view word);

}  // namespace nimbus::dynamodb
