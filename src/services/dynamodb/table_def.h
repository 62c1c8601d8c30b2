// A table's definition as CreateTable / UpdateTable shape it: key schema,
// attribute definitions, indexes, billing, stream, TTL and tags, plus the
// identity nimbus gives it (a number for storage keys, the TableId UUID).
//
// parse_create() validates a CreateTable input with AWS's messages; the
// stored form (to_stored / from_stored) is that same input shape plus the
// identity and the settings later calls change, so reading a table back
// runs the same parser. describe() answers AWS's TableDescription.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nimbus::services::dynamodb {

struct KeyAttr {
  std::string name;
  std::string type;  // "S", "N" or "B"
};

struct KeySchema {
  KeyAttr hash;
  std::optional<KeyAttr> range;
  // The attribute names of the key, hash first.
  std::vector<std::string> names() const;
};

struct Throughput {
  int64_t read = 0;
  int64_t write = 0;
  double last_increase = 0;  // epoch seconds; 0: never
  double last_decrease = 0;
  int64_t decreases_today = 0;
};

struct IndexDef {
  // The prefix of this index's entries under the table's number (indexes.h);
  // from the table numbers' counter, so never reused.
  uint64_t num = 0;
  std::string name;
  KeySchema key;
  boost::json::object projection;  // {"ProjectionType", "NonKeyAttributes"}
  Throughput throughput;           // GSIs only
  std::string status = "ACTIVE";   // GSIs: CREATING while backfilling
};

struct TableDef {
  // Identity.
  uint64_t num = 0;  // the prefix of this table's storage keys; never reused
  std::string name;
  std::string id;  // TableId (UUID)
  double created = 0;

  KeySchema key;
  std::vector<std::pair<std::string, std::string>> attributes;  // AttributeDefinitions
  bool on_demand = false;                                       // PAY_PER_REQUEST
  double billing_changed = 0;                                   // last switch to PAY_PER_REQUEST
  Throughput throughput;
  std::vector<IndexDef> gsis;
  std::vector<IndexDef> lsis;
  bool stream_enabled = false;
  std::string stream_view_type;
  std::string stream_label;  // of the latest stream, even once disabled
  std::vector<std::pair<std::string, std::string>> tags;
  std::string ttl_attribute;
  bool ttl_enabled = false;
  int64_t ttl_since = 0;  // when TTL was last enabled (ms): its expiry index generation
  bool deletion_protection = false;
  std::string table_class = "STANDARD";

  const IndexDef* find_index(std::string_view index) const;
  bool is_global(const IndexDef& index) const;
  std::string arn(const std::string& region, const std::string& account) const;
  std::string stream_arn(const std::string& region, const std::string& account) const;
};

// Statistics DescribeTable reports (kept by the item store).
struct TableStats {
  int64_t item_count = 0;
  int64_t size_bytes = 0;
};

// Validates CreateTable's input (everything but the identity) into a TableDef.
// `aws_tags`: Tags may have "aws:" keys (parse_tags).
Result<TableDef> parse_create(const boost::json::object& in, bool aws_tags = false);

// A TableName member: the name itself or a table ARN ("arn:...:table/NAME").
std::string table_name_of(const boost::json::object& in, std::string_view member = "TableName");
// AWS's checks on a table name CreateTable is given (length 3-255, pattern).
Status check_table_name(const std::string& name);

// Validates a StreamSpecification member (CreateTable and UpdateTable).
Status check_stream_spec(const boost::json::object& spec);
// Validates Tags (1-50 members, no duplicate keys) for CreateTable/TagResource;
// keys starting with "aws:" only when `aws_ok` (from CloudFormation,
// services::takes_aws_tags, and tables read back from storage).
Result<std::vector<std::pair<std::string, std::string>>> parse_tags(const boost::json::value* tags,
                                                                    bool aws_ok = false);

boost::json::object to_stored(const TableDef& t);
Result<TableDef> from_stored(const boost::json::object& stored);

// AWS's TableDescription of `t` in `status` ("ACTIVE", "DELETING", ...).
// `index_stats` gives an index's statistics by its number.
boost::json::object describe(const TableDef& t, const TableStats& stats, const std::string& status,
                             const std::string& region, const std::string& account,
                             const std::function<TableStats(uint64_t)>& index_stats = {});

}  // namespace nimbus::services::dynamodb
