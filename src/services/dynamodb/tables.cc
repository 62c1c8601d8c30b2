#include "services/dynamodb/tables.h"

#include <algorithm>
#include <charconv>
#include <future>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "common/time_format.h"
#include "services/dynamodb/errors.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;

namespace {

constexpr char kNextNum[] = "next_num";

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
  MutexLock lock(mu_);
  tables_ = std::move(tables);
  stats_ = std::move(stats);
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
  if (def.stream_enabled) def.stream_label = utc_millis(env_.clock.now_millis(), "");
  if (def.on_demand) def.billing_changed = def.created;
  auto ptr = std::make_shared<const TableDef>(std::move(def));
  put_table(batch, *ptr);
  batch.put(ns::kMeta, kNextNum, std::to_string(next_num_));
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

void Tables::commit_items(std::vector<StatsDelta> deltas, storage::WriteBatch batch,
                          std::function<void(Status)> done, const More& more) {
  MutexLock lock(mu_);
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
