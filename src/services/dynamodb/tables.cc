#include "services/dynamodb/tables.h"

#include <algorithm>
#include <charconv>
#include <future>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "common/time_format.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/items.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;

namespace {

constexpr char kNextNum[] = "next_num";
constexpr char kOldStreams[] = "dynamodb.old_streams";

std::string old_stream_key(const std::string& table, const std::string& label) {
  return storage::KeyBuilder().str(table).str(label).bytes();
}

std::string stats_key(uint64_t num) {
  return storage::encode_key(num);
}

std::string stats_value(const TableStats& s) {
  return std::to_string(s.item_count) + " " + std::to_string(s.size_bytes);
}

TableStats parse_stats(std::string_view v) {
  TableStats s;
  auto space = v.find(' ');
  if (space == std::string_view::npos) return s;
  std::from_chars(v.data(), v.data() + space, s.item_count);
  std::from_chars(v.data() + space + 1, v.data() + v.size(), s.size_bytes);
  return s;
}

// A label for a new stream of table `name` at `now_ms`: its creation time,
// a millisecond later when a stream the table had (`taken`, or `previous`)
// has that one, so each stream keeps its own ARN and records.
template <typename OldStreams>
std::string new_stream_label(const OldStreams& taken, const std::string& name,
                             const std::string& previous, int64_t now_ms) {
  for (int64_t ms = now_ms;; ++ms) {
    std::string label = utc_millis(ms, "");
    if (label != previous && taken.count({name, label}) == 0) return label;
  }
}

// dynamodb.meta's mark that the item collection sizes of table `num` (one
// with LSIs) are kept; tables stored before nimbus kept them have none.
std::string collections_mark(uint64_t num) {
  return "collections/" + std::to_string(num);
}

// Computes the item collection sizes of `t` from its items, once, at start
// before any write: items are in collection order (item_keys.h), so one
// collection is summed at a time.
Status backfill_collections(storage::Storage& storage, const TableDef& t) {
  storage::WriteBatch batch("dynamodb/" + t.name);
  std::string current;
  int64_t bytes = 0;
  Status failed;
  auto flush = [&] {
    if (!current.empty()) batch.put(ns::kCollections, current, std::to_string(bytes));
    current.clear();
    bytes = 0;
    if (batch.size() >= 10000 && failed) {
      failed = storage.commit_sync(std::move(batch));
      batch = storage::WriteBatch("dynamodb/" + t.name);
    }
  };
  auto st = storage.records(ns::kItems).each(storage::encode_key(t.num), [&](storage::Entry& e) {
    storage::KeyReader r(e.key);
    auto num = r.u64();
    auto bucket = r.u64();
    auto pk = r.str();
    auto item = Items::decode(e.value);
    if (!num || !bucket || !pk || !item || !item->contains(t.key.hash.name)) return;
    std::string key = storage::KeyBuilder().u64(*num).str(*pk).bytes();
    if (key != current) flush();
    current = key;
    bytes += collection_bytes(t, *item);
  });
  if (!st) return st;
  flush();
  if (!failed) return failed;
  batch.put(ns::kMeta, collections_mark(t.num), "1");
  return storage.commit_sync(std::move(batch));
}

void put_table(storage::WriteBatch& batch, const TableDef& t) {
  batch.put(ns::kTables, t.name, json::serialize(to_stored(t)));
}

}  // namespace

