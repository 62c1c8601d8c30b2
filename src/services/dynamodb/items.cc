#include "services/dynamodb/items.h"

#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/value.h"
#include "storage/storage.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;
namespace model = nimbus::dynamodb;

Items::Items(Environment& env, Tables& tables)
    : env_(env),
      tables_(tables),
      records_(env.storage->records(ns::kItems)),
      executor_([&env](std::function<void()> task) { env.workers.post(std::move(task)); }) {}

std::string Items::encode(const json::object& item) {
  return json::serialize(item);
}

Result<json::object> Items::decode(std::string_view stored) {
  // Binary values are raw bytes, not always UTF-8.
  json::parse_options opts;
  opts.allow_invalid_utf8 = true;
  boost::system::error_code ec;
  auto v = json::parse(stored, ec, json::storage_ptr(), opts);
  if (ec || !v.is_object()) return Error::internal("a stored item is not a JSON object");
  return std::move(v.as_object());
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
                                                const std::string& start_after,
                                                bool forward) const {
  return forward ? records_.scan(prefix, limit, start_after)
                 : records_.scan_reverse(prefix, limit, start_after);
}

void Items::write(TablePtr t, std::string key, Decide decide, Respond respond) {
  std::string partition = key;
  executor_.submit(
      partition, [this, t = std::move(t), key = std::move(key), decide = std::move(decide),
                  respond = std::move(respond)](storage::PartitionExecutor::Turn turn) {
        auto current = get(key);
        if (!current) return respond(current.take_error());
        auto decision = decide(*current);
        if (!decision) return respond(decision.take_error());
        if (decision->kind == Decision::Kind::kNone) return respond(std::move(decision->answer));
        int64_t old_size = *current ? static_cast<int64_t>(model::item_size(**current)) : 0;
        int64_t items = *current ? -1 : 0;
        storage::WriteBatch batch("dynamodb/" + t->name + "/" + key);
        int64_t new_size = 0;
        if (decision->kind == Decision::Kind::kPut) {
          batch.put(ns::kItems, key, encode(decision->item));
          new_size = static_cast<int64_t>(model::item_size(decision->item));
          items += 1;
        } else {
          if (!*current) return respond(std::move(decision->answer));
          batch.del(ns::kItems, key);
        }
        tables_.commit_items(*t, std::move(batch), items, new_size - old_size,
                             [turn, answer = std::move(decision->answer),
                              respond = std::move(respond)](Status st) mutable {
                               turn.release();
                               if (!st) return respond(st.take_error());
                               respond(std::move(answer));
                             });
      });
}

}  // namespace nimbus::services::dynamodb
