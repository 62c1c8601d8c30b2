// Queues::recover: rebuilds every queue, message, receive state and
// deduplication entry from storage, and deletes the records that belong to
// no live queue generation (deleted or purged queues). Runs once at
// start-up, before the server accepts requests, so it may block. A failed
// scan or write fails start-up rather than serving part of the queues.
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "common/json_fields.h"
#include "services/sqs/queues.h"
#include "storage/storage.h"

namespace nimbus::services::sqs {

namespace json = boost::json;

using nimbus::str;

namespace {

// Stored documents are ours: a missing number is 0.
int64_t num(const json::object& o, const char* k) {
  return nimbus::integer(o, k).value_or(0);
}

std::map<std::string, std::string> string_members(const json::object& o, const char* key) {
  std::map<std::string, std::string> out;
  if (const auto* m = o.if_contains(key); m && m->is_object()) {
    for (const auto& [k, v] : m->as_object()) {
      if (v.is_string()) out[std::string(k)] = std::string(v.as_string());
    }
  }
  return out;
}

Status scan_failed(const Error& e) {
  return Error::make("InternalFailure", "sqs: reading stored queues failed: " + e.message, 500);
}

}  // namespace

// What one recovery pass has read so far; the steps below fill it in order.
class Recovery {
 public:
  Recovery(Queues& queues, storage::Records records)
      : queues_(queues), records_(std::move(records)) {}

  Status run();

 private:
  Status migrate_legacy_keys();
  Status read_queues();
  Status read_states();
  Status read_messages();
  Status read_dedup();
  Status delete_garbage();
  QueuePtr queue_from(const json::object& o);
  Queue* queue_of_gen(uint64_t gen) {
    auto it = by_gen_.find(gen);
    return it == by_gen_.end() ? nullptr : it->second.get();
  }

