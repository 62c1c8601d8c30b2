// Tables: the catalog of tables (definitions in memory, durable in
// storage) and each table's item count and size.
//
// Schema (storage namespaces; keys on storage/key_codec.h):
//   dynamodb.tables  table name -> the stored definition (table_def.h)
//   dynamodb.meta    "next_num" -> decimal: table numbers are never reused, so
//                    items a racing write leaves under a deleted table's
//                    number are never seen by a later table of that name
//   dynamodb.stats   (u64 table number) -> "ITEMS BYTES"
//   dynamodb.collections  item collection sizes (collections.h)
//   dynamodb.old_streams  (str table name, str stream label) ->
//                    {"retired_ms": N, "table": the stored definition with
//                    that stream, disabled}: streams a table no longer has
// A table's items and index entries live under its number (items.h); a
// DeleteTable batch removes the definition, the stats and those ranges at
// once.
//
// Definitions are immutable snapshots (shared_ptr<const TableDef>): a change
// builds a new one, so an operation keeps the definition it validated with.
//
// Threads: every method may be called from any thread. One mutex guards the
// map and the stats; commits are queued while it is held, so the order of the
// storage commits is the order of the changes (the last stats value stored
// is the newest). Done callbacks run on the storage committer thread and
// must be quick.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "services/dynamodb/collections.h"
#include "services/dynamodb/table_def.h"
#include "services/service.h"
#include "storage/log.h"
#include "storage/write_batch.h"

namespace nimbus::services::dynamodb {

using TablePtr = std::shared_ptr<const TableDef>;

namespace ns {
inline constexpr char kTables[] = "dynamodb.tables";
inline constexpr char kMeta[] = "dynamodb.meta";
inline constexpr char kStats[] = "dynamodb.stats";
inline constexpr char kIndexes[] = "dynamodb.indexes";
}  // namespace ns

class Tables {
 public:
  using Done = std::function<void(Result<TablePtr>)>;

  explicit Tables(Environment& env)
      : env_(env), collection_limit_(collection_limit(env.settings)) {}

  // Reads every table back. Called once, from the service's start().
  Status recover();

  TablePtr find(const std::string& name) const;
  TableStats stats(const TableDef& t) const;
  // The statistics of a table or index by its number.
  TableStats stats(uint64_t num) const;
  // Up to `limit` names greater than `after`, in order; `more` tells whether
  // others follow.
  std::vector<std::string> names(const std::string& after, size_t limit, bool& more) const;

  // Creates `def` (its number, id and creation time are given here); `done`
  // gets the new definition once it is durable.
  void create(TableDef def, Done done);
  // Applies `change` to a copy of the table's definition; an error from it
  // changes nothing. `done` gets the new definition once durable.
  void update(const std::string& name, const std::function<Status(TableDef&)>& change, Done done);
  // Deletes the table, its stats and every key under its number in
  // `namespaces` (its items and index entries); `done` gets the definition
  // it had.
  void remove(const std::string& name, const std::vector<std::string>& namespaces, Done done);

  // Commits an item batch, adding each delta to its table's (or index's)
  // stats in the same batch (the stats of one deleted meanwhile are dropped).
  struct StatsDelta {
    uint64_t num = 0;  // the table's or index's number
    int64_t items = 0;
    int64_t bytes = 0;
  };
  // `more` (when given) adds to the batch and the deltas under the catalog
  // lock, given the current definition of a table by name: index entries are
  // built with the definition in force when the batch is queued, so a batch
  // queued after an index is added maintains it, and one queued before is
  // applied before the index's backfill starts (index_backfill.cc).
  // It may also name stream records to append (stream_records.h): they go
  // in the same commit, through the streams Log.
  using Current = std::function<TablePtr(const std::string& name)>;
  using Appends = std::vector<storage::Log::PartitionRecords>;
  using More =
      std::function<void(const Current&, storage::WriteBatch&, std::vector<StatsDelta>&, Appends&)>;
  //
  // `collections` change item collection sizes (collections.h) in the same
  // batch. When one would grow past the limit, nothing is committed and
  // `done` gets ItemCollectionSizeLimitExceededException. `sizes` (when
  // given) is filled before the commit is queued with each collection's
  // size after it (on that error: the collection past the limit only).
  void commit_items(std::vector<StatsDelta> deltas, storage::WriteBatch batch,
                    std::function<void(Status)> done, const More& more = {},
                    std::vector<CollectionDelta> collections = {},
                    std::shared_ptr<CollectionSizes> sizes = nullptr);
  // The size of an item collection (collection_key()) as last committed.
  Result<int64_t> collection_size(const std::string& key) const;

  // The Log stream records go to (DynamoDbService::start()); until it is
  // set, no stream records are written.
  void set_stream_log(storage::Log* log);

  // Streams a table no longer has: its stream when the table is deleted,
  // its previous stream when a new one is enabled. Each stays listed
  // (DISABLED) and readable until expire_old_streams() drops it, 24 hours
  // later; `table` is the definition it was a stream of.
  struct OldStream {
    TablePtr table;
    int64_t retired_ms = 0;
  };
  // The old streams of table `name` ("" : of every table), by table name
  // and label.
  std::vector<OldStream> old_streams(const std::string& name = "") const;
  std::optional<OldStream> old_stream(const std::string& name, const std::string& label) const;
  // Forgets the old streams retired before `cutoff_ms` (durably) and
  // returns them: their records are the caller's to remove.
  std::vector<OldStream> expire_old_streams(int64_t cutoff_ms);

 private:
  void commit_locked(storage::WriteBatch batch, std::function<void(Status)> done) REQUIRES(mu_);
  Result<int64_t> collection_size_locked(const std::string& key) const REQUIRES(mu_);
  // Adds `collections` to `batch` and to the sizes in flight; an error
  // (past the limit, a failed read) changes nothing. `done` is wrapped to
  // forget the sizes once committed.
  Status apply_collections(std::vector<CollectionDelta> collections, storage::WriteBatch& batch,
                           std::function<void(Status)>& done, CollectionSizes* sizes) REQUIRES(mu_);
  // Adds each delta to its stats, and the new stats to `batch`.
  void apply_deltas(const std::vector<StatsDelta>& deltas, storage::WriteBatch& batch)
      REQUIRES(mu_);
  // find() with mu_ held by the caller (commit_items' `more`).
  TablePtr find_held(const std::string& name) const NO_THREAD_SAFETY_ANALYSIS;
  // Keeps the stream of `t` as an old stream (in `batch`).
  void retire_stream(const TableDef& t, storage::WriteBatch& batch) REQUIRES(mu_);
  // Gives new indexes of `t` their numbers and stats (in `batch`).
  void number_indexes(TableDef& t, storage::WriteBatch& batch) REQUIRES(mu_);

  Environment& env_;
  mutable Mutex mu_;
  std::map<std::string, TablePtr> tables_ GUARDED_BY(mu_);
  std::map<uint64_t, TableStats> stats_ GUARDED_BY(mu_);
  uint64_t next_num_ GUARDED_BY(mu_) = 1;
  storage::Log* stream_log_ GUARDED_BY(mu_) = nullptr;
  // Item collection sizes of commits in flight (the stored size is stale
  // until they land), by collection key; bounded by the writes in flight.
  struct InFlight {
    int64_t bytes = 0;
    int commits = 0;
  };
  std::map<std::string, InFlight> collections_ GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, OldStream> old_streams_ GUARDED_BY(mu_);
  const int64_t collection_limit_;
};

}  // namespace nimbus::services::dynamodb
