// Time to live: every kSweepEvery each table with TTL enabled has its
// expired items deleted, each through an item write that checks again under
// the item's turn that it is still expired. The sweep reads the table's
// expiry index (expiry.h) up to the current second, so it reads only the
// items that are due; while that index is being rebuilt (TTL just enabled
// on a table with items, or a table from an older nimbus) it reads the whole
// table instead. So an expired item goes within one sweep period plus the
// time to delete what is due; until then reads still return it, as on AWS.
// Each sweep also drops expiry entries of an earlier enabling of TTL, the
// stream records older than 24 hours (trim_streams; and the streams a table
// no longer has, 24 hours after it lost them) and ClientRequestTokens older
// than 10 minutes (sweep_tokens, transact_tokens.cc).
#include <spdlog/spdlog.h>

#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/expiry.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/value.h"
#include "services/dynamodb/range_read.h"
#include "services/dynamodb/stream_records.h"
#include "storage/key_codec.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

namespace {

// AWS ignores TTL values more than five years in the past.
constexpr int64_t kFiveYears = 5LL * 365 * 24 * 3600;
constexpr size_t kSweepPage = 256;

bool expired(const json::object& item, const std::string& attribute, int64_t now_s) {
  const auto* v = item.if_contains(attribute);
  if (v == nullptr || model::type_of(*v) != model::Type::kN) return false;
  auto n = model::number_of(*v);
  if (!n) return false;
  return *n <= model::Decimal::from_int(now_s) &&
         *n >= model::Decimal::from_int(now_s - kFiveYears);
}

}  // namespace

void DynamoDbService::schedule_ttl_sweep() {
  MutexLock lock(ttl_mu_);
  if (ttl_stopped_) return;
  env_.scheduler.after(kTtlSweepEvery, [this, gate = ttl_gate_] {
    auto in = gate->hold();
    if (!in) return;
    env_.workers.post([this, in] {
      sweep_ttl();
      trim_streams();
      sweep_tokens();
      schedule_ttl_sweep();
    });
  });
}

size_t DynamoDbService::sweep_ttl() {
  size_t read = 0;
  // Read before the definitions: an enabling after it has a later generation.
  int64_t now_ms = env_.clock.now_millis();
  bool more = false;
  for (const auto& name : tables_->names("", SIZE_MAX, more)) {
    auto t = tables_->find(name);
    if (!t) continue;
    drop_stale_expiry(*t, now_ms);
    if (!t->ttl_enabled) continue;
    bool ready = false;
    {
      MutexLock lock(ttl_mu_);
      ready = expiry_ready_.contains(expiry_mark(*t));
    }
    read += ready ? sweep_due(t, now_ms / 1000) : sweep_all(t, now_ms / 1000);
  }
  return read;
}

size_t DynamoDbService::sweep_due(const TablePtr& t, int64_t now_s) {
  auto entries = env_.storage->records(ns::kExpiry);
  std::string prefix = expiry_prefix(*t), cursor;
  size_t read = 0;
  for (;;) {
    auto page = entries.scan(prefix, kSweepPage, cursor);
    if (!page || page->empty()) break;
    for (const auto& e : *page) {
      auto second = expiry_key_second(e.key);
      if (second && static_cast<int64_t>(*second) > now_s) return read;
      ++read;
      expire(t, e.value, e.key, now_s);
    }
    if (page->size() < kSweepPage) break;
    cursor = page->back().key;
  }
  return read;
}

size_t DynamoDbService::sweep_all(const TablePtr& t, int64_t now_s) {
  std::string cursor;
  size_t read = 0;
  for (;;) {
    auto page = items_->scan(table_prefix(*t), kSweepPage, cursor, true);
    if (!page || page->empty()) break;
    for (const auto& e : *page) {
      ++read;
      auto item = Items::decode(e.value);
      if (item && expired(*item, t->ttl_attribute, now_s)) expire(t, e.key, "", now_s);
    }
    if (page->size() < kSweepPage) break;
    cursor = page->back().key;
  }
  return read;
}

