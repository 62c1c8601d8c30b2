#include "services/dynamodb/expiry.h"

#include "services/dynamodb/model/value.h"
#include "storage/key_codec.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

std::optional<uint64_t> expiry_second(const TableDef& t, const json::object& item) {
  if (!t.ttl_enabled || t.ttl_attribute.empty()) return std::nullopt;
  const auto* v = item.if_contains(t.ttl_attribute);
  if (v == nullptr || model::type_of(*v) != model::Type::kN) return std::nullopt;
  auto n = model::number_of(*v);
  if (!n) return std::nullopt;
  // Plain notation ("-12", "1700000000.5"): the integer part, plus one for
  // any fraction.
  std::string text = n->to_string();
  if (text.empty() || text[0] == '-') return std::nullopt;
  auto dot = text.find('.');
  std::string whole = text.substr(0, dot);
  if (whole.empty() || whole.size() > 15 ||
      whole.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;  // beyond any date a sweep reaches
  }
  uint64_t s = std::stoull(whole);
  if (s == 0) return std::nullopt;  // long past: AWS ignores it
  if (dot != std::string::npos && text.find_first_not_of('0', dot + 1) != std::string::npos) ++s;
  return s;
}

std::string expiry_table_prefix(uint64_t num) {
  return storage::KeyBuilder().u64(num).bytes();
}

std::string expiry_prefix(const TableDef& t) {
  return storage::KeyBuilder().u64(t.num).i64(t.ttl_since).bytes();
}

std::string expiry_key(const TableDef& t, uint64_t second, const std::string& item_key) {
  return storage::KeyBuilder().u64(t.num).i64(t.ttl_since).u64(second).tail(item_key).bytes();
}

std::optional<uint64_t> expiry_key_second(const std::string& key) {
  storage::KeyReader r(key);
  if (!r.u64() || !r.i64()) return std::nullopt;
  return r.u64();
}

std::string expiry_mark(const TableDef& t) {
  return "expiry/" + std::to_string(t.num) + "/" + std::to_string(t.ttl_since);
}

void expiry_changes(const TableDef& t, const std::string& item_key,
                    const std::optional<json::object>& before,
                    const std::optional<json::object>& after, storage::WriteBatch& batch) {
  if (!t.ttl_enabled) return;
  // 0 for none: a TTL of second 0 is never indexed (long past).
  uint64_t old_s = before ? expiry_second(t, *before).value_or(0) : 0;
  uint64_t new_s = after ? expiry_second(t, *after).value_or(0) : 0;
  if (old_s == new_s) return;
  if (old_s != 0) batch.del(ns::kExpiry, expiry_key(t, old_s, item_key));
  if (new_s != 0) batch.put(ns::kExpiry, expiry_key(t, new_s, item_key), item_key);
}

}  // namespace nimbus::services::dynamodb
