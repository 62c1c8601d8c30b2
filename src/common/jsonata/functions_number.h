// XPath's decimal pictures (fn:format-number), as JSONata's $formatNumber
// uses them: `#,##0.00`, `0.00e0`, `#%`, `#0.00;(#0.00)`, with the symbols
// an options object may rename (decimal-separator, grouping-separator,
// exponent-separator, percent, per-mille, zero-digit, digit,
// pattern-separator, minus-sign).
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "common/jsonata/jsonata.h"

namespace nimbus::jsonata {

// `value` in `picture`; an Error with XPath's code (D3080-D3093) for a
// picture it refuses. `options` may be null.
std::variant<std::string, Error> format_decimal(double value, std::string_view picture,
                                                const boost::json::object* options);

}  // namespace nimbus::jsonata
