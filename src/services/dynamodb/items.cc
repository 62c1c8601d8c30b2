#include "services/dynamodb/items.h"

#include <algorithm>
#include <cstring>

#include "services/dynamodb/expiry.h"
#include "services/dynamodb/indexes.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/value.h"
#include "services/dynamodb/stream_records.h"
#include "storage/storage.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

Items::Items(Environment& env, Tables& tables)
    : env_(env),
      tables_(tables),
      records_(env.storage->records(ns::kItems)),
      index_records_(env.storage->records(ns::kIndexes)),
      executor_([&env](std::function<void()> task) { env.workers.post(std::move(task)); }) {}

Items::~Items() {
  gate_.close();
}

std::string Items::encode(const json::object& item) {
  return json::serialize(item);
}

Result<json::object> Items::decode(std::string_view stored, json::storage_ptr sp) {
  // Binary values are raw bytes, not always UTF-8.
  json::parse_options opts;
  opts.allow_invalid_utf8 = true;
  boost::system::error_code ec;
  auto v = json::parse(stored, ec, std::move(sp), opts);
  if (ec || !v.is_object()) return Error::internal("a stored item is not a JSON object");
  return std::move(v.as_object());
}

bool Items::is_wire_json(std::string_view stored) {
  // encode() writes no spaces, and a quote inside a string as \": `"B":`
  // and `"BS":` occur only where a member is named exactly B or BS: every
  // B and BS member of an AttributeValue, and an attribute or map member of
  // that name (answered through the decode path, correct if slower). Found from each B
  // (memchr), which is rarer than the quotes.
  const char* p = stored.data();
  const char* end = p + stored.size();
  while ((p = static_cast<const char*>(std::memchr(p, 'B', static_cast<size_t>(end - p))))) {
    std::string_view after(p + 1, static_cast<size_t>(end - p - 1));
    if (p != stored.data() && p[-1] == '"' &&
        (after.starts_with("\":") || after.starts_with("S\":"))) {
      return false;
    }
    ++p;
  }
  return true;
}

Result<std::optional<std::string>> Items::get_stored(const std::string& key) const {
  return records_.get(key);
}

Result<std::optional<json::object>> Items::get(const std::string& key) const {
  auto stored = records_.get(key);
  if (!stored) return stored.take_error();
  if (!*stored) return std::optional<json::object>();
  auto item = decode(**stored);
  if (!item) return item.take_error();
  return std::optional<json::object>(std::move(*item));
}

Result<std::vector<storage::Entry>> Items::scan(const std::string& prefix, size_t limit,
                                                const std::string& start_after, bool forward,
                                                bool index) const {
  const auto& records = index ? index_records_ : records_;
  return forward ? records.scan(prefix, limit, start_after)
                 : records.scan_reverse(prefix, limit, start_after);
}

void Items::write(TablePtr t, std::string key, Decide decide, Respond respond) {
  auto in = gate_.hold();
  if (!in) return respond(Error::make("InternalServerError", "the server is stopping", 500));
  std::string partition = key;
  // Reading the item, deciding and submitting the commit never block: on an
  // idle item this runs on the caller's thread (the event loop), without a
  // hand-off to the pool and back.
  executor_.run_or_submit(partition, [this, in, t = std::move(t), key = std::move(key),
                                      decide = std::move(decide), respond = std::move(respond)](
                                         storage::PartitionExecutor::Turn turn) {
    auto current = get(key);
    if (!current) return respond(current.take_error());
    auto decision = decide(*current);
    if (!decision) return respond(decision.take_error());
    if (decision->kind == Decision::Kind::kNone ||
        (decision->kind == Decision::Kind::kDelete && !*current)) {
      if (decision->metrics_of) {
        auto size = tables_.collection_size(collection_key(*t, *decision->metrics_of));
        if (!size) return respond(size.take_error());
        decision->answer["ItemCollectionMetrics"] =
            collection_metrics(*t, *decision->metrics_of, *size);
      }
      return respond(std::move(decision->answer));
    }
    // Moved into the batch's vector: `{change}` would copy both items.
    std::vector<Change> changes;
    changes.push_back(Change{t, key, std::move(*current), std::nullopt, decision->by_ttl});
    if (decision->kind == Decision::Kind::kPut) changes[0].after = std::move(decision->item);
    std::shared_ptr<CollectionSizes> sizes;
    std::string collection;
    if (decision->metrics_of) {
      sizes = std::make_shared<CollectionSizes>();
      collection = collection_key(*t, *decision->metrics_of);
    }
    commit(
        changes,
        [turn, in, t, sizes, collection, metrics_of = decision->metrics_of,
         answer = std::move(decision->answer), respond = std::move(respond)](Status st) mutable {
          turn.release();
          if (!st) return respond(st.take_error());
          if (sizes) {
            answer["ItemCollectionMetrics"] =
                collection_metrics(*t, *metrics_of, (*sizes)[collection]);
          }
          respond(std::move(answer));
        },
        sizes);
  });
}

