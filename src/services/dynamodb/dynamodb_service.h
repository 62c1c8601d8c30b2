// Amazon DynamoDB (model dynamodb/2012-08-10, awsJson 1.0). The handlers
// turn input values into calls on Tables (tables.h: the catalog) and Items
// (items.h: the items in storage). See README.md for what is implemented
// and how it differs from AWS.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>

#include "common/gate.h"
#include "common/mutex.h"

#include "services/dynamodb/capacity.h"
#include "services/dynamodb/items.h"
#include "services/dynamodb/model/expression.h"
#include "services/dynamodb/model/partiql.h"
#include "services/dynamodb/stream_reader.h"
#include "services/dynamodb/tables.h"
#include "services/service.h"

namespace nimbus::services::dynamodb {

// What one action of a write transaction does (TransactWriteItems' member
// names; ExecuteTransaction's statements map onto the same).
enum class TransactKind { kCheck, kPut, kDelete, kUpdate };

class DynamoDbService final : public Service {
 public:
  explicit DynamoDbService(Environment& env);
  ~DynamoDbService() override;

  // Reads every table back (Tables::recover) and starts the TTL sweeps.
  Status start() override;
  void begin_shutdown() override;
  // Binds the table streams as the "dynamodb" stream source (event source
  // mappings read them through events::Targets).
  void bind(events::Targets& targets) override;

