#include "events/outbox.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "storage/storage.h"

namespace nimbus::events {

namespace json = boost::json;

struct Outbox::Item {
  std::string key;
  std::string target;
  Delivery delivery;
  int64_t first_ms = 0;
  int64_t failures = 0;  // consecutive retryable failures

  std::string encode() const {
    json::array attrs;
    for (const auto& a : delivery.attributes) {
      attrs.push_back(json::object{{"name", a.name},
                                   {"type", a.type},
                                   {"value", a.binary ? base64_encode(a.value) : a.value},
                                   {"binary", a.binary}});
    }
    return json::serialize(json::object{{"target", target},
                                        {"body", delivery.body},
                                        {"attributes", std::move(attrs)},
                                        {"group_id", delivery.group_id},
                                        {"dedup_id", delivery.dedup_id},
                                        {"source_arn", delivery.source_arn},
                                        {"id", delivery.id},
                                        {"first_ms", first_ms}});
  }

  static std::shared_ptr<Item> decode(std::string key, std::string_view text) {
    auto o = parse_object(text);
    if (!o) return nullptr;
    auto item = std::make_shared<Item>();
    item->key = std::move(key);
    item->target = str(*o, "target");
    item->delivery.body = str(*o, "body");
    if (const auto* list = o->if_contains("attributes"); list && list->is_array()) {
      for (const auto& v : list->as_array()) {
        if (!v.is_object()) continue;
        const auto& a = v.as_object();
        bool binary = boolean(a, "binary").value_or(false);
        std::string value = str(a, "value");
        if (binary) value = base64_decode(value).value_or("");
        item->delivery.attributes.push_back({str(a, "name"), str(a, "type"), value, binary});
      }
    }
    item->delivery.group_id = str(*o, "group_id");
    item->delivery.dedup_id = str(*o, "dedup_id");
    item->delivery.source_arn = str(*o, "source_arn");
    item->delivery.id = str(*o, "id");
    item->first_ms = integer(*o, "first_ms").value_or(0);
    return item;
  }
};

Outbox::Outbox(Deps deps, std::string ns, RetryPolicy policy, Failed failed)
    : deps_(deps), ns_(std::move(ns)), policy_(std::move(policy)), failed_(std::move(failed)) {
  seq_ = static_cast<uint64_t>(deps_.clock.now_millis()) * 1000;
}

Outbox::~Outbox() {
  stopped_->store(true);
  gate_->close();  // waits for a callback that is using `this` right now
}

void Outbox::stop() {
  stopped_->store(true);
}

std::shared_ptr<Outbox::Item> Outbox::add(storage::WriteBatch& batch, std::string target,
                                          Delivery d) {
  auto item = std::make_shared<Item>();
  char seq[32];
  std::snprintf(seq, sizeof seq, "%020llu", static_cast<unsigned long long>(++seq_));
  item->key = seq;
  item->target = std::move(target);
  item->delivery = std::move(d);
  item->first_ms = deps_.clock.now_millis();
  if (deps_.storage != nullptr) batch.put(ns_, item->key, item->encode());
  return item;
}

void Outbox::start(std::shared_ptr<Item> item) {
  ++pending_;
  attempt(std::move(item));
}

size_t Outbox::recover(int64_t delay_ms) {
  if (deps_.storage == nullptr) return 0;
  size_t n = 0;
  auto read = deps_.storage->records(ns_).each("", [&](storage::Entry& e) {
    auto item = Item::decode(e.key, e.value);
    if (!item) return;
    ++n;
    ++pending_;
    later(std::move(item), delay_ms);
  });
  if (!read) spdlog::error("events: reading {}: {}", ns_, read.error().message);
  return n;
}

void Outbox::later(std::shared_ptr<Item> item, int64_t delay_ms) {
  auto stopped = stopped_;
  deps_.scheduler.after(std::chrono::milliseconds(delay_ms), [this, stopped, gate = gate_, item] {
    auto in = gate->hold();
    if (in && !*stopped) attempt(item);
  });
}

void Outbox::attempt(std::shared_ptr<Item> item) {
  if (*stopped_) return;
  auto stopped = stopped_;
  deps_.targets.deliver(
      item->target, item->delivery, [this, stopped, gate = gate_, item](Outcome o) {
        auto in = gate->hold();
        if (!in || *stopped) return;
        // A kind nothing has bound yet (start-up) or any more (shutdown) may be
        // bound later: retry it like an unavailable target.
        bool unbound =
            !o && o.failure() == Failure::kNotFound && o.error().code == "UnsupportedTarget";
        bool young = deps_.clock.now_millis() - item->first_ms < policy_.max_age_ms;
        if (!o && (o.retryable() || unbound) && young) {
          return later(item, policy_.backoff_ms(++item->failures));
        }
        if (!o) {
          spdlog::warn("events: delivery to {} failed: {}: {}", item->target, o.error().code,
                       o.error().message);
          if (failed_) failed_(item->target, item->delivery, o);
        }
        done(item);
      });
}

void Outbox::done(std::shared_ptr<Item> item) {
  --pending_;
  if (deps_.storage == nullptr) return;
  storage::WriteBatch batch;
  batch.del(ns_, item->key);
  deps_.storage->commit(std::move(batch), [](Status) {});
}

}  // namespace nimbus::events
