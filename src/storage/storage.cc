#include "storage/storage.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

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
#include "storage/families.h"
#include "storage/key_codec.h"
#include "storage/keys.h"
#include "storage/scan_bound.h"
#include "storage/wal_files.h"

namespace nimbus::storage {

struct Storage::Impl {
  std::unique_ptr<DirLock> lock;
  // Outlives db: blob files read through a memory map; with sync, zero-filled WAL files.
  std::unique_ptr<rocksdb::Env> env;
  std::unique_ptr<rocksdb::DB> db;
  // Owned handles: [0] default, [1] log (destroyed before the DB).
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::unique_ptr<Families> families;
  std::unique_ptr<Committer> committer;
  Mutex move_mu;  // one move of a namespace into the log family at a time
  std::atomic<bool> closed{false};

  void destroy_handles() {
    for (rocksdb::ColumnFamilyHandle* h : handles) (void)db->DestroyColumnFamilyHandle(h);
    handles.clear();
  }
  Status move_to_log(std::string_view ns);
};

namespace {

Mutex log_namespaces_mu;
std::set<std::string, std::less<>>& log_namespaces() REQUIRES(log_namespaces_mu) {
  static std::set<std::string, std::less<>> names;
  return names;
}

constexpr const char* kLogFamily = "log";

// The default file system, except that blob files (log records' values) are
// read through a memory map: a reader of a log takes its records one at a
// time from blob files, and a pread per record (a system call and a copy
// per 1 KiB record) was ~8% of a GetRecords call's CPU. SST files keep
// RocksDB's reads through the block cache. Mapped pages a reader touched
// count in the process's RSS (file-backed, shared with the page cache).
class StorageBlobMmapFs : public rocksdb::FileSystemWrapper {
 public:
  explicit StorageBlobMmapFs(const std::shared_ptr<rocksdb::FileSystem>& base)
      : FileSystemWrapper(base) {}
  const char* Name() const override { return "NimbusBlobMmap"; }
  rocksdb::IOStatus NewRandomAccessFile(const std::string& f, const rocksdb::FileOptions& opts,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* r,
                                        rocksdb::IODebugContext* dbg) override {
    if (std::string_view(f).ends_with(".blob") && !opts.use_direct_reads) {
      rocksdb::FileOptions mapped(opts);
      mapped.use_mmap_reads = true;
      return target()->NewRandomAccessFile(f, mapped, r, dbg);
    }
    return target()->NewRandomAccessFile(f, opts, r, dbg);
  }
};

Error rocks_error(const std::string& what, const rocksdb::Status& s) {
  return Error::internal("storage: " + what + ": " + s.ToString());
}

constexpr std::string_view kSkippedTooMany = "StorageScanSkippedTooMany";

// An iterator's failure; Incomplete is its max_skippable_internal_keys
// (ScanBound).
Error scan_error(const rocksdb::Status& s) {
  if (s.IsIncomplete()) {
    return Error{std::string(kSkippedTooMany),
                 "storage: a scan skipped more deleted entries than its bound", 500, false};
  }
  return rocks_error("scan", s);
}

Error moved_error(const Families& families, std::string_view key) {
  return Error::internal(families.failure(namespace_of(key)));
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

// Log records (families.h): values of 256 bytes and more go to blob files,
// so that compaction, which rewrote every record several times on its way
// down the levels (a Kinesis shard's keys interleave with the others' in
// every flushed file), moves keys and blob references only. A blob file is
// deleted once all its records are trimmed; no blob garbage collection: it
// relocates the live records of the oldest files, which is the rewrite this
// avoids (a log's old records are deleted, not overwritten).
rocksdb::ColumnFamilyOptions log_family_options(const rocksdb::Options& main) {
  rocksdb::ColumnFamilyOptions o(main);
  o.enable_blob_files = true;
  o.min_blob_size = 256;
  o.enable_blob_garbage_collection = false;
  // Each flushed file holds every shard's newest keys, so it overlaps nearly
  // all of L1, which an L0 compaction rewrites: at 8 files instead of 4 that
  // rewrite is shared by twice the records (reads merge up to 8 L0 files).
  o.level0_file_num_compaction_trigger = 8;
  return o;
}

}  // namespace

bool skipped_too_many(const Error& e) {
  return e.code == kSkippedTooMany;
}

Result<std::unique_ptr<Storage>> Storage::open(Options options) {
  if (options.data_dir.empty()) return Error::internal("storage: no data directory given");
  NIMBUS_TRY(make_dir(options.data_dir));
  auto lock = DirLock::acquire(options.data_dir);
  if (!lock) return lock.take_error();

  bool sync = options.durability == Durability::kSync;
  auto blobs = BlobStore::open(options.data_dir + "/blobs", sync);
  if (!blobs) return blobs.take_error();

  auto impl = std::make_unique<Impl>();
  rocksdb::Options o = db_options();
  std::shared_ptr<rocksdb::FileSystem> fs = rocksdb::FileSystem::Default();
  // Each round's fdatasync then skips the WAL's inode (wal_files.h).
  if (sync) fs = zeroed_wal_file_system(fs);
  impl->env = rocksdb::NewCompositeEnv(std::make_shared<StorageBlobMmapFs>(fs));
  o.env = impl->env.get();
  // A data directory from before the log family gets it created here.
  o.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> families{
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(o)},
      {kLogFamily, log_family_options(o)}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  std::string db_path = options.data_dir + "/db";
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(o), db_path, families, &handles, &raw);
  if (!s.ok()) return rocks_error("cannot open " + db_path, s);

