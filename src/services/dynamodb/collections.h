// Item collections of tables with local secondary indexes: the items with
// one partition key value and their LSI entries. DynamoDB caps one at
// 10 GB (ItemCollectionSizeLimitExceededException) and reports its size
// when a write asks (ReturnItemCollectionMetrics SIZE).
//
// Schema (namespace dynamodb.collections; storage/key_codec.h tuples):
//   (u64 table number, str encoded partition key) -> decimal bytes
// A collection's size is changed in the batch of the item write that
// changes the collection (Tables::commit_items), so it is exact after a
// crash, and checked against the limit while the catalog lock is held (a
// write never costs a read of the collection's items). Only the sizes of
// collections with commits in flight are held in memory.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "common/result.h"
#include "services/dynamodb/table_def.h"
#include "services/service.h"

namespace nimbus::services::dynamodb {

namespace ns {
inline constexpr char kCollections[] = "dynamodb.collections";
}  // namespace ns

// AWS's limit; the service option dynamodb.item-collection-limit (bytes)
// lowers it (tests).
inline constexpr int64_t kCollectionLimit = int64_t{10} << 30;
int64_t collection_limit(const Settings& settings);

// How an item write changes one collection's size.
struct CollectionDelta {
  std::string key;  // collection_key()
  int64_t bytes = 0;
};
// Collection sizes after a commit, by collection key.
using CollectionSizes = std::map<std::string, int64_t>;

// The collection of `item` (its partition key) in table `t`.
std::string collection_key(const TableDef& t, const boost::json::object& item);
// What `item` adds to its collection: its size and its LSI entries'.
int64_t collection_bytes(const TableDef& t, const boost::json::object& item);
// ItemCollectionMetrics of the collection of `item` at `bytes`.
boost::json::object collection_metrics(const TableDef& t, const boost::json::object& item,
                                       int64_t bytes);
// ReturnItemCollectionMetrics SIZE, or AWS's enum error.
Result<bool> collection_metrics_asked(const boost::json::object& in);
// The same on one table: only tables with LSIs answer metrics.
Result<bool> wants_collection_metrics(const boost::json::object& in, const TableDef& t);
Error collection_limit_exceeded();

}  // namespace nimbus::services::dynamodb
