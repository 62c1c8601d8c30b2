// Where items live in storage, and the key attributes requests carry.
//
// Schema (namespace dynamodb.items; storage/key_codec.h tuples):
//   (u64 table number, u64 bucket, str partition key, [str sort key])
//     -> the item as JSON text (binary values as raw bytes, read back
//        leniently: items.cc)
// Key values are model::encode_key_value() bytes, which sort as DynamoDB
// orders keys; the bucket is a 32-bit hash of the encoded partition key.
// So one item collection (a partition key value) is one contiguous range in
// sort key order (Query is a range read, forward or backward), and the
// table is spread over buckets as DynamoDB spreads it over partitions
// (Scan reads in bucket order; Segment i of N reads buckets
// [i * 2^32 / N, (i + 1) * 2^32 / N)).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "common/result.h"
#include "services/dynamodb/model/expression.h"
#include "services/dynamodb/table_def.h"

namespace nimbus::services::dynamodb {

namespace ns {
inline constexpr char kItems[] = "dynamodb.items";
}  // namespace ns

// How a request names an item: a whole Item (PutItem: "Missing the key X in
// the item") or a Key (GetItem, DeleteItem, UpdateItem: exactly the key
// attributes, "The provided key element does not match the schema").
enum class KeyFrom { kItem, kKey };

// Checks the key attributes of `attrs` (normalized values) against the
// schema `key` with AWS's messages.
Status check_key(const KeySchema& key, const boost::json::object& attrs, KeyFrom from);

// The table's key schema as the expression engine takes it.
nimbus::dynamodb::KeySchema model_schema(const KeySchema& key);

// The storage key of the item `attrs` names in table `t` (check_key first).
std::string item_key(const TableDef& t, const boost::json::object& attrs);
// The key attributes of `item` ({name: value} of the table's key).
boost::json::object key_attributes(const KeySchema& key, const boost::json::object& item);

// Prefixes and bounds of ranges of dynamodb.items.
std::string table_prefix(const TableDef& t);
// One item collection: every item with this partition key value.
std::string collection_prefix(const TableDef& t, const boost::json::value& partition_value);
// The same under any prefix (`base`, then the value's bucket and the value):
// index entries are laid out as items are (indexes.h).
std::string collection_prefix_under(std::string base, const boost::json::value& partition_value);
// The storage key of an item in that collection with this sort key value
// (as a prefix when `open`: every sort key starting with it).
std::string sort_key_in(const std::string& collection, const boost::json::value& sort_value,
                        bool open = false);
// The first bucket of segment `segment` of `total` (total: the end).
uint64_t segment_bucket(uint64_t segment, uint64_t total);
std::string bucket_key(const TableDef& t, uint64_t bucket);
// The bucket of a storage key of table `t`.
uint64_t bucket_of_key(std::string_view storage_key);

}  // namespace nimbus::services::dynamodb