Status Tables::recover() {
  auto meta = env_.storage->records(ns::kMeta);
  auto next = meta.get(kNextNum);
  if (!next) return next.status();
  std::map<std::string, TablePtr> tables;
  std::map<uint64_t, TableStats> stats;
  uint64_t next_num = 1;
  if (*next)
    std::from_chars(next->value().data(), next->value().data() + next->value().size(), next_num);
  Status failed;
  auto st = env_.storage->records(ns::kTables).each("", [&](storage::Entry& e) {
    auto stored = parse_object(e.value);
    if (!stored) {
      failed = Error::internal("stored table " + e.key + " is not a JSON object");
      return;
    }
    auto def = from_stored(*stored);
    if (!def) {
      failed = Error::internal("stored table " + e.key + ": " + def.error().message);
      return;
    }
    next_num = std::max(next_num, def->num + 1);
    std::string name = def->name;
    tables[name] = std::make_shared<const TableDef>(std::move(*def));
  });
  if (!st) return st;
  if (!failed) return failed;
  auto sst = env_.storage->records(ns::kStats).each("", [&](storage::Entry& e) {
    uint64_t num = 0;
    if (storage::decode_key(e.key, num)) stats[num] = parse_stats(e.value);
  });
  if (!sst) return sst;
  for (const auto& [name, t] : tables) {
    if (t->lsis.empty()) continue;
    auto mark = meta.get(collections_mark(t->num));
    if (!mark) return mark.status();
    if (*mark) continue;
    if (auto st = backfill_collections(*env_.storage, *t); !st) return st;
  }
  std::map<std::pair<std::string, std::string>, OldStream> old;
  auto ost = env_.storage->records(kOldStreams).each("", [&](storage::Entry& e) {
    auto stored = parse_object(e.value);
    const auto* def = stored ? stored->if_contains("table") : nullptr;
    if (def == nullptr || !def->is_object()) return;
    auto t = from_stored(def->as_object());
    if (!t) return;
    OldStream o{std::make_shared<const TableDef>(std::move(*t)),
                integer(*stored, "retired_ms").value_or(0)};
    old[{o.table->name, o.table->stream_label}] = std::move(o);
  });
  if (!ost) return ost;
  MutexLock lock(mu_);
  tables_ = std::move(tables);
  stats_ = std::move(stats);
  old_streams_ = std::move(old);
  next_num_ = next_num;
  // Indexes stored before they had numbers get theirs now and are backfilled.
  storage::WriteBatch batch;
  for (auto& [name, t] : tables_) {
    TableDef copy = *t;
    size_t before = batch.size();
    number_indexes(copy, batch);
    if (batch.size() == before) continue;
    for (auto* list : {&copy.gsis, &copy.lsis}) {
      for (auto& i : *list) {
        if (t->find_index(i.name)->num == 0) i.status = "CREATING";
      }
    }
    t = std::make_shared<const TableDef>(std::move(copy));
    put_table(batch, *t);
  }
  if (batch.empty()) return Status::ok();
  std::promise<Status> stored;
  commit_locked(std::move(batch), [&stored](Status st) { stored.set_value(std::move(st)); });
  return stored.get_future().get();
}

TablePtr Tables::find(const std::string& name) const {
  MutexLock lock(mu_);
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second;
}

TableStats Tables::stats(const TableDef& t) const {
  return stats(t.num);
}

TableStats Tables::stats(uint64_t num) const {
  MutexLock lock(mu_);
  auto it = stats_.find(num);
  return it == stats_.end() ? TableStats{} : it->second;
}

TablePtr Tables::find_held(const std::string& name) const {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second;
}

void Tables::number_indexes(TableDef& t, storage::WriteBatch& batch) {
  bool numbered = false;
  for (auto* list : {&t.gsis, &t.lsis}) {
    for (auto& i : *list) {
      if (i.num != 0) continue;
      i.num = next_num_++;
      stats_[i.num] = {};
      batch.put(ns::kStats, stats_key(i.num), stats_value({}));
      numbered = true;
    }
  }
  if (numbered) batch.put(ns::kMeta, kNextNum, std::to_string(next_num_));
}

std::vector<std::string> Tables::names(const std::string& after, size_t limit, bool& more) const {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  more = false;
  for (auto it = tables_.upper_bound(after); it != tables_.end(); ++it) {
    if (out.size() == limit) {
      more = true;
      break;
    }
    out.push_back(it->first);
  }
  return out;
}

void Tables::commit_locked(storage::WriteBatch batch, std::function<void(Status)> done) {
  env_.storage->commit(std::move(batch), std::move(done));
}

void Tables::create(TableDef def, Done done) {
  MutexLock lock(mu_);
  if (tables_.count(def.name)) return done(errors::table_exists(def.name));
  def.num = next_num_++;
  storage::WriteBatch batch("dynamodb/" + def.name);
  number_indexes(def, batch);
  def.id = new_request_id();
  def.created = static_cast<double>(env_.clock.now_millis()) / 1000.0;
  if (def.stream_enabled) {
    def.stream_label = new_stream_label(old_streams_, def.name, "", env_.clock.now_millis());
  }
  if (def.on_demand) def.billing_changed = def.created;
  auto ptr = std::make_shared<const TableDef>(std::move(def));
  put_table(batch, *ptr);
  batch.put(ns::kMeta, kNextNum, std::to_string(next_num_));
  if (!ptr->lsis.empty()) batch.put(ns::kMeta, collections_mark(ptr->num), "1");
  batch.put(ns::kStats, stats_key(ptr->num), stats_value({}));
  tables_[ptr->name] = ptr;
  stats_[ptr->num] = {};
  commit_locked(std::move(batch), [this, ptr, done = std::move(done)](Status st) {
    if (!st) {
      MutexLock relock(mu_);
      if (auto it = tables_.find(ptr->name); it != tables_.end() && it->second == ptr) {
        tables_.erase(it);
      }
      return done(st.take_error());
    }
    done(ptr);
  });
}

