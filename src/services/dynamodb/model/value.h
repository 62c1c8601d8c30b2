// DynamoDB attribute values and items, in the wire form the protocol engine
// hands a service: an item is a json::object of name -> attribute value, an
// attribute value a one-member object {"S": "..."} / {"N": "12.5"} /
// {"B": bytes} / {"SS": [...]} / {"NS": [...]} / {"BS": [...]} / {"M": {...}}
// / {"L": [...]} / {"NULL": true} / {"BOOL": b}.
//
// Binary values (B, BS elements) hold the raw bytes: the awsJson engine
// base64-decodes blob members on input and encodes them on output. Numbers
// are decimal strings (decimal.h), never doubles; normalize_*() rewrites
// them in DynamoDB's canonical form, which is what a table stores and
// returns.
//
// Everything here is a pure function over values; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "services/dynamodb/model/decimal.h"

namespace nimbus::dynamodb {

namespace json = boost::json;

// A JSON string as a view.
inline std::string_view sv(const json::string& s) {
  return {s.data(), s.size()};
}

enum class Type { kS, kN, kB, kSS, kNS, kBS, kM, kL, kNull, kBool };

// "S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL".
std::string_view type_name(Type t);
std::optional<Type> type_from_name(std::string_view name);
// The type of a value with exactly one known descriptor; nullopt otherwise.
// Does not look inside (normalize_value() does).
std::optional<Type> type_of(const json::value& v);

// Item limits.
constexpr size_t kMaxItemSize = 400 * 1024;
constexpr int kMaxNestingDepth = 32;

// Checks one attribute value by DynamoDB's rules (exactly one descriptor,
// NULL is true, numbers in range, sets non-empty and without duplicates,
// nesting at most 32 levels) and rewrites its numbers in canonical form.
// Empty strings and binaries are allowed (key attributes are the table's to
// check: validate_key_value()). The Error is DynamoDB's ValidationException.
Status normalize_value(json::value& v);
// The same for every attribute of an item.
Status normalize_item(json::object& item);

// A key attribute: of `expected` type (S, N or B), not empty. Messages as
// DynamoDB words them for the table's key schema.
Status validate_key_value(std::string_view attribute, const json::value& v, Type expected);

// The number in an N value (already normalized values never fail).
Result<Decimal> number_of(const json::value& v);
// {"N": "<canonical>"}.
json::value number_value(const Decimal& d);

// DynamoDB equality: same type and value; sets compare as sets, numbers
// numerically, lists in order, maps by member.
bool values_equal(const json::value& a, const json::value& b);

// Order of two values of the same scalar type (S and B bytewise, N
// numerically): <0, 0, >0. Values of different or non-scalar types compare
// by type name (never needed for valid keys).
int compare_values(const json::value& a, const json::value& b);

// An order-preserving byte encoding of a key value (S, N or B): for two
// values of the same type, encode(a) < encode(b) bytewise exactly when a < b.
// S and B are their bytes as is; N is a sign byte, an exponent byte and the
// digits (negatives complemented and terminated so prefixes sort right).
// Meant as one component of a storage key (wrap it in KeyBuilder::str()).
std::string encode_key_value(const json::value& v);
// The value back from encode_key_value() bytes; nullopt when malformed.
std::optional<json::value> decode_key_value(Type type, std::string_view bytes);

// Sizes by DynamoDB's rules: UTF-8 bytes of names and strings, raw bytes of
// binaries, Decimal::size_bytes() for numbers, 1 for NULL and BOOL, 3 plus 1
// per element for lists and maps.
size_t value_size(const json::value& v);
size_t item_size(const json::object& item);
// "Item size has exceeded the maximum allowed size" above 400 KB.
Status check_item_size(const json::object& item);

}  // namespace nimbus::dynamodb
