// CreateTable, DescribeTable, UpdateTable, DeleteTable, ListTables.
#include <algorithm>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/expiry.h"
#include "services/dynamodb/item_keys.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;

namespace {

// Namespaces holding keys under a table's number, cleared by DeleteTable.
const std::vector<std::string>& table_namespaces() {
  static const std::vector<std::string> kSpaces{ns::kItems, ns::kIndexes, ns::kCollections,
                                                ns::kExpiry};
  return kSpaces;
}

Status update_throughput(TableDef& t, const json::object& in, double now) {
  const auto* v = in.if_contains("ProvisionedThroughput");
  if (v == nullptr || !v->is_object()) return Status::ok();
  int64_t read = integer(v->as_object(), "ReadCapacityUnits").value_or(0);
  int64_t write = integer(v->as_object(), "WriteCapacityUnits").value_or(0);
  if (read == t.throughput.read && write == t.throughput.write) {
    std::string r = std::to_string(read), w = std::to_string(write);
    return errors::validation(
        "The provisioned throughput for the table will not change. The requested value equals "
        "the current value. Current ReadCapacityUnits provisioned for the table: " +
        std::to_string(t.throughput.read) + ". Requested ReadCapacityUnits: " + r +
        ". Current WriteCapacityUnits provisioned for the table: " +
        std::to_string(t.throughput.write) + ". Requested WriteCapacityUnits: " + w +
        ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request "
        "higher limits.");
  }
  if (read > t.throughput.read || write > t.throughput.write) t.throughput.last_increase = now;
  if (read < t.throughput.read || write < t.throughput.write) {
    t.throughput.last_decrease = now;
    ++t.throughput.decreases_today;
  }
  t.throughput.read = read;
  t.throughput.write = write;
  return Status::ok();
}

Status update_billing(TableDef& t, const json::object& in, double now) {
  std::string billing = str(in, "BillingMode");
  bool has_throughput = has(in, "ProvisionedThroughput");
  if (!billing.empty() && billing != "PROVISIONED" && billing != "PAY_PER_REQUEST") {
    return errors::constraint("'" + billing + "'", "billingMode",
                              "Member must satisfy enum value set: [PROVISIONED, "
                              "PAY_PER_REQUEST]");
  }
  bool on_demand = billing.empty() ? t.on_demand : billing == "PAY_PER_REQUEST";
  if (on_demand && has_throughput) {
    return errors::invalid_parameter(
        "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
        "specified when BillingMode is PAY_PER_REQUEST");
  }
  if (!on_demand && t.on_demand && !has_throughput) {
    return errors::invalid_parameter(
        "ReadCapacityUnits and WriteCapacityUnits must both be "
        "specified when BillingMode is PROVISIONED");
  }
  if (on_demand && !t.on_demand) {
    t.billing_changed = now;
    t.throughput = Throughput{};
    for (auto& g : t.gsis) g.throughput = Throughput{};
  }
  if (!on_demand && t.on_demand) {
    for (auto& g : t.gsis) {
      const auto& tp = in.at("ProvisionedThroughput").as_object();
      g.throughput.read = integer(tp, "ReadCapacityUnits").value_or(1);
      g.throughput.write = integer(tp, "WriteCapacityUnits").value_or(1);
    }
  }
  t.on_demand = on_demand;
  return update_throughput(t, in, now);
}

Status update_stream(TableDef& t, const json::object& in, int64_t now_ms) {
  const auto* v = in.if_contains("StreamSpecification");
  if (v == nullptr || !v->is_object()) return Status::ok();
  const auto& spec = v->as_object();
  if (auto st = check_stream_spec(spec); !st) return st;
  bool enable = boolean(spec, "StreamEnabled").value_or(false);
  if (enable && t.stream_enabled) {
    return errors::validation("Table already has an enabled stream: TableName: " + t.name);
  }
  if (!enable && !t.stream_enabled) {
    return errors::validation("Table already has streams disabled: TableName: " + t.name);
  }
  t.stream_enabled = enable;
  if (enable) t.stream_view_type = str(spec, "StreamViewType");  // kept once disabled
  if (enable) t.stream_label = utc_millis(now_ms, "");
  return Status::ok();
}

// GlobalSecondaryIndexUpdates: Create, Update (throughput) and Delete.
Status update_indexes(TableDef& t, const json::object& in) {
  const auto* v = in.if_contains("GlobalSecondaryIndexUpdates");
  if (v == nullptr || !v->is_array()) return Status::ok();
  // New key attributes come with the call's AttributeDefinitions.
  if (const auto* defs = in.if_contains("AttributeDefinitions"); defs && defs->is_array()) {
    for (const auto& d : defs->as_array()) {
      if (!d.is_object()) continue;
      std::string name = str(d.as_object(), "AttributeName");
      std::string type = str(d.as_object(), "AttributeType");
      auto same = std::find_if(t.attributes.begin(), t.attributes.end(),
                               [&](const auto& a) { return a.first == name; });
      if (same == t.attributes.end()) {
        t.attributes.emplace_back(name, type);
      } else if (same->second != type) {
        return errors::invalid_parameter("Cannot change the type of the attribute " + name);
      }
    }
  }
  for (const auto& u : v->as_array()) {
    if (!u.is_object()) continue;
    const auto& update = u.as_object();
    if (const auto* c = update.if_contains("Create"); c && c->is_object()) {
      // Validated as a CreateTable of the table's own definition plus it.
      json::object probe = to_stored(t);
      probe.erase("nimbus");
      json::array gsis;
      if (const auto* g = probe.if_contains("GlobalSecondaryIndexes")) gsis = g->as_array();
      gsis.push_back(*c);
      probe["GlobalSecondaryIndexes"] = std::move(gsis);
      auto parsed = parse_create(probe, true);  // the table's own tags were checked
      if (!parsed) return parsed.take_error();
      for (const auto& existing : t.gsis) {
        if (existing.name == str(c->as_object(), "IndexName")) {
          return errors::invalid_parameter("Duplicate index name: " + existing.name);
        }
      }
      t.gsis.push_back(parsed->gsis.back());
      t.gsis.back().status = "CREATING";  // until its backfill is done
      t.attributes = parsed->attributes;
    } else if (const auto* d = update.if_contains("Delete"); d && d->is_object()) {
      std::string name = str(d->as_object(), "IndexName");
      auto it = std::find_if(t.gsis.begin(), t.gsis.end(),
                             [&](const IndexDef& g) { return g.name == name; });
      if (it == t.gsis.end()) {
        return Error::make("ResourceNotFoundException",
                           "Requested resource not found: Index: " + name + " not found");
      }
      t.gsis.erase(it);
    } else if (const auto* up = update.if_contains("Update"); up && up->is_object()) {
      std::string name = str(up->as_object(), "IndexName");
      auto it = std::find_if(t.gsis.begin(), t.gsis.end(),
                             [&](const IndexDef& g) { return g.name == name; });
      if (it == t.gsis.end()) {
        return Error::make("ResourceNotFoundException",
                           "Requested resource not found: Index: " + name + " not found");
      }
      if (const auto* tp = up->as_object().if_contains("ProvisionedThroughput");
          tp && tp->is_object()) {
        it->throughput.read = integer(tp->as_object(), "ReadCapacityUnits").value_or(0);
        it->throughput.write = integer(tp->as_object(), "WriteCapacityUnits").value_or(0);
      }
    }
  }
  // Attribute definitions no key uses any more are dropped, as AWS does.
  std::erase_if(t.attributes, [&](const auto& a) {
    auto uses = [&](const KeySchema& k) {
      return k.hash.name == a.first || (k.range && k.range->name == a.first);
    };
    if (uses(t.key)) return false;
    for (const auto& i : t.gsis) {
      if (uses(i.key)) return false;
    }
    for (const auto& i : t.lsis) {
      if (uses(i.key)) return false;
    }
    return true;
  });
  return Status::ok();
}

}  // namespace

