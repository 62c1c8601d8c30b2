#include "storage/storage.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <system_error>
#include <utility>

#include "common/thread_role.h"
#include "storage/committer.h"
#include "storage/dir_lock.h"
#include "storage/key_codec.h"
#include "storage/keys.h"
#include "storage/wal_files.h"

namespace nimbus::storage {

struct Storage::Impl {
  std::unique_ptr<DirLock> lock;
  std::unique_ptr<rocksdb::Env> env;  // outlives db (sync: zero-filled WAL files)
  std::unique_ptr<rocksdb::DB> db;
  std::unique_ptr<Committer> committer;
  std::atomic<bool> closed{false};
};

namespace {

Error rocks_error(const std::string& what, const rocksdb::Status& s) {
  return Error::internal("storage: " + what + ": " + s.ToString());
}

Status make_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::internal("cannot create data directory " + dir + ": " + ec.message());
  // create_directories succeeds on an existing read-only directory; find out now
  // rather than on the first write.
  std::string probe = dir + "/.nimbus-write-probe";
  FILE* f = std::fopen(probe.c_str(), "w");
  if (f == nullptr) {
    return Error::internal("data directory " + dir + " is not writable: " + std::strerror(errno));
  }
  std::fclose(f);
  std::remove(probe.c_str());
  return Status::ok();
}

rocksdb::Options db_options() {
  rocksdb::Options o;
  o.create_if_missing = true;
  // Two cores shared with the server's event loops: keep background work small.
  o.IncreaseParallelism(2);
  o.max_background_jobs = 2;
  o.keep_log_file_num = 3;
  o.max_total_wal_size = 256 << 20;
  o.write_buffer_size = 32 << 20;
  // Our committer is the only writer, so RocksDB's own write grouping has
  // nothing to merge; pipelining would only add handoffs.
  o.enable_pipelined_write = false;
  // Start-up time counts (the server answers within 100 ms of start): don't
  // read every SST's properties at open, and don't fan out 16 threads to open
  // a handful of files.
  o.skip_stats_update_on_db_open = true;
  o.max_file_opening_threads = 1;
  // Compression stays RocksDB's default (snappy) at every level: L0 and L1
  // uncompressed saved 8% of a Kinesis ingest's instructions but cost 15%
  // of its PutRecords rate (twice the bytes to flush and compact;
  // docs/storage.md).
  //
  // Bloom filters on whole keys, in the memtable and in each SST file: a
  // conditional write reads its item before deciding, and that item usually
  // does not exist yet (every new PutItem), so the lookup that finds nothing
  // is the common one; without a filter it searches the memtable's skip list
  // and every L0 file's index and data block.
  o.memtable_whole_key_filtering = true;
  o.memtable_prefix_bloom_size_ratio = 0.02;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return o;
}

}  // namespace

Result<std::unique_ptr<Storage>> Storage::open(Options options) {
  if (options.data_dir.empty()) return Error::internal("storage: no data directory given");
  NIMBUS_TRY(make_dir(options.data_dir));
  auto lock = DirLock::acquire(options.data_dir);
  if (!lock) return lock.take_error();

  bool sync = options.durability == Durability::kSync;
  auto blobs = BlobStore::open(options.data_dir + "/blobs", sync);
  if (!blobs) return blobs.take_error();

  auto impl = std::make_unique<Impl>();
  rocksdb::Options db_opts = db_options();
  if (sync) {
    // Each round's fdatasync then skips the WAL's inode (wal_files.h).
    impl->env = rocksdb::NewCompositeEnv(zeroed_wal_file_system(rocksdb::FileSystem::Default()));
    db_opts.env = impl->env.get();
  }
  rocksdb::DB* raw = nullptr;
  std::string db_path = options.data_dir + "/db";
  rocksdb::Status s = rocksdb::DB::Open(db_opts, db_path, &raw);
  if (!s.ok()) return rocks_error("cannot open " + db_path, s);

  impl->lock = std::move(*lock);
  impl->db.reset(raw);
  impl->committer = std::make_unique<Committer>(raw, sync);
  return std::unique_ptr<Storage>(
      new Storage(std::move(options), std::move(impl), std::move(*blobs)));
}

Storage::Storage(Options options, std::unique_ptr<Impl> impl, std::unique_ptr<BlobStore> blobs)
    : options_(std::move(options)), impl_(std::move(impl)), blobs_(std::move(blobs)) {}

Storage::~Storage() {
  (void)close();
}

Status Storage::close() {
  if (impl_->closed.exchange(true)) return Status::ok();
  impl_->committer->stop();
  Status result;
  rocksdb::FlushOptions fo;
  fo.wait = true;
  rocksdb::Status s = impl_->db->Flush(fo);
  if (!s.ok()) result = rocks_error("flush on close", s);
  s = impl_->db->Close();
  if (!s.ok() && result.is_ok()) result = rocks_error("close", s);
  impl_->db.reset();
  impl_->lock.reset();
  return result;
}