  impl->lock = std::move(*lock);
  impl->db.reset(raw);
  impl->handles = std::move(handles);
  impl->families = std::make_unique<Families>(impl->handles[0], impl->handles[1]);
  impl->committer =
      std::make_unique<Committer>(raw, impl->families.get(), sync, options.sync_write_seconds);
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
  rocksdb::Status s = impl_->db->Flush(fo, impl_->handles);
  if (!s.ok()) result = rocks_error("flush on close", s);
  impl_->destroy_handles();
  s = impl_->db->Close();
  if (!s.ok() && result.is_ok()) result = rocks_error("close", s);
  impl_->db.reset();
  impl_->lock.reset();
  return result;
}

Records Storage::records(std::string_view ns) {
  if (is_log_namespace(ns) && !impl_->families->routed(ns)) {
    Status moved = impl_->move_to_log(ns);
    // Reads and writes of the namespace then fail: its keys are split.
    if (!moved) impl_->families->fail(ns, moved.error().message);
  }
  return Records(this, std::string(ns));
}

Status Storage::Impl::move_to_log(std::string_view ns) {
  MutexLock lock(move_mu);
  if (families->routed(ns)) return Status::ok();
  // Writes from now on go to the log family; the keys written before (by
  // an older nimbus) follow, oldest first, in atomic batches.
  families->route(ns);
  std::string prefix = keys::ns_prefix(ns);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  for (;;) {
    rocksdb::WriteBatch wb;
    size_t bytes = 0;
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), families->main()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      rocksdb::Status s = wb.Put(families->log(), it->key(), it->value());
      if (s.ok()) s = wb.Delete(families->main(), it->key());
      if (!s.ok()) return rocks_error("move " + std::string(ns) + " to the log family", s);
      bytes += it->key().size() + it->value().size();
      if (bytes >= (4 << 20)) break;
    }
    if (!it->status().ok()) {
      return rocks_error("move " + std::string(ns) + " to the log family", it->status());
    }
    it.reset();
    if (wb.Count() == 0) return Status::ok();
    rocksdb::Status s = db->Write(wo, &wb);
    if (!s.ok()) return rocks_error("move " + std::string(ns) + " to the log family", s);
  }
}

void mark_log_namespace(std::string_view ns) {
  MutexLock lock(log_namespaces_mu);
  log_namespaces().emplace(ns);
}

bool is_log_namespace(std::string_view ns) {
  MutexLock lock(log_namespaces_mu);
  return log_namespaces().count(ns) != 0;
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
  rocksdb::ColumnFamilyHandle* family = impl_->families->of(namespace_of(key));
  if (family == nullptr) return moved_error(*impl_->families, key);
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), family, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return rocks_error("get", s);
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<Entry>> Storage::last_raw(const std::string& ns_prefix,
                                               std::string_view prefix) const {
  if (impl_->closed) return Error::internal("storage is closed");
  rocksdb::ColumnFamilyHandle* family = impl_->families->of(namespace_of(ns_prefix));
  if (family == nullptr) return moved_error(*impl_->families, ns_prefix);
  std::string full_prefix = ns_prefix + std::string(prefix);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), family));
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
  rocksdb::ColumnFamilyHandle* family = impl_->families->of(namespace_of(ns_prefix));
  if (family == nullptr) return moved_error(*impl_->families, ns_prefix);
  std::string full_prefix = ns_prefix + std::string(prefix);
  std::string start = full_prefix;
  bool skip_equal = false;
  if (!start_after.empty() && start_after >= prefix) {
    start = ns_prefix + std::string(start_after);
    skip_equal = true;
  }
  // The iterator stops at the prefix's end itself: past the last entry it
  // would otherwise walk whatever deleted keys follow, up to the next live one.
  std::string end = prefix_successor(full_prefix);
  rocksdb::Slice end_slice(end);
  rocksdb::ReadOptions ro;
  if (!end.empty()) ro.iterate_upper_bound = &end_slice;
  ro.max_skippable_internal_keys = ScanBound::current();
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, family));
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
  if (!it->status().ok()) return scan_error(it->status());
  return visited;
}

Result<std::vector<Entry>> Storage::scan_reverse_raw(const std::string& ns_prefix,
                                                     std::string_view prefix, size_t limit,
                                                     std::string_view start_before) const {
  if (impl_->closed) return Error::internal("storage is closed");
  std::vector<Entry> out;
  if (limit == 0) return out;
  rocksdb::ColumnFamilyHandle* family = impl_->families->of(namespace_of(ns_prefix));
  if (family == nullptr) return moved_error(*impl_->families, ns_prefix);
  std::string full_prefix = ns_prefix + std::string(prefix);
  // Start below the prefix's range, or below `start_before` when that is
  // lower (below the range itself: nothing).
  std::string end = prefix_successor(full_prefix);
  if (!start_before.empty()) {
    std::string before = ns_prefix + std::string(start_before);
    if (end.empty() || before < end) end = std::move(before);
  }
  // Below the prefix's start the iterator stops itself (see visit_raw).
  rocksdb::Slice start_slice(full_prefix);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &start_slice;
  ro.max_skippable_internal_keys = ScanBound::current();
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, family));
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
  if (!it->status().ok()) return scan_error(it->status());
  return out;
}

}  // namespace nimbus::storage