void DynamoDbService::create_table(const CallContext& ctx, object in, Respond respond) {
  auto def = parse_create(in, takes_aws_tags(ctx));
  if (!def) return respond(def.take_error());
  tables_->create(std::move(*def), [this, ctx, respond = std::move(respond)](Result<TablePtr> t) {
    if (!t) return respond(t.take_error());
    respond(json::object{{"TableDescription", description(ctx, **t, "ACTIVE")}});
  });
}

Output DynamoDbService::describe_table(const CallContext& ctx, const object& in) const {
  std::string name = table_name_of(in);
  auto t = tables_->find(name);
  if (!t) return errors::table_not_found_named(name);
  return json::object{{"Table", description(ctx, *t, "ACTIVE")}};
}

void DynamoDbService::update_table(const CallContext& ctx, object in, Respond respond) {
  std::string name = table_name_of(in);
  static const char* kChanges[] = {"ProvisionedThroughput",     "BillingMode",
                                   "StreamSpecification",       "GlobalSecondaryIndexUpdates",
                                   "SSESpecification",          "ReplicaUpdates",
                                   "DeletionProtectionEnabled", "TableClass",
                                   "OnDemandThroughput",        "WarmThroughput"};
  bool any = std::any_of(std::begin(kChanges), std::end(kChanges),
                         [&](const char* k) { return has(in, k); });
  if (!tables_->find(name)) return respond(errors::table_not_found_named(name));
  if (!any) {
    return respond(errors::validation(
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"));
  }
  double now = static_cast<double>(env_.clock.now_millis()) / 1000.0;
  int64_t now_ms = env_.clock.now_millis();
  auto change = [&in, now, now_ms](TableDef& t) -> Status {
    if (auto st = update_billing(t, in, now); !st) return st;
    if (auto st = update_stream(t, in, now_ms); !st) return st;
    if (auto st = update_indexes(t, in); !st) return st;
    if (auto p = boolean(in, "DeletionProtectionEnabled")) t.deletion_protection = *p;
    if (auto cls = str(in, "TableClass"); !cls.empty()) t.table_class = cls;
    return Status::ok();
  };
  tables_->update(name, change, [this, ctx, respond = std::move(respond)](Result<TablePtr> t) {
    if (!t) return respond(t.take_error());
    backfill_new_indexes(**t);
    respond(json::object{{"TableDescription", description(ctx, **t, "UPDATING")}});
  });
}

void DynamoDbService::delete_table(const CallContext& ctx, object in, Respond respond) {
  std::string name = table_name_of(in);
  auto before = tables_->find(name);
  TableStats stats = before ? tables_->stats(*before) : TableStats{};
  tables_->remove(
      name, table_namespaces(),
      [this, ctx, stats, respond = std::move(respond)](Result<TablePtr> t) {
        if (!t) return respond(t.take_error());
        respond(json::object{
            {"TableDescription", describe(**t, stats, "DELETING", region(ctx), account(ctx))}});
      });
}

Output DynamoDbService::list_tables(const CallContext&, const object& in) const {
  size_t limit = static_cast<size_t>(integer(in, "Limit").value_or(100));
  bool more = false;
  auto names = tables_->names(str(in, "ExclusiveStartTableName"), limit, more);
  json::array arr;
  for (auto& n : names) arr.push_back(json::value(n));
  json::object out{{"TableNames", std::move(arr)}};
  if (more && !names.empty()) out["LastEvaluatedTableName"] = names.back();
  return out;
}

}  // namespace nimbus::services::dynamodb