  // TTL (ttl_sweep.cc): one pass over the tables with TTL enabled; the
  // number of items (or expiry entries) it read. Blocking.
  size_t sweep_ttl();
  static constexpr std::chrono::milliseconds kTtlSweepEvery{30'000};

  Tables& tables() { return *tables_; }
  // The table streams, for the dynamodbstreams service and event source
  // mappings (api.h); served once start() has run.
  StreamSource& streams() { return *stream_reader_; }
  // Drops stream records older than 24 hours, and the streams tables no
  // longer have 24 hours after (run with each TTL sweep).
  void trim_streams();
  // Forgets ClientRequestTokens older than 10 minutes (run with each TTL
  // sweep); how many. Blocking.
  size_t sweep_tokens();

 private:
  using object = boost::json::object;
  static const Operation<DynamoDbService> kOperations[];

  // table_handlers.cc
  void create_table(const CallContext& ctx, object in, Respond respond);
  Output describe_table(const CallContext& ctx, const object& in) const;
  void update_table(const CallContext& ctx, object in, Respond respond);
  void delete_table(const CallContext& ctx, object in, Respond respond);
  Output list_tables(const CallContext& ctx, const object& in) const;
  // settings_handlers.cc
  void tag_resource(const CallContext& ctx, object in, Respond respond);
  void untag_resource(const CallContext& ctx, object in, Respond respond);
  Output list_tags_of_resource(const CallContext& ctx, const object& in) const;
  void update_time_to_live(const CallContext& ctx, object in, Respond respond);
  Output describe_time_to_live(const CallContext& ctx, const object& in) const;
  Output describe_continuous_backups(const CallContext& ctx, const object& in) const;
  Output describe_limits(const CallContext& ctx, const object& in) const;
  Output describe_endpoints(const CallContext& ctx, const object& in) const;
  // item_handlers.cc
  void put_item(const CallContext& ctx, object in, Respond respond);
  // Takes the request to move its Key out rather than copy it.
  void get_item(const CallContext& ctx, object in, Respond respond);
  // GetItem. With `answer` saying the output is written as awsJson text
  // (Payload::json_text), the item is answered as its stored text when that
  // is its wire JSON and no projection applies.
  Output read_item(object& in, Payload* answer = nullptr) const;
  void delete_item(const CallContext& ctx, object in, Respond respond);
  void update_item(const CallContext& ctx, object in, Respond respond);
  // query_handlers.cc
  void query_handler(const CallContext& ctx, object in, Respond respond);
  void scan_handler(const CallContext& ctx, object in, Respond respond);
  // Blocking (worker pool). With `answer` saying the output is written as
  // awsJson text, items are answered as their stored text as GetItem does.
  Output query(const object& in, Payload* answer = nullptr) const;
  Output scan(const object& in, Payload* answer = nullptr) const;
  // batch_handlers.cc
  void batch_get_handler(const CallContext& ctx, object in, Respond respond);
  Output batch_get_item(const object& in) const;  // blocking: worker pool
  void batch_write_item(const CallContext& ctx, object in, Respond respond);
  // transact_handlers.cc
  void transact_write_items(const CallContext& ctx, object in, Respond respond);
  void transact_get_items(const CallContext& ctx, object in, Respond respond);
  struct TransactAction {
    TransactKind kind = TransactKind::kCheck;
    TablePtr table;
    std::string key;
    object key_attrs;
    object item;
    std::shared_ptr<const nimbus::dynamodb::RequestExpressions> expr;
    bool return_old_on_failure = false;
    // PartiQL: INSERT needs the item absent (-1, else DuplicateItem), UPDATE
    // needs it present (1, else ConditionalCheckFailed); 0 for any.
    int must_exist = 0;
  };
  Result<std::vector<TransactAction>> parse_transact_writes(const boost::json::array& list) const;
  // Runs `actions` as one transaction (all conditions checked, then one
  // commit); `token` and `fingerprint` make it idempotent for 10 minutes.
  // `metrics`: ReturnItemCollectionMetrics SIZE.
  void run_transact_writes(std::vector<TransactAction> actions, std::string token,
                           std::string fingerprint, CapacityMode mode, Respond respond,
                           bool metrics = false);

  // index_backfill.cc: fills the indexes of `t` that are CREATING, then
  // makes them ACTIVE.
  void backfill_new_indexes(const TableDef& t);
  void backfill_index(std::string table, uint64_t index, std::string after);

  // partiql_handlers.cc
  void execute_statement(const CallContext& ctx, object in, Respond respond);
  void batch_execute_statement(const CallContext& ctx, object in, Respond respond);
  void execute_transaction(const CallContext& ctx, object in, Respond respond);
  Result<TransactAction> partiql_action(TablePtr t, nimbus::dynamodb::PartiqlStatement s) const;
  // `index_read`: a SELECT may name an index (ExecuteStatement); batches
  // and transactions read items by their full key only.
  Result<TablePtr> statement_table(const nimbus::dynamodb::PartiqlStatement& s,
                                   bool index_read = false) const;
  Output partiql_select(const TablePtr& t, const nimbus::dynamodb::PartiqlStatement& s,
                        const object& in) const;  // blocking: worker pool
  // `mode`: with the read's ConsumedCapacity (`consistent`: a strongly
  // consistent read).
  Output partiql_get(const TablePtr& t, const nimbus::dynamodb::PartiqlStatement& s,
                     CapacityMode mode = CapacityMode::kNone, bool consistent = false) const;
  void partiql_write(TablePtr t, nimbus::dynamodb::PartiqlStatement s, object in, Respond respond);

  // ClientRequestTokens (transact_tokens.cc): whether `token` was used in
  // the last 10 minutes by the request `fingerprint` names (a mismatch is
  // IdempotentParameterMismatchException); and the record that remembers
  // it, put in the batch of the transaction it names.
  Result<bool> token_seen(const std::string& token, const std::string& fingerprint) const;
  void remember_token(storage::WriteBatch& batch, const std::string& token,
                      const std::string& fingerprint) const;

  // The table an item operation names (ResourceNotFoundException if none).
  Result<TablePtr> item_table(const object& in) const;
  // ConditionalCheckFailedException, with the item when the call asks for it
  // (ReturnValuesOnConditionCheckFailure ALL_OLD).
  static Error condition_failed(const object& in, const std::optional<object>& current);
  // The item's index key attributes have their indexes' types.
  static Status check_index_keys(const TableDef& t, const object& item);
  // `decide`, with the write's ConsumedCapacity added to its answer when the
  // call asks for it (capacity.h).
  static Decide metered(Decide decide, TablePtr t, CapacityMode mode);

  // The caller's region and account (the server's when the call has none).
  std::string region(const CallContext& ctx) const;
  std::string account(const CallContext& ctx) const;
  object description(const CallContext& ctx, const TableDef& t, const std::string& status) const;

  Environment& env_;
  // Declared first: destroyed after the writes that append to it.
  std::unique_ptr<storage::Log> stream_log_;
  std::unique_ptr<StreamReader> stream_reader_;
  std::unique_ptr<Tables> tables_;
  std::unique_ptr<Items> items_;
  void schedule_ttl_sweep();
  // ttl_sweep.cc: the due entries of `t`'s expiry index (expiry.h), or
  // every item while that is rebuilt; the number read.
  size_t sweep_due(const TablePtr& t, int64_t now_s);
  size_t sweep_all(const TablePtr& t, int64_t now_s);
  // Deletes the item at `item_key` under its turn if still expired, and the
  // expiry entry `entry` ("": none) either way.
  void expire(const TablePtr& t, const std::string& item_key, const std::string& entry,
              int64_t now_s);
  // Drops `t`'s expiry entries of earlier TTL generations (before `now_ms`).
  void drop_stale_expiry(const TableDef& t, int64_t now_ms);
  // Rebuilds the expiry index of TTL generation `since` from `after` on,
  // then marks it complete; recover_expiry() at start: marked, or rebuilt.
  void rebuild_expiry(std::string table, int64_t since, std::string after);
  void recover_expiry(const TableDef& t);
  // The sweep timer enters it when it fires (the Scheduler may outlive us).
  std::shared_ptr<Gate> ttl_gate_ = std::make_shared<Gate>();
  Mutex ttl_mu_;
  bool ttl_stopped_ GUARDED_BY(ttl_mu_) = false;
  // The expiry indexes that are complete (their expiry_mark()).
  std::set<std::string> expiry_ready_ GUARDED_BY(ttl_mu_);
  // The "dynamodb" stream source; last, so it is unbound before what the
  // reader uses goes.
  std::unique_ptr<events::Binding> stream_bound_;
};

}  // namespace nimbus::services::dynamodb
