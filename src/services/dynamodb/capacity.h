// Consumed capacity: what ReturnConsumedCapacity reports, by DynamoDB's
// capacity-unit rules. A read costs one unit per 4 KB of the items it reads
// (half for an eventually consistent read), a write one unit per 1 KB of the
// larger of the item before and after (at least one), a transaction twice
// that. A write also costs each secondary index whose entry it puts or
// deletes, by the entry's size; changing an entry's index key is a delete
// and a put. Queries and scans add the sizes of every item they read
// (filtered out or not) and round once; batches and single-item reads round
// per item.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "services/dynamodb/table_def.h"

namespace nimbus::services::dynamodb {

enum class CapacityMode { kNone, kTotal, kIndexes };

// ReturnConsumedCapacity of a request (NONE when absent), or AWS's enum
// error.
Result<CapacityMode> capacity_mode(const boost::json::object& in);

double read_units(size_t bytes, bool consistent);
double write_units(size_t bytes);

// What one request consumed on one table and its indexes.
struct Consumed {
  double table = 0;
  std::map<std::string, double> gsis;
  std::map<std::string, double> lsis;

  double total() const;
  Consumed& operator+=(const Consumed& o);
  Consumed scaled(double factor) const;
};

// The write of one item of `t` going from `before` to `after` (nullopt:
// absent).
Consumed write_consumed(const TableDef& t, const std::optional<boost::json::object>& before,
                        const std::optional<boost::json::object>& after);
// A read of `bytes` through the table, or through index `index` (non-empty).
Consumed read_consumed(const TableDef& t, const std::string& index, size_t bytes, bool consistent);

// The ConsumedCapacity member for `table` (kNone: an empty object; callers
// do not add it then).
boost::json::object consumed_capacity(const std::string& table, const Consumed& c,
                                      CapacityMode mode);
// The ConsumedCapacity list of a batch or transaction: one per table.
boost::json::array consumed_capacity(const std::map<std::string, Consumed>& by_table,
                                     CapacityMode mode);

}  // namespace nimbus::services::dynamodb
