// Items: the items of every table, in storage (item_keys.h has the layout),
// and the one way to change one: a linearizable read-decide-write per item.
//
// A write runs under the item's turn of a PartitionExecutor
// (storage/partition.h): on the caller's thread when the item is idle, on
// the worker pool behind the write before it otherwise. It reads the item as
// stored, hands it to the caller's decision (conditions, updates, return
// values), commits what the decision says (with the table's stats, Tables::
// commit_items) and releases the turn once the commit is durable. Two
// writes to one item therefore never interleave between read and commit;
// writes to different items run concurrently.
//
// Threads: get()/scan() may be called from any thread (event loops
// included: a read is a memtable or block-cache lookup); write() never
// blocks its caller. Respond is called from the committer thread, the pool,
// or (a write refused before its commit) the caller's thread.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/gate.h"
#include "services/dynamodb/tables.h"
#include "services/service.h"
#include "storage/partition.h"
#include "storage/records.h"

namespace nimbus::services::dynamodb {

// What a write does with the item it read.
struct Decision {
  enum class Kind { kNone, kPut, kDelete };
  Kind kind = Kind::kNone;
  boost::json::object item;    // kPut: the new item
  boost::json::object answer;  // the operation's output
  bool by_ttl = false;         // a TTL deletion (its stream record says so)
  // ReturnItemCollectionMetrics SIZE: the item's key (or the item); the
  // answer gets the ItemCollectionMetrics of its collection.
  std::optional<boost::json::object> metrics_of = std::nullopt;
};
using Decide = std::function<Result<Decision>(const std::optional<boost::json::object>& current)>;

class Items {
 public:
  Items(Environment& env, Tables& tables);
  // Waits for the writes in flight (their commits and answers).
  ~Items();

  // The item stored at `key` (item_keys.h), nullopt when there is none.
  Result<std::optional<boost::json::object>> get(const std::string& key) const;
  // The same as stored (encode()'s text), without decoding it.
  Result<std::optional<std::string>> get_stored(const std::string& key) const;
  // Up to `limit` stored items under `prefix` after `start_after` (before
  // it, backward), in key order.
  // `index`: the same over index entries (indexes.h).
  Result<std::vector<storage::Entry>> scan(const std::string& prefix, size_t limit,
                                           const std::string& start_after, bool forward,
                                           bool index = false) const;

  // Runs `decide` on the item at `key` of table `t` under the item's turn
  // and answers `respond` with the decision's answer once it is durable (or
  // with the decision's error, changing nothing).
  void write(TablePtr t, std::string key, Decide decide, Respond respond);

  // The turns of several items at once (transactions): `work` runs on the
  // pool once it holds every key's turn. Keys are taken in sorted order, so
  // two calls never wait on each other in a cycle; the turns are released
  // when the last copy of the Turns is gone.
  struct TurnSet {
    std::vector<storage::PartitionExecutor::Turn> turns;
    Gate::Holder in;  // keeps Items (and the service) from going meanwhile
  };
  using Turns = std::shared_ptr<TurnSet>;
  // False (and `work` never runs) when Items is stopping.
  [[nodiscard]] bool with_turns(std::vector<std::string> keys, std::function<void(Turns)> work);

  // One item's change in a multi-item commit.
  struct Change {
    TablePtr table;
    std::string key;
    std::optional<boost::json::object> before;  // as read under the turn
    std::optional<boost::json::object> after;   // nullopt: delete
    bool by_ttl = false;
  };
  // Commits every change in one batch (all or nothing) with the tables'
  // stats and item collection sizes (collections.h: a collection past its
  // limit fails the commit, changing nothing); `done` once durable.
  // `sizes` as Tables::commit_items gives them; `also` adds to the batch
  // (a transaction's ClientRequestToken). `changes` may be empty.
  void commit(const std::vector<Change>& changes, std::function<void(Status)> done,
              std::shared_ptr<CollectionSizes> sizes = nullptr,
              const std::function<void(storage::WriteBatch&)>& also = {});

  // One step of an index backfill (index_backfill.cc): gives up to 100
  // items of table `table` after storage key `after` ("" : the first) their
  // entry in the index numbered `index`, each read under its item's turn, in
  // one batch. `done` gets the last key done, nullopt once the table (or the
  // index) has no more.
  using BackfillDone = std::function<void(Result<std::optional<std::string>>)>;
  void backfill(const std::string& table, uint64_t index, std::string after, BackfillDone done);

  // One step of an expiry index rebuild (expiry.h): gives up to 100 items
  // of table `table` after `after` their entry of TTL generation `since`,
  // the same way. nullopt once the table has no more (or TTL changed).
  void expiry_backfill(const std::string& table, int64_t since, std::string after,
                       BackfillDone done);

  // An item's stored form and back (binary values are raw bytes).
  static std::string encode(const boost::json::object& item);
  // `sp`: the storage the item's values live in (the default heap when
  // omitted; read_range gives a page's items one monotonic resource).
  static Result<boost::json::object> decode(std::string_view stored,
                                            boost::json::storage_ptr sp = {});
  // Whether a stored item is also its wire JSON (the text an awsJson answer
  // writes for it): every item without binary values, which are stored as
  // raw bytes and sent as base64. False also for an attribute or map member
  // named exactly B or BS (the text is not parsed to tell them apart), which
  // then takes the decode path.
  static bool is_wire_json(std::string_view stored);

 private:
  // One step of a rebuild from the items (backfill, expiry_backfill): up to
  // 100 items of `table` after `after`, while `applies` to its definition,
  // each read under its item's turn; `keep` narrows what was read (still
  // under the turns), `add` writes their entries with the definition in
  // force when the batch is queued.
  using Read = std::vector<std::pair<std::string, boost::json::object>>;
  using Applies = std::function<bool(const TableDef&)>;
  using Keep = std::function<Status(const TableDef&, Read&)>;
  using Add = std::function<void(const TableDef&, const Read&, storage::WriteBatch&,
                                 std::vector<Tables::StatsDelta>&)>;
  void rebuild_step(const std::string& table, std::string after, Applies applies, Keep keep,
                    Add add, BackfillDone done);

  Environment& env_;
  Tables& tables_;
  storage::Records records_;
  storage::Records index_records_;
  storage::PartitionExecutor executor_;
  // Every write and turn set is inside from submit to answer; the
  // destructor closes it.
  Gate gate_;
};

}  // namespace nimbus::services::dynamodb
