// DynamoDB's PartiQL subset (ExecuteStatement, BatchExecuteStatement,
// ExecuteTransaction): SELECT, INSERT, UPDATE and DELETE statements parsed
// into the model's own structures, so a WHERE is evaluated by the same
// Condition evaluator as a ConditionExpression and a SET/REMOVE is applied by
// the same Update as an UpdateExpression.
//
//   SELECT * | path, ... FROM "table"[."index"] [WHERE cond] [ORDER BY k [ASC|DESC]]
//   INSERT INTO "table" VALUE {'name': value, ...}
//   UPDATE "table" SET path = value[, ...] [SET ...] [REMOVE path[, ...]] [WHERE cond]
//          [RETURNING ALL|MODIFIED OLD|NEW *]
//   DELETE FROM "table" WHERE cond [RETURNING ALL OLD *]
//
// Values: 'string', numbers, TRUE/FALSE, NULL, [list], {'map': v},
// <<'string set'>> / <<1, 2>>, and `?` bound in order from the request's
// Parameters (attribute values). Conditions: = <> != < <= > >=, BETWEEN, IN
// [..] / (..), AND, OR, NOT, IS [NOT] MISSING / NULL / <type>, begins_with,
// contains, attribute_exists, attribute_not_exists, attribute_type, size.
// Updates: SET with + and -, list_append, if_not_exists, set_add(path, <<..>>)
// (ADD) and set_delete(path, <<..>>) (DELETE); REMOVE.
//
// Errors are ValidationException with DynamoDB's messages ("Statement wasn't
// well formed, can't be processed: <detail>", "Number of parameters in request
// and statement don't match.", ...). Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "services/dynamodb/model/ast.h"
#include "services/dynamodb/model/expression.h"

namespace nimbus::dynamodb {

struct PartiqlStatement {
  // kExists: EXISTS(SELECT ...), ExecuteTransaction's condition check (the
  // SELECT's table and WHERE).
  enum class Kind { kSelect, kInsert, kUpdate, kDelete, kExists };
  // RETURNING of UPDATE and DELETE (ReturnValues by another name).
  enum class Returning { kNone, kAllOld, kModifiedOld, kAllNew, kModifiedNew };

  Kind kind = Kind::kSelect;
  std::string table;
  std::string index;                   // SELECT ... FROM "table"."index"
  std::vector<Path> projection;        // SELECT's paths; empty for *
  std::optional<ConditionNode> where;  // the WHERE, values and parameters bound
  json::object item;                   // INSERT's VALUE, normalized
  std::vector<UpdateAction> actions;   // UPDATE's SET / REMOVE / set_add / set_delete
  Returning returning = Returning::kNone;
  std::optional<std::string> order_by;  // SELECT ... ORDER BY <attribute>
  bool descending = false;
};

// Parses `statement` and binds `parameters` (attribute values, in order of
// the `?`). Fewer parameters than `?` fail with DynamoDB's message; extra
// ones are ignored, as DynamoDB does.
Result<PartiqlStatement> parse_partiql(std::string_view statement, const json::array& parameters);

// "Statement wasn't well formed, can't be processed: <detail>".
Error partiql_syntax_error(std::string_view detail);

// How a statement's WHERE reaches items of a table or index with `schema`.

// The full primary key the WHERE fixes with top-level equalities (AND-ed),
// for UPDATE, DELETE and the single-item reads of batches and transactions,
// and the rest of the WHERE (nullopt when the key equalities are all of it).
// Fails with "Where clause does not contain a mandatory equality on all key
// attributes" (and DynamoDB's key type messages).
struct PartiqlKeyLookup {
  json::object key;
  std::optional<Condition> rest;
};
Result<PartiqlKeyLookup> partiql_key_lookup(const std::optional<ConditionNode>& where,
                                            const KeySchema& schema);

// A SELECT whose WHERE fixes the partition key with a top-level equality is a
// Query: the key condition (with the first usable sort key condition beside
// it); nullopt means a Scan. Either way the whole WHERE is the filter.
std::optional<KeyCondition> partiql_query_plan(const std::optional<ConditionNode>& where,
                                               const KeySchema& schema);

}  // namespace nimbus::dynamodb