Records Storage::records(std::string_view ns) {
  return Records(this, std::string(ns));
}

void Storage::commit(WriteBatch batch, Done done) {
  impl_->committer->submit(std::move(batch), std::move(done));
}

Status Storage::commit_sync(WriteBatch batch) {
  assert_may_block("Storage::commit_sync");
  if (impl_->committer->on_committer_thread()) {
    assert(false && "commit_sync from a commit callback deadlocks");
    return Error::internal("storage: commit_sync called from a commit callback (would deadlock)");
  }
  std::promise<Status> promise;
  auto future = promise.get_future();
  commit(std::move(batch), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

Stats Storage::stats() const {
  const Committer& c = *impl_->committer;
  return Stats{c.commits(), c.groups(), c.syncs(), c.cross_partition(), c.unpartitioned()};
}

Result<std::optional<std::string>> Storage::get_raw(const std::string& key) const {
  if (impl_->closed) return Error::internal("storage is closed");
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return rocks_error("get", s);
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<Entry>> Storage::last_raw(const std::string& ns_prefix,
                                               std::string_view prefix) const {
  if (impl_->closed) return Error::internal("storage is closed");
  std::string full_prefix = ns_prefix + std::string(prefix);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  // The first key after every key with the prefix, then one step back.
  std::string end = prefix_successor(full_prefix);
  if (end.empty()) {
    it->SeekToLast();
  } else {
    it->SeekForPrev(end);
    if (it->Valid() && it->key() == rocksdb::Slice(end)) it->Prev();
  }
  if (!it->status().ok()) return rocks_error("last", it->status());
  if (!it->Valid() || !it->key().starts_with(full_prefix)) return std::optional<Entry>();
  rocksdb::Slice k = it->key();
  k.remove_prefix(ns_prefix.size());
  return std::optional<Entry>(Entry{k.ToString(), it->value().ToString()});
}

Result<std::vector<Entry>> Storage::scan_raw(const std::string& ns_prefix, std::string_view prefix,
                                             size_t limit, std::string_view start_after) const {
  std::vector<Entry> out;
  auto visited = visit_raw(ns_prefix, prefix, limit, start_after,
                           [&out](std::string_view k, std::string_view v) {
                             out.push_back(Entry{std::string(k), std::string(v)});
                             return true;
                           });
  if (!visited) return visited.take_error();
  return out;
}

Result<size_t> Storage::visit_raw(const std::string& ns_prefix, std::string_view prefix,
                                  size_t limit, std::string_view start_after,
                                  const Records::Visitor& visit) const {
  if (impl_->closed) return Error::internal("storage is closed");
  size_t visited = 0;
  if (limit == 0) return visited;
  std::string full_prefix = ns_prefix + std::string(prefix);
  std::string start = full_prefix;
  bool skip_equal = false;
  if (!start_after.empty() && start_after >= prefix) {
    start = ns_prefix + std::string(start_after);
    skip_equal = true;
  }
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(start); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    if (!k.starts_with(full_prefix)) break;
    if (skip_equal && k == rocksdb::Slice(start)) continue;
    k.remove_prefix(ns_prefix.size());
    rocksdb::Slice v = it->value();
    ++visited;
    if (!visit(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
    if (visited >= limit) break;
  }
  if (!it->status().ok()) return rocks_error("scan", it->status());
  return visited;
}

Result<std::vector<Entry>> Storage::scan_reverse_raw(const std::string& ns_prefix,
                                                     std::string_view prefix, size_t limit,
                                                     std::string_view start_before) const {
  if (impl_->closed) return Error::internal("storage is closed");
  std::vector<Entry> out;
  if (limit == 0) return out;
  std::string full_prefix = ns_prefix + std::string(prefix);
  // Start below the prefix's range, or below `start_before` when that is
  // lower (below the range itself: nothing).
  std::string end = prefix_successor(full_prefix);
  if (!start_before.empty()) {
    std::string before = ns_prefix + std::string(start_before);
    if (end.empty() || before < end) end = std::move(before);
  }
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  if (end.empty()) {
    it->SeekToLast();
  } else {
    it->SeekForPrev(end);
    if (it->Valid() && it->key() == rocksdb::Slice(end)) it->Prev();
  }
  for (; it->Valid(); it->Prev()) {
    rocksdb::Slice k = it->key();
    if (!k.starts_with(full_prefix)) break;
    k.remove_prefix(ns_prefix.size());
    out.push_back(Entry{k.ToString(), it->value().ToString()});
    if (out.size() >= limit) break;
  }
  if (!it->status().ok()) return rocks_error("scan", it->status());
  return out;
}

}  // namespace nimbus::storage
