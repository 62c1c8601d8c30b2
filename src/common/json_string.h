// A JSON string literal appended to a text being written: the escapes
// boost::json::serialize writes (\" \\ \b \f \n \r \t, other control
// characters as \u00XX), every other byte as it is; plain runs are found
// eight bytes at a time. Used where JSON is written as text straight from
// values (the awsJson answers, JSONata's $string).
#pragma once

#include <string>
#include <string_view>

namespace nimbus {

void append_json_string(std::string& out, std::string_view s);

}  // namespace nimbus
