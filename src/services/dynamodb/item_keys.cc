#include "services/dynamodb/item_keys.h"

#include "services/dynamodb/errors.h"
#include "services/dynamodb/model/value.h"
#include "storage/key_codec.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

namespace {

// AWS's limits on key values, in bytes.
constexpr size_t kMaxPartitionKey = 2048;
constexpr size_t kMaxSortKey = 1024;

model::Type model_type(const std::string& t) {
  return t == "N" ? model::Type::kN : t == "B" ? model::Type::kB : model::Type::kS;
}

uint64_t bucket_of(std::string_view encoded) {
  uint32_t h = 2166136261u;  // FNV-1a: stable across builds and restarts
  for (unsigned char c : encoded) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// A collection's components after the table's (or index's) own: the
// partition key's bucket, then the key. collection_prefix_under and
// item_key both build keys with it.
storage::KeyBuilder& add_collection(storage::KeyBuilder& b, const json::value& partition_value) {
  std::string pk = model::encode_key_value(partition_value);
  return b.u64(bucket_of(pk)).str(pk);
}

Status check_one(const KeyAttr& attr, const json::object& attrs, KeyFrom from, size_t limit) {
  const auto* v = attrs.if_contains(attr.name);
  if (v == nullptr) {
    if (from == KeyFrom::kItem) {
      return errors::invalid_parameter("Missing the key " + attr.name + " in the item");
    }
    return errors::validation("The provided key element does not match the schema");
  }
  if (from == KeyFrom::kKey && model::type_of(*v) != model_type(attr.type)) {
    return errors::validation("The provided key element does not match the schema");
  }
  if (auto st = model::validate_key_value(attr.name, *v, model_type(attr.type)); !st) return st;
  if (model::value_size(*v) > limit) {
    return errors::invalid_parameter(
        limit == kMaxPartitionKey
            ? "Size of hashkey has exceeded the maximum size limit of2048 bytes"
            : "Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
  }
  return Status::ok();
}

}  // namespace

Status check_key(const KeySchema& key, const json::object& attrs, KeyFrom from) {
  if (auto st = check_one(key.hash, attrs, from, kMaxPartitionKey); !st) return st;
  if (key.range) {
    if (auto st = check_one(*key.range, attrs, from, kMaxSortKey); !st) return st;
  }
  if (from == KeyFrom::kKey && attrs.size() != (key.range ? 2u : 1u)) {
    return errors::validation("The provided key element does not match the schema");
  }
  return Status::ok();
}

std::string table_prefix(const TableDef& t) {
  return storage::encode_key(t.num);
}

std::string collection_prefix(const TableDef& t, const json::value& partition_value) {
  return collection_prefix_under(table_prefix(t), partition_value);
}

std::string collection_prefix_under(std::string base, const json::value& partition_value) {
  storage::KeyBuilder b;
  return base + add_collection(b, partition_value).bytes();
}

std::string sort_key_in(const std::string& collection, const json::value& sort_value, bool open) {
  std::string sk = model::encode_key_value(sort_value);
  storage::KeyBuilder b;
  if (open) {
    b.str_prefix(sk);
  } else {
    b.str(sk);
  }
  return collection + std::move(b).bytes();
}

std::string item_key(const TableDef& t, const json::object& attrs) {
  // table_prefix, the collection, then the sort key (as sort_key_in
  // appends it), in one buffer.
  storage::KeyBuilder b;
  add_collection(b.u64(t.num), attrs.at(t.key.hash.name));
  if (t.key.range) b.str(model::encode_key_value(attrs.at(t.key.range->name)));
  return std::move(b).bytes();
}

json::object key_attributes(const KeySchema& key, const json::object& item) {
  json::object out;
  for (const auto& name : key.names()) {
    if (const auto* v = item.if_contains(name)) out[name] = *v;
  }
  return out;
}

uint64_t segment_bucket(uint64_t segment, uint64_t total) {
  return (segment << 32) / total;
}

std::string bucket_key(const TableDef& t, uint64_t bucket) {
  return storage::KeyBuilder().u64(t.num).u64(bucket).bytes();
}

uint64_t bucket_of_key(std::string_view storage_key) {
  storage::KeyReader r(storage_key);
  r.u64();
  return r.u64().value_or(0);
}

model::KeySchema model_schema(const KeySchema& key) {
  model::KeySchema out{{key.hash.name, model_type(key.hash.type)}, std::nullopt};
  if (key.range) out.sort = model::KeyAttribute{key.range->name, model_type(key.range->type)};
  return out;
}

}  // namespace nimbus::services::dynamodb
