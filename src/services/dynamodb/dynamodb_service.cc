// Amazon DynamoDB: the service and its operation table.
#include "services/dynamodb/dynamodb_service.h"

#include "common/json_fields.h"
#include "services/dynamodb/stream_records.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;

namespace {

// The ARNs each operation touches, as the service authorization reference
// lists them: the table (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME), the
// resource a tag call names, or none.
Resources by_table(const CallContext& ctx, const json::object& in) {
  return {"arn:aws:dynamodb:" + ctx.region + ":" + ctx.account_id + ":table/" + table_name_of(in)};
}
Resources by_resource_arn(const CallContext&, const json::object& in) {
  return {str(in, "ResourceArn")};
}

// BatchGetItem / BatchWriteItem: every table of RequestItems.
Resources by_request_tables(const CallContext& ctx, const json::object& in) {
  Resources out;
  const auto* items = in.if_contains("RequestItems");
  if (items == nullptr || !items->is_object()) return out;
  for (const auto& [name, value] : items->as_object()) {
    out.push_back(by_table(ctx, json::object{{"TableName", name}}).front());
  }
  return out;
}

// TransactWriteItems / TransactGetItems: the table of every action.
Resources by_transact_tables(const CallContext& ctx, const json::object& in) {
  Resources out;
  const auto* items = in.if_contains("TransactItems");
  if (items == nullptr || !items->is_array()) return out;
  for (const auto& entry : items->as_array()) {
    if (!entry.is_object()) continue;
    for (const auto& [kind, body] : entry.as_object()) {
      if (body.is_object()) out.push_back(by_table(ctx, body.as_object()).front());
    }
  }
  return out;
}

// ExecuteStatement / BatchExecuteStatement: the table each statement names
// (a statement that does not parse names none).
Resources by_statement(const CallContext& ctx, const json::object& in) {
  const auto* p = in.if_contains("Parameters");
  auto s = nimbus::dynamodb::parse_partiql(
      str(in, "Statement"), p != nullptr && p->is_array() ? p->as_array() : json::array{});
  if (!s) return {};
  return by_table(ctx, json::object{{"TableName", s->table}});
}
Resources statements_in(const CallContext& ctx, const json::object& in, std::string_view name) {
  Resources out;
  const auto* list = in.if_contains(name);
  if (list == nullptr || !list->is_array()) return out;
  for (const auto& member : list->as_array()) {
    if (!member.is_object()) continue;
    for (auto& r : by_statement(ctx, member.as_object())) out.push_back(std::move(r));
  }
  return out;
}
Resources by_statements(const CallContext& ctx, const json::object& in) {
  return statements_in(ctx, in, "Statements");
}
Resources by_transact_statements(const CallContext& ctx, const json::object& in) {
  return statements_in(ctx, in, "TransactStatements");
}

}  // namespace

const Operation<DynamoDbService> DynamoDbService::kOperations[] = {
    // table_handlers.cc
    {"CreateTable", &DynamoDbService::create_table, by_table},
    {"DescribeTable", &DynamoDbService::describe_table, by_table},
    {"UpdateTable", &DynamoDbService::update_table, by_table},
    {"DeleteTable", &DynamoDbService::delete_table, by_table},
    {"ListTables", &DynamoDbService::list_tables, no_resources},
    // settings_handlers.cc
    {"TagResource", &DynamoDbService::tag_resource, by_resource_arn},
    {"UntagResource", &DynamoDbService::untag_resource, by_resource_arn},
    {"ListTagsOfResource", &DynamoDbService::list_tags_of_resource, by_resource_arn},
    {"UpdateTimeToLive", &DynamoDbService::update_time_to_live, by_table},
    {"DescribeTimeToLive", &DynamoDbService::describe_time_to_live, by_table},
    {"DescribeContinuousBackups", &DynamoDbService::describe_continuous_backups, by_table},
    {"DescribeLimits", &DynamoDbService::describe_limits, no_resources},
    {"DescribeEndpoints", &DynamoDbService::describe_endpoints, no_resources},
    // item_handlers.cc
    {"PutItem", &DynamoDbService::put_item, by_table},
    {"GetItem", &DynamoDbService::get_item, by_table},
    {"DeleteItem", &DynamoDbService::delete_item, by_table},
    {"UpdateItem", &DynamoDbService::update_item, by_table},
    // query_handlers.cc
    {"Query", &DynamoDbService::query_handler, by_table},
    {"Scan", &DynamoDbService::scan_handler, by_table},
    // batch_handlers.cc
    {"BatchGetItem", &DynamoDbService::batch_get_handler, by_request_tables},
    {"BatchWriteItem", &DynamoDbService::batch_write_item, by_request_tables},
    // transact_handlers.cc
    {"TransactWriteItems", &DynamoDbService::transact_write_items, by_transact_tables},
    {"TransactGetItems", &DynamoDbService::transact_get_items, by_transact_tables},
    // partiql_handlers.cc
    {"ExecuteStatement", &DynamoDbService::execute_statement, by_statement},
    {"BatchExecuteStatement", &DynamoDbService::batch_execute_statement, by_statements},
    // partiql_transact_handlers.cc
    {"ExecuteTransaction", &DynamoDbService::execute_transaction, by_transact_statements},
};

DynamoDbService::DynamoDbService(Environment& env)
    : Service("dynamodb"),
      env_(env),
      tables_(std::make_unique<Tables>(env)),
      items_(std::make_unique<Items>(env, *tables_)) {
  stream_reader_ =
      std::make_unique<StreamReader>(*tables_, env.clock, shard_period_ms(env.settings));
  serve(*this, kOperations);
}

DynamoDbService::~DynamoDbService() {
  stream_bound_.reset();  // waits for pollers' calls running in the reader
  {
    MutexLock lock(ttl_mu_);
    ttl_stopped_ = true;
  }
  ttl_gate_->close();
  // Writes in flight finish first: their answers use the tokens and tables.
  items_.reset();
}

void DynamoDbService::bind(events::Targets& targets) {
  stream_bound_ = targets.bind_stream_source("dynamodb", *stream_reader_);
}

Status DynamoDbService::start() {
  if (auto st = tables_->recover(); !st) return st;
  auto log = storage::Log::open(*env_.storage, ns::kStreams, env_.clock, env_.scheduler);
  if (!log) return log.take_error();
  stream_log_ = std::move(*log);
  tables_->set_stream_log(stream_log_.get());
  stream_reader_->attach(stream_log_.get());
  bool more = false;
  for (const auto& name : tables_->names("", SIZE_MAX, more)) {
    if (auto t = tables_->find(name)) {
      backfill_new_indexes(*t);
      recover_expiry(*t);
    }
  }
  schedule_ttl_sweep();
  return Status::ok();
}

void DynamoDbService::begin_shutdown() {
  MutexLock lock(ttl_mu_);
  ttl_stopped_ = true;
}

std::string DynamoDbService::region(const CallContext& ctx) const {
  return ctx.region.empty() ? env_.settings.region : ctx.region;
}

std::string DynamoDbService::account(const CallContext& ctx) const {
  return ctx.account_id.empty() ? env_.settings.account_id : ctx.account_id;
}

json::object DynamoDbService::description(const CallContext& ctx, const TableDef& t,
                                          const std::string& status) const {
  return describe(t, tables_->stats(t), status, region(ctx), account(ctx),
                  [this](uint64_t num) { return tables_->stats(num); });
}

}  // namespace nimbus::services::dynamodb