  Queues& queues_;
  storage::Records records_;
  storage::WriteBatch garbage_;
  std::unordered_map<uint64_t, QueuePtr> by_gen_;
  // Receive states by message seq (with their generation), until their message is read.
  std::unordered_map<uint64_t, std::pair<uint64_t, codec::ReceiveState>> states_;
  uint64_t max_gen_ = 0;
  uint64_t max_seq_ = 0;
  size_t messages_ = 0;
  int64_t now_ = 0;
};

Status Queues::recover() {
  if (env_.storage == nullptr) return Status::ok();
  return Recovery(*this, env_.storage->records(codec::kNamespace)).run();
}

Status Recovery::run() {
  now_ = queues_.now_ms();
  NIMBUS_TRY(migrate_legacy_keys());
  if (auto n = records_.get("N"); !n) {
    return scan_failed(n.error());
  } else if (n->has_value()) {
    codec::Reader r(**n);
    max_gen_ = r.u64();
  }
  NIMBUS_TRY(read_queues());
  NIMBUS_TRY(read_states());
  NIMBUS_TRY(read_messages());
  NIMBUS_TRY(read_dedup());
  queues_.last_gen_ = max_gen_;
  queues_.last_seq_ = max_seq_;
  NIMBUS_TRY(delete_garbage());
  if (!by_gen_.empty()) {
    spdlog::info("sqs: recovered {} queues, {} messages", by_gen_.size(), messages_);
  }
  return Status::ok();
}

// Data directories written before storage/key_codec.h used Q/M/S/D keys with
// hex numbers: move every such record to its key_codec key, once.
Status Recovery::migrate_legacy_keys() {
  storage::WriteBatch batch;
  size_t n = 0;
  for (std::string_view prefix : codec::kLegacyPrefixes) {
    Status s = records_.each(prefix, [&](storage::Entry& e) {
      if (auto key = codec::rekey_legacy(e.key)) batch.put(codec::kNamespace, *key, e.value);
      batch.del(codec::kNamespace, e.key);
      ++n;
    });
    if (!s) return scan_failed(s.error());
  }
  if (batch.empty()) return Status::ok();
  if (auto c = queues_.env_.storage->commit_sync(std::move(batch)); !c) return c;
  spdlog::info("sqs: moved {} records to the key_codec layout", n);
  return Status::ok();
}

QueuePtr Recovery::queue_from(const json::object& o) {
  bool fifo = nimbus::boolean(o, "fifo").value_or(false);
  auto id = static_cast<uint64_t>(num(o, "id"));
  std::string account = str(o, "account");
  std::string name = str(o, "name");
  auto q = std::make_shared<Queue>(account, name, queues_.arn_of(account, name), id, fifo);
  q->gen = static_cast<uint64_t>(num(o, "gen"));
  q->created_s = num(o, "created");
  q->modified_s = num(o, "modified");
  q->config = default_config(fifo);
  if (const auto* a = o.if_contains("attrs"); a && a->is_object()) {
    q->config.attrs = string_members(o, "attrs");
    derive(q->config);
  }
  q->tags = string_members(o, "tags");
  return q;
}

Status Recovery::read_queues() {
  Status s = records_.each(codec::kQueuePrefix, [&](storage::Entry& e) {
    auto o = parse_object(e.value);
    if (!o) {
      spdlog::warn("sqs: skipping corrupt queue record {}", e.key);
      return;
    }
    QueuePtr q = queue_from(*o);
    max_gen_ = std::max({max_gen_, q->id, q->gen.load()});
    by_gen_[q->gen] = q;
    queues_.by_name_[q->account + "/" + q->name] = q;
    queues_.by_arn_[q->arn] = q;
    queues_.by_id_[q->id] = q;
  });
  return s ? s : scan_failed(s.error());
}

Status Recovery::read_states() {
  Status s = records_.each(codec::kStatePrefix, [&](storage::Entry& e) {
    uint64_t gen = 0, seq = 0;
    codec::ReceiveState st;
    if (!codec::decode_seq_key(e.key, gen, seq) || queue_of_gen(gen) == nullptr ||
        !codec::decode_state(e.value, st)) {
      garbage_.del(codec::kNamespace, e.key);
      return;
    }
    states_[seq] = {gen, st};
  });
  return s ? s : scan_failed(s.error());
}

Status Recovery::read_messages() {
  Status s = records_.each(codec::kMessagePrefix, [&](storage::Entry& e) {
    uint64_t gen = 0, seq = 0;
    auto data = std::make_shared<MessageData>();
    int64_t visible_at = 0;
    Queue* q = codec::decode_seq_key(e.key, gen, seq) ? queue_of_gen(gen) : nullptr;
    if (q == nullptr || !codec::decode_message(e.value, *data, visible_at)) {
      garbage_.del(codec::kNamespace, e.key);
      return;
    }
    max_seq_ = std::max(max_seq_, seq);
    ++messages_;
    auto st = states_.find(seq);
    if (st == states_.end()) {
      q->insert(std::move(data), visible_at, 0, 0, 0, now_);
      return;
    }
    const codec::ReceiveState& rs = st->second.second;
    q->insert(std::move(data), rs.visible_at_ms, rs.receive_count, rs.first_receive_ms, rs.nonce,
              now_);
    states_.erase(st);
  });
  if (!s) return scan_failed(s.error());
  for (const auto& [seq, st] : states_) {  // receive states whose message is gone
    garbage_.del(codec::kNamespace, codec::state_key(st.first, seq));
  }
  return Status::ok();
}

Status Recovery::read_dedup() {
  Status s = records_.each(codec::kDedupPrefix, [&](storage::Entry& e) {
    uint64_t gen = 0;
    std::string key;
    codec::DedupEntry d;
    Queue* q = codec::decode_dedup_key(e.key, gen, key) ? queue_of_gen(gen) : nullptr;
    if (q == nullptr || !codec::decode_dedup(e.value, d) || d.expires_ms <= now_) {
      garbage_.del(codec::kNamespace, e.key);
      return;
    }
    q->dedup[key] = d;
    q->dedup_expiry.emplace_back(d.expires_ms, key);
  });
  if (!s) return scan_failed(s.error());
  for (auto& [_, q] : by_gen_) std::sort(q->dedup_expiry.begin(), q->dedup_expiry.end());
  return Status::ok();
}

Status Recovery::delete_garbage() {
  if (garbage_.empty()) return Status::ok();
  size_t n = garbage_.size();
  NIMBUS_TRY(queues_.env_.storage->commit_sync(std::move(garbage_)));
  spdlog::info("sqs: deleted {} orphaned records", n);
  return Status::ok();
}

}  // namespace nimbus::services::sqs
