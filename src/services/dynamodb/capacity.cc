#include "services/dynamodb/capacity.h"

#include <algorithm>
#include <cmath>

#include "common/json_fields.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/indexes.h"
#include "services/dynamodb/model/value.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;

namespace {

constexpr double kReadUnitBytes = 4096;
constexpr double kWriteUnitBytes = 1024;

double units(size_t bytes, double unit) {
  return std::max(1.0, std::ceil(static_cast<double>(bytes) / unit));
}

// The index's cost of the item's change: its entry put, deleted, both (the
// index key changed) or nothing (the entry is the same, or there is none).
double index_write(const TableDef& t, const IndexDef& i, const std::optional<json::object>& before,
                   const std::optional<json::object>& after) {
  std::optional<std::string> old_key, new_key;
  json::object old_entry, new_entry;
  if (before && (old_key = index_entry_key(t, i, *before))) old_entry = project(t, i, *before);
  if (after && (new_key = index_entry_key(t, i, *after))) new_entry = project(t, i, *after);
  if (!old_key && !new_key) return 0;
  if (old_key && new_key && *old_key == *new_key) {
    return old_entry == new_entry ? 0 : write_units(nimbus::dynamodb::item_size(new_entry));
  }
  double cost = 0;
  if (old_key) cost += write_units(nimbus::dynamodb::item_size(old_entry));
  if (new_key) cost += write_units(nimbus::dynamodb::item_size(new_entry));
  return cost;
}

json::object capacity(double units_value) {
  return json::object{{"CapacityUnits", units_value}};
}

}  // namespace

Result<CapacityMode> capacity_mode(const json::object& in) {
  std::string v = str(in, "ReturnConsumedCapacity");
  if (v.empty() || v == "NONE") return CapacityMode::kNone;
  if (v == "TOTAL") return CapacityMode::kTotal;
  if (v == "INDEXES") return CapacityMode::kIndexes;
  return errors::constraint("'" + v + "'", "returnConsumedCapacity",
                            "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
}

double read_units(size_t bytes, bool consistent) {
  double u = units(bytes, kReadUnitBytes);
  return consistent ? u : u / 2;
}

double write_units(size_t bytes) {
  return units(bytes, kWriteUnitBytes);
}

double Consumed::total() const {
  double sum = table;
  for (const auto* m : {&gsis, &lsis}) {
    for (const auto& [name, u] : *m) sum += u;
  }
  return sum;
}

Consumed& Consumed::operator+=(const Consumed& o) {
  table += o.table;
  for (const auto& [name, u] : o.gsis) gsis[name] += u;
  for (const auto& [name, u] : o.lsis) lsis[name] += u;
  return *this;
}

Consumed Consumed::scaled(double factor) const {
  Consumed c = *this;
  c.table *= factor;
  for (auto* m : {&c.gsis, &c.lsis}) {
    for (auto& [name, u] : *m) u *= factor;
  }
  return c;
}

Consumed write_consumed(const TableDef& t, const std::optional<json::object>& before,
                        const std::optional<json::object>& after) {
  Consumed c;
  size_t bytes = std::max(before ? nimbus::dynamodb::item_size(*before) : 0,
                          after ? nimbus::dynamodb::item_size(*after) : 0);
  c.table = write_units(bytes);
  for (const auto& i : t.gsis) {
    if (double u = index_write(t, i, before, after); u > 0) c.gsis[i.name] += u;
  }
  for (const auto& i : t.lsis) {
    if (double u = index_write(t, i, before, after); u > 0) c.lsis[i.name] += u;
  }
  return c;
}

Consumed read_consumed(const TableDef& t, const std::string& index, size_t bytes, bool consistent) {
  Consumed c;
  double u = read_units(bytes, consistent);
  if (index.empty()) {
    c.table = u;
  } else if (std::any_of(t.gsis.begin(), t.gsis.end(),
                         [&](const IndexDef& i) { return i.name == index; })) {
    c.gsis[index] = u;
  } else {
    c.lsis[index] = u;
  }
  return c;
}

json::object consumed_capacity(const std::string& table, const Consumed& c, CapacityMode mode) {
  if (mode == CapacityMode::kNone) return {};
  json::object out{{"TableName", table}, {"CapacityUnits", c.total()}};
  if (mode != CapacityMode::kIndexes) return out;
  out["Table"] = capacity(c.table);
  for (const auto& [member, m] : {std::pair{"GlobalSecondaryIndexes", &c.gsis},
                                  std::pair{"LocalSecondaryIndexes", &c.lsis}}) {
    if (m->empty()) continue;
    json::object per;
    for (const auto& [name, u] : *m) per[name] = capacity(u);
    out[member] = std::move(per);
  }
  return out;
}

json::array consumed_capacity(const std::map<std::string, Consumed>& by_table, CapacityMode mode) {
  json::array out;
  for (const auto& [table, c] : by_table) out.push_back(consumed_capacity(table, c, mode));
  return out;
}

}  // namespace nimbus::services::dynamodb