void Items::commit(const std::vector<Change>& changes, std::function<void(Status)> done,
                   std::shared_ptr<CollectionSizes> sizes,
                   const std::function<void(storage::WriteBatch&)>& also) {
  std::vector<Tables::StatsDelta> deltas;
  std::vector<CollectionDelta> collections;
  storage::WriteBatch batch;
  if (also) also(batch);
  for (const auto& c : changes) {
    // LSIs are fixed at CreateTable: the definition the change read with
    // has them all.
    if (!c.table->lsis.empty()) {
      const auto& any = c.after ? *c.after : *c.before;
      collections.push_back({collection_key(*c.table, any),
                             (c.after ? collection_bytes(*c.table, *c.after) : 0) -
                                 (c.before ? collection_bytes(*c.table, *c.before) : 0)});
    }
    batch.add_partition("dynamodb/" + c.table->name + "/" + c.key);
    Tables::StatsDelta d{c.table->num, 0, 0};
    if (c.before) {
      d.items -= 1;
      d.bytes -= static_cast<int64_t>(model::item_size(*c.before));
    }
    if (c.after) {
      batch.put(ns::kItems, c.key, encode(*c.after));
      d.items += 1;
      d.bytes += static_cast<int64_t>(model::item_size(*c.after));
    } else {
      batch.del(ns::kItems, c.key);
    }
    auto same = std::find_if(deltas.begin(), deltas.end(),
                             [&](const Tables::StatsDelta& x) { return x.num == d.num; });
    if (same == deltas.end()) {
      deltas.push_back(d);
    } else {
      same->items += d.items;
      same->bytes += d.bytes;
    }
  }
  // Index entries follow the definition in force when the batch is queued.
  // So do stream records: one per change, in change order.
  auto indexes = [&changes](const Tables::Current& current, storage::WriteBatch& b,
                            std::vector<Tables::StatsDelta>& d, Tables::Appends& appends) {
    for (const auto& c : changes) {
      TablePtr t = current(c.table->name);
      if (!t || t->num != c.table->num) t = c.table;
      index_changes(*t, c.before, c.after, b, d);
      expiry_changes(*t, c.key, c.before, c.after, b);
      auto record = stream_record(*t, c.before, c.after, c.by_ttl);
      if (!record) continue;
      std::string partition = stream_partition(t->name, t->stream_label);
      auto same = std::find_if(appends.begin(), appends.end(),
                               [&](const auto& a) { return a.partition == partition; });
      if (same == appends.end()) {
        appends.push_back({partition, {}});
        same = appends.end() - 1;
      }
      same->records.push_back(std::move(*record));
    }
  };
  tables_.commit_items(std::move(deltas), std::move(batch), std::move(done), indexes,
                       std::move(collections), std::move(sizes));
}

