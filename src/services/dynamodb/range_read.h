// One page of a Query or Scan: a key range of dynamodb.items read in key
// order (forward or backward), at most `limit` items evaluated and at most
// 1 MB of them, as DynamoDB pages.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/dynamodb/items.h"
#include "services/dynamodb/model/expression.h"
#include "services/dynamodb/table_def.h"

namespace nimbus::services::dynamodb {

struct KeyRange {
  std::string prefix;  // every key read starts with it
  // Bounds inside the prefix (storage keys; empty: none).
  std::string low;
  bool low_inclusive = true;
  std::string high;
  bool high_inclusive = true;
  bool forward = true;
  std::string exclusive_start;  // ExclusiveStartKey as a storage key, or empty
};

struct Page {
  std::vector<boost::json::object> items;  // read, in order (before any filter)
  size_t bytes = 0;                        // their item sizes, summed (capacity)
  // The last item read when the page stopped early (Limit or 1 MB): its key
  // is LastEvaluatedKey.
  std::optional<boost::json::object> last;
  // With read_range's `texts`: each item's stored text, beside `items`,
  // when every item's is its wire JSON (Items::is_wire_json); else empty.
  std::vector<std::string> texts;
};

// The range a key condition reads in table `t`: its item collection,
// narrowed by the sort key condition when there is one.
KeyRange key_condition_range(const TableDef& t, const nimbus::dynamodb::KeyCondition& kc,
                             bool forward);

// The same on index `i` of `t` (indexes.h): there an index key is followed by
// its item's key, so the bounds are set past or before every entry with the
// bound's value.
KeyRange index_condition_range(const TableDef& t, const IndexDef& i,
                               const nimbus::dynamodb::KeyCondition& kc, bool forward);

// DynamoDB's page size limit: the items read, by item size.
constexpr size_t kMaxPageBytes = 1024 * 1024;

// A page's start: ExclusiveStartKey (or a PartiQL NextToken) as a storage
// key of table `t`, or of its index `index` (not null), where it names the
// table's and the index's keys. nullopt when it does not fit the schema.
std::optional<std::string> exclusive_start(const TableDef& t, const IndexDef* index,
                                           const boost::json::object& key);
// The page's last key as LastEvaluatedKey.
boost::json::object last_evaluated(const TableDef& t, const IndexDef* index,
                                   const boost::json::object& last);

// An LSI read asking for more than the index projects reads the items from
// the table, as DynamoDB fetches them: replaces each entry of `page` by its
// item (and drops the entries' texts).
Status fetch_table_items(const Items& items, const TableDef& t, Page& page);

// `index`: read index entries (indexes.h) instead of items. `texts`: keep
// the items' stored texts too (Page::texts).
Result<Page> read_range(const Items& items, const KeyRange& range, size_t limit, bool index = false,
                        bool texts = false);

}  // namespace nimbus::services::dynamodb
