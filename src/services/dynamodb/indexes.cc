#include "services/dynamodb/indexes.h"

#include <algorithm>

#include "common/json_fields.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/items.h"
#include "services/dynamodb/model/value.h"
#include "storage/key_codec.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

namespace {

// The item's value of a key attribute when it has the attribute's type.
const json::value* key_value(const json::object& item, const KeyAttr& attr) {
  const auto* v = item.if_contains(attr.name);
  if (v == nullptr) return nullptr;
  auto type = model::type_of(*v);
  if (!type || model::type_name(*type) != attr.type) return nullptr;
  return v;
}

void add_delta(std::vector<Tables::StatsDelta>& deltas, uint64_t num, int64_t items,
               int64_t bytes) {
  auto same = std::find_if(deltas.begin(), deltas.end(),
                           [&](const Tables::StatsDelta& d) { return d.num == num; });
  if (same == deltas.end()) {
    deltas.push_back({num, items, bytes});
  } else {
    same->items += items;
    same->bytes += bytes;
  }
}

std::string index_base(const TableDef& t, const IndexDef& i) {
  return storage::KeyBuilder().u64(t.num).u64(i.num).bytes();
}

}  // namespace

std::string index_prefix(const TableDef& t, const IndexDef& i) {
  return index_base(t, i);
}

std::string index_collection_prefix(const TableDef& t, const IndexDef& i,
                                    const json::value& partition_value) {
  return collection_prefix_under(index_base(t, i), partition_value);
}

std::string index_bucket_key(const TableDef& t, const IndexDef& i, uint64_t bucket) {
  return storage::KeyBuilder().u64(t.num).u64(i.num).u64(bucket).bytes();
}

std::optional<std::string> index_entry_key(const TableDef& t, const IndexDef& i,
                                           const json::object& item) {
  const auto* hash = key_value(item, i.key.hash);
  if (hash == nullptr) return std::nullopt;
  std::string key = index_collection_prefix(t, i, *hash);
  if (i.key.range) {
    const auto* range = key_value(item, *i.key.range);
    if (range == nullptr) return std::nullopt;
    key = sort_key_in(key, *range);
  }
  return key + item_key(t, item);
}

json::object project(const TableDef& t, const IndexDef& i, const json::object& item) {
  std::string type = str(i.projection, "ProjectionType");
  if (type == "ALL") return item;
  json::object out = key_attributes(t.key, item);
  for (const auto& name : i.key.names()) {
    if (const auto* v = item.if_contains(name)) out[name] = *v;
  }
  if (const auto* names = i.projection.if_contains("NonKeyAttributes");
      names && names->is_array()) {
    for (const auto& n : names->as_array()) {
      if (!n.is_string()) continue;
      if (const auto* v = item.if_contains(n.as_string())) out[n.as_string()] = *v;
    }
  }
  return out;
}

json::object index_item_key(const TableDef& t, const IndexDef& i, const json::object& item) {
  json::object out = key_attributes(t.key, item);
  for (const auto& name : i.key.names()) {
    if (const auto* v = item.if_contains(name)) out[name] = *v;
  }
  return out;
}

void index_entry(const TableDef& t, const IndexDef& i, const json::object& item,
                 storage::WriteBatch& batch, std::vector<Tables::StatsDelta>& deltas) {
  auto key = index_entry_key(t, i, item);
  if (!key) return;
  json::object entry = project(t, i, item);
  batch.put(ns::kIndexes, *key, Items::encode(entry));
  add_delta(deltas, i.num, 1, static_cast<int64_t>(model::item_size(entry)));
}

void index_changes(const TableDef& t, const std::optional<json::object>& before,
                   const std::optional<json::object>& after, storage::WriteBatch& batch,
                   std::vector<Tables::StatsDelta>& deltas) {
  for (const auto* list : {&t.gsis, &t.lsis}) {
    for (const auto& i : *list) {
      std::optional<std::string> old_key;
      if (before) {
        old_key = index_entry_key(t, i, *before);
        if (old_key) {
          add_delta(deltas, i.num, -1,
                    -static_cast<int64_t>(model::item_size(project(t, i, *before))));
        }
      }
      std::optional<std::string> new_key = after ? index_entry_key(t, i, *after) : std::nullopt;
      if (old_key && old_key != new_key) batch.del(ns::kIndexes, *old_key);
      if (after) index_entry(t, i, *after, batch, deltas);
    }
  }
}

}  // namespace nimbus::services::dynamodb
