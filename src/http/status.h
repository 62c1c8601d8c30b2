// HTTP status codes as words.
#pragma once

#include <string_view>

namespace nimbus::http {

// The standard reason phrase of a status ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status);

}  // namespace nimbus::http