void Tables::update(const std::string& name, const std::function<Status(TableDef&)>& change,
                    Done done) {
  MutexLock lock(mu_);
  auto it = tables_.find(name);
  if (it == tables_.end()) return done(errors::table_not_found_named(name));
  TableDef copy = *it->second;
  if (auto st = change(copy); !st) return done(st.take_error());
  storage::WriteBatch batch("dynamodb/" + name);
  number_indexes(copy, batch);
  // A new stream replaces the old one, which stays readable a while.
  if (copy.stream_enabled && !it->second->stream_enabled) {
    copy.stream_label =
        new_stream_label(old_streams_, name, it->second->stream_label, env_.clock.now_millis());
  }
  if (!it->second->stream_label.empty() && copy.stream_label != it->second->stream_label) {
    retire_stream(*it->second, batch);
  }
  // Entries and stats of indexes the change dropped go in the same batch.
  for (const auto* list : {&it->second->gsis, &it->second->lsis}) {
    for (const auto& old : *list) {
      bool kept = false;
      for (const auto& i : copy.gsis) kept = kept || i.num == old.num;
      for (const auto& i : copy.lsis) kept = kept || i.num == old.num;
      if (kept) continue;
      std::string prefix = storage::KeyBuilder().u64(copy.num).u64(old.num).bytes();
      batch.del_range(ns::kIndexes, prefix, storage::prefix_successor(prefix));
      batch.del(ns::kStats, stats_key(old.num));
      stats_.erase(old.num);
    }
  }
  auto ptr = std::make_shared<const TableDef>(std::move(copy));
  put_table(batch, *ptr);
  it->second = ptr;
  commit_locked(std::move(batch), [ptr, done = std::move(done)](Status st) {
    if (!st) return done(st.take_error());
    done(ptr);
  });
}

void Tables::remove(const std::string& name, const std::vector<std::string>& namespaces,
                    Done done) {
  MutexLock lock(mu_);
  auto it = tables_.find(name);
  if (it == tables_.end()) return done(errors::table_not_found_named(name));
  TablePtr gone = it->second;
  if (gone->deletion_protection) {
    return done(
        errors::validation("Resource cannot be deleted as it is currently protected "
                           "against deletion. Disable deletion protection first."));
  }
  storage::WriteBatch batch("dynamodb/" + name);
  batch.del(ns::kTables, name);
  batch.del(ns::kMeta, collections_mark(gone->num));
  if (!gone->stream_label.empty()) retire_stream(*gone, batch);
  batch.del(ns::kStats, stats_key(gone->num));
  for (const auto* list : {&gone->gsis, &gone->lsis}) {
    for (const auto& i : *list) {
      batch.del(ns::kStats, stats_key(i.num));
      stats_.erase(i.num);
    }
  }
  std::string prefix = storage::encode_key(gone->num);
  for (const auto& space : namespaces) {
    batch.del_range(space, prefix, storage::prefix_successor(prefix));
  }
  tables_.erase(it);
  stats_.erase(gone->num);
  commit_locked(std::move(batch), [gone, done = std::move(done)](Status st) {
    if (!st) return done(st.take_error());
    done(gone);
  });
}

Result<int64_t> Tables::collection_size(const std::string& key) const {
  MutexLock lock(mu_);
  return collection_size_locked(key);
}

Result<int64_t> Tables::collection_size_locked(const std::string& key) const {
  if (auto it = collections_.find(key); it != collections_.end()) return it->second.bytes;
  auto stored = env_.storage->records(ns::kCollections).get(key);
  if (!stored) return stored.take_error();
  int64_t bytes = 0;
  if (*stored) std::from_chars((*stored)->data(), (*stored)->data() + (*stored)->size(), bytes);
  return bytes;
}

