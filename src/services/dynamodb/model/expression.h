// DynamoDB expressions: one parser and evaluator for ConditionExpression,
// FilterExpression, KeyConditionExpression, ProjectionExpression and
// UpdateExpression, with ExpressionAttributeNames/Values, and the legacy
// parameters (Expected, AttributesToGet, KeyConditions, QueryFilter,
// ScanFilter, ConditionalOperator, AttributeUpdates) turned into the same
// structures.
//
// A service calls parse_request() once per request (or per transaction
// item) with the operation's input object: it checks the parameter
// combination, every placeholder, every expression, and that every name and
// value was used, and fails with DynamoDB's ValidationException and message
// before anything is read or written. The results are values evaluated
// against items (json::object in the wire form of value.h) any number of
// times, from any thread.
//
// Evaluation never fails for conditions (a type mismatch is "false", as in
// DynamoDB); Update::apply() fails with DynamoDB's message when the item
// makes the update impossible (a path into a missing map, arithmetic on a
// string, ...), and the caller then changes nothing.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "services/dynamodb/model/ast.h"
#include "services/dynamodb/model/value.h"

namespace nimbus::dynamodb {

// A table's or index's key schema, for KeyConditionExpression / KeyConditions.
struct KeyAttribute {
  std::string name;
  Type type = Type::kS;  // S, N or B
};
struct KeySchema {
  KeyAttribute partition;
  std::optional<KeyAttribute> sort;
};

// A condition (ConditionExpression, FilterExpression, Expected, QueryFilter,
// ScanFilter). `item` is the stored item, empty when there is none.
class Condition {
 public:
  explicit Condition(ConditionNode root)
      : root_(std::make_shared<ConditionNode>(std::move(root))) {}
  bool matches(const json::object& item) const;
  const ConditionNode& root() const { return *root_; }

 private:
  std::shared_ptr<const ConditionNode> root_;
};

// A projection (ProjectionExpression, AttributesToGet): the item reduced to
// the paths; list elements keep their order, missing paths are left out.
class Projection {
 public:
  explicit Projection(std::vector<Path> paths) : paths_(std::move(paths)) {}
  json::object apply(const json::object& item) const;
  const std::vector<Path>& paths() const { return paths_; }

 private:
  std::vector<Path> paths_;
};

// An update (UpdateExpression, AttributeUpdates).
class Update {
 public:
  explicit Update(std::vector<UpdateAction> actions) : actions_(std::move(actions)) {}
  // The item after the update. `item` is the stored item, or just its key
  // attributes when there is none. Fails with DynamoDB's message.
  Result<json::object> apply(const json::object& item) const;
  // "Cannot update attribute <k>. This attribute is part of the key" when an
  // action writes one of `key_attributes` (the table's, not its indexes').
  Status check_keys(const std::vector<std::string>& key_attributes) const;
  // The paths the actions write (ReturnValues UPDATED_OLD / UPDATED_NEW
  // project the old or new item on these).
  Projection updated_paths() const;
  const std::vector<UpdateAction>& actions() const { return actions_; }

 private:
  std::vector<UpdateAction> actions_;
};

// What a Query reads: the partition key's value and an optional condition
// on the sort key, for a range read in the sort key's order.
struct SortKeyCondition {
  enum class Op { kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };
  Op op = Op::kEq;
  json::value value;  // attribute value of the sort key's type
  json::value upper;  // BETWEEN's upper bound
};
struct KeyCondition {
  std::string partition_key;
  json::value partition_value;
  std::string sort_key;  // empty when the schema has none
  std::optional<SortKeyCondition> sort;
  // True when `item` carries the partition value and satisfies `sort`.
  bool matches(const json::object& item) const;
};

// Everything a request's expression parameters say, parsed and checked.
struct RequestExpressions {
  std::optional<Condition> condition;         // ConditionExpression / Expected
  std::optional<Condition> filter;            // FilterExpression / QueryFilter / ScanFilter
  std::optional<Projection> projection;       // ProjectionExpression / AttributesToGet
  std::optional<Update> update;               // UpdateExpression / AttributeUpdates
  std::optional<KeyCondition> key_condition;  // KeyConditionExpression / KeyConditions
};

// Reads the expression members of `input` (an operation's input, or one
// TransactItems / TransactGetItems element's Put/Update/Delete/
// ConditionCheck/Get object) and parses them. `query_schema` is the key
// schema the Query reads (table or index), null for other operations; with
// it, a key condition is required.
Result<RequestExpressions> parse_request(const json::object& input,
                                         const KeySchema* query_schema = nullptr);

// Lower level, for tests and callers with one expression: the placeholders
// of one request, marking which were used.
class Placeholders {
 public:
  // Validates the maps themselves ("ExpressionAttributeValues must not be
  // empty", invalid keys, invalid values); either may be null.
  static Result<Placeholders> make(const json::object* names, const json::object* values);

  Result<std::string> name(std::string_view placeholder, std::string_view expression_kind);
  Result<json::value> value(std::string_view placeholder, std::string_view expression_kind);
  // "Value provided in ExpressionAttributeNames unused in expressions: ..."
  Status check_all_used() const;

 private:
  json::object names_;
  json::object values_;
  std::vector<std::string> used_names_;
  std::vector<std::string> used_values_;
};

// The parsers; `kind` names the parameter in messages ("ConditionExpression",
// "FilterExpression", ...).
Result<Condition> parse_condition(std::string_view text, std::string_view kind,
                                  Placeholders& placeholders);
Result<Projection> parse_projection(std::string_view text, Placeholders& placeholders);
Result<Update> parse_update(std::string_view text, Placeholders& placeholders);
Result<KeyCondition> parse_key_condition(std::string_view text, const KeySchema& schema,
                                         Placeholders& placeholders);

}  // namespace nimbus::dynamodb
