// Secondary index entries: where they live and how an item write keeps
// them in step with the item.
//
// Schema (namespace dynamodb.indexes; storage/key_codec.h tuples):
//   (u64 table number, u64 index number, u64 bucket, str index partition
//    key, [str index sort key]) + the item's own storage key (item_keys.h)
//     -> the item as the index projects it (JSON, as items are stored)
// The index key values are laid out as an item's (model::encode_key_value,
// the bucket a hash of the partition key value), so an index item
// collection is one contiguous range in index sort key order, and items
// with equal index keys follow each other in their table key order. An
// item lacking an index key attribute has no entry (a sparse index).
//
// Entries are written in the same storage batch as the item change
// (Items::commit), built with the table's definition in force when the
// batch is queued (Tables::commit_items), so a crash never leaves an index
// apart from its items.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "services/dynamodb/table_def.h"
#include "services/dynamodb/tables.h"
#include "storage/write_batch.h"

namespace nimbus::services::dynamodb {

// Every entry of index `i` of table `t`.
std::string index_prefix(const TableDef& t, const IndexDef& i);
// One index item collection: the entries with this index partition key.
std::string index_collection_prefix(const TableDef& t, const IndexDef& i,
                                    const boost::json::value& partition_value);
// The first key of `bucket` in the index.
std::string index_bucket_key(const TableDef& t, const IndexDef& i, uint64_t bucket);

// The entry key of `item` in the index; nullopt when the item has no entry
// there (an index key attribute is missing or of another type).
std::optional<std::string> index_entry_key(const TableDef& t, const IndexDef& i,
                                           const boost::json::object& item);
// The item as the index holds it: the table's and the index's key
// attributes plus what the projection names (all of it for ALL).
boost::json::object project(const TableDef& t, const IndexDef& i, const boost::json::object& item);
// The key attributes (table and index) of an index item: its
// LastEvaluatedKey.
boost::json::object index_item_key(const TableDef& t, const IndexDef& i,
                                   const boost::json::object& item);

// Adds to `batch` the entry changes of every index of `t` for an item going
// from `before` to `after` (nullopt: absent), and their stats deltas.
void index_changes(const TableDef& t, const std::optional<boost::json::object>& before,
                   const std::optional<boost::json::object>& after, storage::WriteBatch& batch,
                   std::vector<Tables::StatsDelta>& deltas);
// The same for one index only (a backfill: the item had no entry yet).
void index_entry(const TableDef& t, const IndexDef& i, const boost::json::object& item,
                 storage::WriteBatch& batch, std::vector<Tables::StatsDelta>& deltas);

}  // namespace nimbus::services::dynamodb