void Items::rebuild_step(const std::string& table, std::string after, Applies applies, Keep keep,
                         Add add, BackfillDone done) {
  constexpr size_t kChunk = 100;
  auto in = gate_.hold();
  if (!in) return done(Error::make("InternalServerError", "the server is stopping", 500));
  env_.workers.post([this, in, table, after = std::move(after), applies = std::move(applies),
                     keep = std::move(keep), add = std::move(add), done = std::move(done)] {
    TablePtr t = tables_.find(table);
    if (!t || !applies(*t)) return done(std::optional<std::string>());
    auto chunk = records_.scan(table_prefix(*t), kChunk, after);
    if (!chunk) return done(chunk.take_error());
    if (chunk->empty()) return done(std::optional<std::string>());
    std::vector<std::string> keys;
    for (const auto& e : *chunk) keys.push_back(e.key);
    std::string last = keys.back();
    bool started = with_turns(keys, [this, t, keys, last, applies, keep, add, done](Turns turns) {
      // Under the turns no write of these items runs: what is read here is
      // what the entries must say.
      Read items;
      for (const auto& key : keys) {
        auto item = get(key);
        if (!item) return done(item.take_error());
        if (*item) items.emplace_back(key, std::move(**item));
      }
      if (auto st = keep(*t, items); !st) return done(st.take_error());
      auto entries = [&items, t, applies, add](
                         const Tables::Current& current, storage::WriteBatch& b,
                         std::vector<Tables::StatsDelta>& d, Tables::Appends&) {
        TablePtr now = current(t->name);
        if (!now || now->num != t->num || !applies(*now)) return;
        add(*now, items, b, d);
      };
      storage::WriteBatch batch("dynamodb/" + t->name);
      tables_.commit_items(
          {}, std::move(batch),
          [turns, last, done](Status st) {
            if (!st) return done(st.take_error());
            done(std::optional<std::string>(last));
          },
          entries);
    });
    if (!started) done(Error::make("InternalServerError", "the server is stopping", 500));
  });
}

void Items::backfill(const std::string& table, uint64_t index, std::string after,
                     BackfillDone done) {
  auto index_of = [index](const TableDef& t) -> const IndexDef* {
    for (const auto* list : {&t.gsis, &t.lsis}) {
      for (const auto& i : *list) {
        if (i.num == index) return &i;
      }
    }
    return nullptr;
  };
  // Only the items whose entry is missing.
  auto keep = [this, index_of](const TableDef& t, Read& items) -> Status {
    Read missing;
    for (auto& [key, item] : items) {
      auto entry = index_entry_key(t, *index_of(t), item);
      if (!entry) continue;
      auto stored = index_records_.get(*entry);
      if (!stored) return stored.take_error();
      if (!*stored) missing.emplace_back(key, std::move(item));
    }
    items = std::move(missing);
    return Status::ok();
  };
  auto add = [index_of](const TableDef& t, const Read& items, storage::WriteBatch& b,
                        std::vector<Tables::StatsDelta>& d) {
    for (const auto& [key, item] : items) index_entry(t, *index_of(t), item, b, d);
  };
  rebuild_step(
      table, std::move(after), [index_of](const TableDef& t) { return index_of(t) != nullptr; },
      keep, add, std::move(done));
}

void Items::expiry_backfill(const std::string& table, int64_t since, std::string after,
                            BackfillDone done) {
  auto applies = [since](const TableDef& t) { return t.ttl_enabled && t.ttl_since == since; };
  auto keep = [](const TableDef&, Read&) { return Status::ok(); };
  auto add = [](const TableDef& t, const Read& items, storage::WriteBatch& b,
                std::vector<Tables::StatsDelta>&) {
    for (const auto& [key, item] : items) expiry_changes(t, key, std::nullopt, item, b);
  };
  rebuild_step(table, std::move(after), applies, keep, add, std::move(done));
}

bool Items::with_turns(std::vector<std::string> keys, std::function<void(Turns)> work) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  auto turns = std::make_shared<TurnSet>();
  turns->in = gate_.hold();
  if (!turns->in) return false;
  // Takes keys[i] once keys[0..i) are held, then the next; the last runs work.
  struct Step {
    Items* self;
    std::vector<std::string> keys;
    std::function<void(Turns)> work;
    void take(size_t i, Turns held) {
      if (i == keys.size()) return work(std::move(held));
      auto next = std::make_shared<Step>(*this);
      self->executor_.submit(keys[i], [next, i, held](storage::PartitionExecutor::Turn t) mutable {
        held->turns.push_back(std::move(t));
        next->take(i + 1, std::move(held));
      });
    }
  };
  Step{this, std::move(keys), std::move(work)}.take(0, std::move(turns));
  return true;
}

}  // namespace nimbus::services::dynamodb
