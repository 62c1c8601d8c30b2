// A table's stored form and its TableDescription.
#include "common/json_fields.h"
#include "common/time_format.h"
#include "services/dynamodb/table_def.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;

namespace {

json::array key_schema_json(const KeySchema& k) {
  json::array out{json::object{{"AttributeName", k.hash.name}, {"KeyType", "HASH"}}};
  if (k.range) out.push_back(json::object{{"AttributeName", k.range->name}, {"KeyType", "RANGE"}});
  return out;
}

json::object throughput_json(const Throughput& t) {
  return {{"ReadCapacityUnits", t.read}, {"WriteCapacityUnits", t.write}};
}

json::object throughput_description(const Throughput& t) {
  json::object out{{"NumberOfDecreasesToday", t.decreases_today},
                   {"ReadCapacityUnits", t.read},
                   {"WriteCapacityUnits", t.write}};
  if (t.last_increase > 0) out["LastIncreaseDateTime"] = t.last_increase;
  if (t.last_decrease > 0) out["LastDecreaseDateTime"] = t.last_decrease;
  return out;
}

double number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<double>() : 0;
}

}  // namespace

const IndexDef* TableDef::find_index(std::string_view index) const {
  for (const auto* list : {&gsis, &lsis}) {
    for (const auto& i : *list) {
      if (i.name == index) return &i;
    }
  }
  return nullptr;
}

bool TableDef::is_global(const IndexDef& index) const {
  return !gsis.empty() && &index >= &gsis.front() && &index <= &gsis.back();
}

std::string TableDef::arn(const std::string& region, const std::string& account) const {
  return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + name;
}

std::string TableDef::stream_arn(const std::string& region, const std::string& account) const {
  return arn(region, account) + "/stream/" + stream_label;
}

json::object to_stored(const TableDef& t) {
  json::array definitions;
  for (const auto& [name, type] : t.attributes) {
    definitions.push_back(json::object{{"AttributeName", name}, {"AttributeType", type}});
  }
  json::object out{{"TableName", t.name},
                   {"KeySchema", key_schema_json(t.key)},
                   {"AttributeDefinitions", std::move(definitions)},
                   {"BillingMode", t.on_demand ? "PAY_PER_REQUEST" : "PROVISIONED"},
                   {"DeletionProtectionEnabled", t.deletion_protection},
                   {"TableClass", t.table_class}};
  if (!t.on_demand) out["ProvisionedThroughput"] = throughput_json(t.throughput);
  auto indexes = [&](const std::vector<IndexDef>& list, bool global) {
    json::array arr;
    for (const auto& i : list) {
      json::object o{{"IndexName", i.name},
                     {"KeySchema", key_schema_json(i.key)},
                     {"Projection", i.projection}};
      if (global && !t.on_demand) o["ProvisionedThroughput"] = throughput_json(i.throughput);
      arr.push_back(std::move(o));
    }
    return arr;
  };
  if (!t.gsis.empty()) out["GlobalSecondaryIndexes"] = indexes(t.gsis, true);
  if (!t.lsis.empty()) out["LocalSecondaryIndexes"] = indexes(t.lsis, false);
  if (t.stream_enabled) {
    out["StreamSpecification"] =
        json::object{{"StreamEnabled", true}, {"StreamViewType", t.stream_view_type}};
  }
  json::array tags;
  for (const auto& [k, v] : t.tags) tags.push_back(json::object{{"Key", k}, {"Value", v}});
  if (!tags.empty()) out["Tags"] = std::move(tags);
  json::array statuses;
  for (const auto& i : t.gsis) statuses.push_back(json::value(i.status));
  json::object index_nums;
  for (const auto* list : {&t.gsis, &t.lsis}) {
    for (const auto& i : *list) index_nums[i.name] = i.num;
  }
  out["nimbus"] = json::object{{"num", t.num},
                               {"id", t.id},
                               {"created", t.created},
                               {"billing_changed", t.billing_changed},
                               {"stream_label", t.stream_label},
                               {"stream_view", t.stream_view_type},
                               {"ttl_attribute", t.ttl_attribute},
                               {"ttl_enabled", t.ttl_enabled},
                               {"ttl_since", t.ttl_since},
                               {"last_increase", t.throughput.last_increase},
                               {"last_decrease", t.throughput.last_decrease},
                               {"decreases_today", t.throughput.decreases_today},
                               {"gsi_status", std::move(statuses)},
                               {"index_nums", std::move(index_nums)}};
  return out;
}

