// Small text helpers the services share (ASCII only: the AWS names, keys and
// header values they apply to are ASCII, and no locale is consulted).
#pragma once

#include <string>
#include <string_view>

namespace nimbus {

// `s` with A-Z lowered to a-z.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Appends `s` to `out` escaped as XML character data (also safe as HTML
// text): & < > always; " as &quot; and newline and tab as character
// references when `attribute` (an attribute value's own whitespace would be
// normalised away); a CR always as &#xD;, which a parser would drop.
void xml_escape(std::string& out, std::string_view s, bool attribute);

}  // namespace nimbus