void DynamoDbService::expire(const TablePtr& t, const std::string& item_key,
                             const std::string& entry, int64_t now_s) {
  bool started =
      items_->with_turns({item_key}, [this, t, item_key, entry, now_s](Items::Turns turns) {
        auto item = items_->get(item_key);
        if (!item) return;
        std::vector<Items::Change> changes;
        // Still expired under the item's turn: deleted, its stream record a
        // REMOVE by the service.
        if (*item && expired(**item, t->ttl_attribute, now_s)) {
          changes.push_back({t, item_key, std::move(**item), std::nullopt, true});
        }
        // The entry goes either way: it named this deletion, or it is stale
        // (the item changed or went, or its value is more than five years old).
        auto drop = [&](storage::WriteBatch& b) {
          b.add_partition("dynamodb/" + t->name + "/" + item_key);
          if (!entry.empty()) b.del(ns::kExpiry, entry);
        };
        if (changes.empty() && entry.empty()) return;
        items_->commit(
            changes, [turns](Status) {}, nullptr, drop);
      });
  (void)started;  // false only while stopping
}

void DynamoDbService::drop_stale_expiry(const TableDef& t, int64_t now_ms) {
  auto entries = env_.storage->records(ns::kExpiry);
  std::string table = expiry_table_prefix(t.num), cursor;
  storage::WriteBatch batch("dynamodb/" + t.name);
  bool any = false;
  for (;;) {
    auto first = entries.scan(table, 1, cursor);
    if (!first || first->empty()) break;
    storage::KeyReader r((*first)[0].key);
    r.u64();
    auto gen = r.i64();
    if (!gen || *gen >= now_ms) break;  // malformed, or enabled after the sweep began
    std::string gen_prefix = storage::KeyBuilder().u64(t.num).i64(*gen).bytes();
    std::string end = storage::prefix_successor(gen_prefix);
    if (!t.ttl_enabled || *gen != t.ttl_since) {
      batch.del_range(ns::kExpiry, gen_prefix, end);
      any = true;
    }
    cursor = end;
  }
  if (any) env_.storage->commit(std::move(batch), [](Status) {});
}

void DynamoDbService::rebuild_expiry(std::string table, int64_t since, std::string after) {
  // Each step holds the gate: the destructor waits for it before Items goes.
  auto in = ttl_gate_->hold();
  if (!in) return;
  auto step_done = [this, in, table, since](Result<std::optional<std::string>> step) {
    if (!step) {
      // The sweep reads the whole table meanwhile; the next start resumes.
      spdlog::warn("dynamodb: rebuilding the expiry index of {} stopped: {}", table,
                   step.error().message);
      return;
    }
    if (*step) return rebuild_expiry(table, since, std::move(**step));
    auto t = tables_->find(table);
    if (!t || !t->ttl_enabled || t->ttl_since != since) return;
    std::string mark = expiry_mark(*t);
    storage::WriteBatch batch("dynamodb/" + table);
    batch.put(ns::kMeta, mark, "1");
    env_.storage->commit(std::move(batch), [this, in, mark](Status st) {
      if (!st) return;
      MutexLock lock(ttl_mu_);
      expiry_ready_.insert(mark);
    });
  };
  items_->expiry_backfill(table, since, std::move(after), std::move(step_done));
}

void DynamoDbService::recover_expiry(const TableDef& t) {
  if (!t.ttl_enabled) return;
  auto mark = env_.storage->records(ns::kMeta).get(expiry_mark(t));
  if (mark && *mark) {
    MutexLock lock(ttl_mu_);
    expiry_ready_.insert(expiry_mark(t));
    return;
  }
  rebuild_expiry(t.name, t.ttl_since, "");
}

void DynamoDbService::trim_streams() {
  if (!stream_log_) return;
  int64_t cutoff = env_.clock.now_millis() - kStreamRetentionMs;
  // Streams tables no longer have go 24 hours after they were replaced or
  // their table deleted.
  for (const auto& old : tables_->expire_old_streams(cutoff)) {
    stream_log_->remove(stream_partition(old.table->name, old.table->stream_label), [](Status) {});
  }
  for (const auto& partition : stream_log_->partitions()) {
    stream_log_->trim_older_than(partition, cutoff, [](Status) {});
  }
}

}  // namespace nimbus::services::dynamodb