Result<TableDef> from_stored(const json::object& stored) {
  auto t = parse_create(stored, true);
  if (!t) return t.take_error();
  const auto* extra = stored.if_contains("nimbus");
  if (extra == nullptr || !extra->is_object()) {
    return Error::internal("stored table " + t->name + " has no identity");
  }
  const auto& x = extra->as_object();
  t->num = static_cast<uint64_t>(integer(x, "num").value_or(0));
  t->id = str(x, "id");
  t->created = number(x, "created");
  t->billing_changed = number(x, "billing_changed");
  t->stream_label = str(x, "stream_label");
  if (!t->stream_enabled) t->stream_view_type = str(x, "stream_view");
  t->ttl_attribute = str(x, "ttl_attribute");
  t->ttl_enabled = boolean(x, "ttl_enabled").value_or(false);
  t->ttl_since = integer(x, "ttl_since").value_or(0);
  t->throughput.last_increase = number(x, "last_increase");
  t->throughput.last_decrease = number(x, "last_decrease");
  t->throughput.decreases_today = integer(x, "decreases_today").value_or(0);
  if (const auto* st = x.if_contains("gsi_status"); st && st->is_array()) {
    for (size_t i = 0; i < st->as_array().size() && i < t->gsis.size(); ++i) {
      if (st->as_array()[i].is_string()) t->gsis[i].status = st->as_array()[i].as_string();
    }
  }
  if (const auto* nums = x.if_contains("index_nums"); nums && nums->is_object()) {
    for (auto* list : {&t->gsis, &t->lsis}) {
      for (auto& i : *list)
        i.num = static_cast<uint64_t>(integer(nums->as_object(), i.name).value_or(0));
    }
  }
  return t;
}

json::object describe(const TableDef& t, const TableStats& stats, const std::string& status,
                      const std::string& region, const std::string& account,
                      const std::function<TableStats(uint64_t)>& index_stats) {
  auto stats_of = [&](const IndexDef& i) {
    return index_stats ? index_stats(i.num) : TableStats{};
  };
  json::array definitions;
  for (const auto& [name, type] : t.attributes) {
    definitions.push_back(json::object{{"AttributeName", name}, {"AttributeType", type}});
  }
  std::string arn = t.arn(region, account);
  json::object out{{"AttributeDefinitions", std::move(definitions)},
                   {"TableName", t.name},
                   {"KeySchema", key_schema_json(t.key)},
                   {"TableStatus", status},
                   {"CreationDateTime", t.created},
                   {"ProvisionedThroughput", throughput_description(t.throughput)},
                   {"TableSizeBytes", stats.size_bytes},
                   {"ItemCount", stats.item_count},
                   {"TableArn", arn},
                   {"TableId", t.id},
                   {"DeletionProtectionEnabled", t.deletion_protection}};
  if (t.on_demand) {
    out["BillingModeSummary"] =
        json::object{{"BillingMode", "PAY_PER_REQUEST"},
                     {"LastUpdateToPayPerRequestDateTime",
                      t.billing_changed > 0 ? t.billing_changed : t.created}};
  }
  if (!t.lsis.empty()) {
    json::array arr;
    for (const auto& i : t.lsis) {
      arr.push_back(json::object{{"IndexName", i.name},
                                 {"KeySchema", key_schema_json(i.key)},
                                 {"Projection", i.projection},
                                 {"IndexSizeBytes", stats_of(i).size_bytes},
                                 {"ItemCount", stats_of(i).item_count},
                                 {"IndexArn", arn + "/index/" + i.name}});
    }
    out["LocalSecondaryIndexes"] = std::move(arr);
  }
  if (!t.gsis.empty()) {
    json::array arr;
    for (const auto& i : t.gsis) {
      json::object o{{"IndexName", i.name},
                     {"KeySchema", key_schema_json(i.key)},
                     {"Projection", i.projection},
                     {"IndexStatus", i.status},
                     {"ProvisionedThroughput", throughput_description(i.throughput)},
                     {"IndexSizeBytes", stats_of(i).size_bytes},
                     {"ItemCount", stats_of(i).item_count},
                     {"IndexArn", arn + "/index/" + i.name}};
      if (i.status == "CREATING") o["Backfilling"] = true;
      arr.push_back(std::move(o));
    }
    out["GlobalSecondaryIndexes"] = std::move(arr);
  }
  if (t.stream_enabled) {
    out["StreamSpecification"] =
        json::object{{"StreamEnabled", true}, {"StreamViewType", t.stream_view_type}};
  }
  if (!t.stream_label.empty()) {
    out["LatestStreamLabel"] = t.stream_label;
    out["LatestStreamArn"] = t.stream_arn(region, account);
  }
  if (t.table_class != "STANDARD") {
    out["TableClassSummary"] = json::object{{"TableClass", t.table_class}};
  }
  return out;
}

}  // namespace nimbus::services::dynamodb
