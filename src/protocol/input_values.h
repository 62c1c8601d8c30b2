// Helpers the input side of the protocol engine shares: wire text to model
// values (base64, timestamps, numbers), percent-decoding, shape look-ups.
// Internal to src/protocol; pure functions, safe from any thread.
#pragma once

#include "common/encoding.h"

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "protocol/model.h"

namespace nimbus::protocol::input {

// How deeply a request's values may nest (parsers and validation alike).
inline constexpr int kMaxDepth = 64;

// The string at o[key], or empty.
std::string_view str_of(const boost::json::object& o, std::string_view key);
bool bool_of(const boost::json::object& o, std::string_view key);
// The shape a member/list-member reference ({"shape": "Name", ...}) names.
const boost::json::object* target(const ServiceModel& model, const boost::json::object& ref);
std::string_view type_of(const boost::json::object& shape);
// The object o[key] or nullptr.
const boost::json::object* object_at(const boost::json::object& o, std::string_view key);

using ::nimbus::base64_decode;
using ::nimbus::percent_decode;
// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}} (form rules: '+' is a space).
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view in);
// `s` cut at every `sep`: "a/b/" -> {"a", "b", ""}; "" -> {""}.
std::vector<std::string_view> split_views(std::string_view s, char sep);
// The first value of `key` in parsed query parameters, or nullptr.
const std::string* first_query(const std::vector<std::pair<std::string, std::string>>& q,
                               std::string_view key);
// A header of `r` by a model's wire name, compared case-insensitively.
std::string_view header_of(const http::Request& r, std::string_view name);
bool has_header_of(const http::Request& r, std::string_view name);

// Seconds since the epoch from any of the wire formats AWS uses: a number
// (epoch seconds), ISO 8601 ("2015-01-25T08:00:00Z", fraction and offset
// allowed) or RFC 822 / HTTP date ("Mon, 16 Dec 2019 23:48:18 GMT").
std::optional<double> parse_timestamp(std::string_view text);
// Epoch seconds as a JSON number: an integer when whole.
boost::json::value epoch_value(double seconds);

// One scalar of `shape` (string, boolean, integer, long, float, double, blob,
// timestamp, ...) from wire text. `blob_base64`: blobs arrive base64-encoded
// (query, headers) rather than raw (payloads). Fails with a message naming
// `where` when the text is not of the shape's type.
Result<boost::json::value> scalar_from_text(const boost::json::object& shape, std::string_view text,
                                            std::string_view where, bool blob_base64 = true);

// The input value of a JSON document (awsJson body, restJson body or
// payload) against `shape`: blobs base64 -> raw, timestamps -> epoch numbers,
// member names per locationName, nulls dropped, type mismatches rejected.
Result<boost::json::value> json_to_value(const ServiceModel& model,
                                         const boost::json::object& shape,
                                         const boost::json::value& v, std::string_view where,
                                         int depth = 0);

// The error AWS answers for a body that is not of the input's shape.
Error serialization_error(std::string message);

bool is_scalar_type(std::string_view type);

}  // namespace nimbus::protocol::input
