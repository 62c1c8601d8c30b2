// The expiry index of tables with TTL enabled: which items expire when, so
// that the TTL sweep (ttl_sweep.cc) reads only the items that are due, not
// every item of the table.
//
// Schema: namespace dynamodb.expiry, key
//   (u64 table number, i64 TTL generation, u64 expiry second, item key)
// value: the item's storage key (item_keys.h). The generation is when TTL
// was enabled (TableDef::ttl_since, ms): entries of an earlier enabling are
// garbage the sweep drops. The expiry second is the TTL attribute rounded
// up, so an entry due at second s names an item expired at s. Every item
// write of a table with TTL enabled changes the entries in the item's own
// batch (Items::commit, with the definition in force), so they are never
// apart after a crash; enabling TTL on a table with items rebuilds them
// (Items::expiry_backfill, each item read under its turn) before the sweep
// trusts them (the mark `expiry/<num>/<generation>` in dynamodb.meta).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "services/dynamodb/table_def.h"
#include "storage/write_batch.h"

namespace nimbus::services::dynamodb {

namespace ns {
inline constexpr char kExpiry[] = "dynamodb.expiry";
}  // namespace ns

// The second from which `item` is expired under `t`'s TTL attribute
// (rounded up); nullopt when it has no usable value (not a number, negative,
// or past any date).
std::optional<uint64_t> expiry_second(const TableDef& t, const boost::json::object& item);

// Every entry of `t` (all generations), and those of its current one.
std::string expiry_table_prefix(uint64_t num);
std::string expiry_prefix(const TableDef& t);
std::string expiry_key(const TableDef& t, uint64_t second, const std::string& item_key);
// The expiry second of an entry key; nullopt when malformed.
std::optional<uint64_t> expiry_key_second(const std::string& key);
// dynamodb.meta's mark that `t`'s entries are complete.
std::string expiry_mark(const TableDef& t);

// The entry changes of an item write of `t` (nothing unless TTL is enabled).
void expiry_changes(const TableDef& t, const std::string& item_key,
                    const std::optional<boost::json::object>& before,
                    const std::optional<boost::json::object>& after, storage::WriteBatch& batch);

}  // namespace nimbus::services::dynamodb