Status Tables::apply_collections(std::vector<CollectionDelta> collections,
                                 storage::WriteBatch& batch, std::function<void(Status)>& done,
                                 CollectionSizes* sizes) {
  std::map<std::string, int64_t> by_key;
  for (const auto& c : collections) by_key[c.key] += c.bytes;
  std::map<std::string, int64_t> next;
  for (const auto& [key, delta] : by_key) {
    auto now = collection_size_locked(key);
    if (!now) return now.take_error();
    int64_t after = std::max<int64_t>(0, *now + delta);
    if (delta > 0 && after > collection_limit_) {
      if (sizes) *sizes = {{key, after}};
      return collection_limit_exceeded();
    }
    next[key] = after;
  }
  std::vector<std::string> keys;
  for (const auto& [key, after] : next) {
    if (sizes) (*sizes)[key] = after;
    if (by_key[key] == 0) continue;
    auto& f = collections_[key];
    f.bytes = after;
    ++f.commits;
    keys.push_back(key);
    if (after == 0) {
      batch.del(ns::kCollections, key);
    } else {
      batch.put(ns::kCollections, key, std::to_string(after));
    }
  }
  if (keys.empty()) return Status::ok();
  done = [this, keys = std::move(keys), done = std::move(done)](Status st) {
    {
      MutexLock lock(mu_);
      for (const auto& key : keys) {
        auto it = collections_.find(key);
        if (it != collections_.end() && --it->second.commits == 0) collections_.erase(it);
      }
    }
    done(std::move(st));
  };
  return Status::ok();
}

void Tables::commit_items(std::vector<StatsDelta> deltas, storage::WriteBatch batch,
                          std::function<void(Status)> done, const More& more,
                          std::vector<CollectionDelta> collections,
                          std::shared_ptr<CollectionSizes> sizes) {
  MutexLock lock(mu_);
  if (!collections.empty() || sizes) {
    if (auto st = apply_collections(std::move(collections), batch, done, sizes.get()); !st) {
      lock.unlock();
      return done(std::move(st));
    }
  }
  if (more) {
    Appends appends;
    more([this](const std::string& name) { return find_held(name); }, batch, deltas, appends);
    if (!appends.empty() && stream_log_ != nullptr) {
      apply_deltas(deltas, batch);
      stream_log_->append_many(
          std::move(appends),
          [done = std::move(done)](Result<std::vector<storage::Appended>> r) {
            done(r ? Status::ok() : Status(r.take_error()));
          },
          std::move(batch));
      return;
    }
  }
  apply_deltas(deltas, batch);
  commit_locked(std::move(batch), std::move(done));
}

void Tables::retire_stream(const TableDef& t, storage::WriteBatch& batch) {
  TableDef copy = t;
  copy.stream_enabled = false;
  OldStream o{std::make_shared<const TableDef>(std::move(copy)), env_.clock.now_millis()};
  json::object stored{{"retired_ms", o.retired_ms}, {"table", to_stored(*o.table)}};
  batch.put(kOldStreams, old_stream_key(t.name, t.stream_label), json::serialize(stored));
  old_streams_[{t.name, t.stream_label}] = std::move(o);
}

std::vector<Tables::OldStream> Tables::old_streams(const std::string& name) const {
  MutexLock lock(mu_);
  std::vector<OldStream> out;
  for (const auto& [key, o] : old_streams_) {
    if (name.empty() || key.first == name) out.push_back(o);
  }
  return out;
}

std::optional<Tables::OldStream> Tables::old_stream(const std::string& name,
                                                    const std::string& label) const {
  MutexLock lock(mu_);
  auto it = old_streams_.find({name, label});
  if (it == old_streams_.end()) return std::nullopt;
  return it->second;
}

std::vector<Tables::OldStream> Tables::expire_old_streams(int64_t cutoff_ms) {
  MutexLock lock(mu_);
  std::vector<OldStream> out;
  storage::WriteBatch batch("dynamodb/old_streams");
  for (auto it = old_streams_.begin(); it != old_streams_.end();) {
    if (it->second.retired_ms >= cutoff_ms) {
      ++it;
      continue;
    }
    batch.del(kOldStreams, old_stream_key(it->first.first, it->first.second));
    out.push_back(std::move(it->second));
    it = old_streams_.erase(it);
  }
  if (!out.empty()) commit_locked(std::move(batch), [](Status) {});
  return out;
}

void Tables::set_stream_log(storage::Log* log) {
  MutexLock lock(mu_);
  stream_log_ = log;
}

void Tables::apply_deltas(const std::vector<StatsDelta>& deltas, storage::WriteBatch& batch) {
  for (const auto& d : deltas) {
    auto it = stats_.find(d.num);
    if (it == stats_.end() || (d.items == 0 && d.bytes == 0)) continue;
    it->second.item_count = std::max<int64_t>(0, it->second.item_count + d.items);
    it->second.size_bytes = std::max<int64_t>(0, it->second.size_bytes + d.bytes);
    batch.put(ns::kStats, stats_key(d.num), stats_value(it->second));
  }
}

}  // namespace nimbus::services::dynamodb
