// Queues' constructor: rebuilds every queue, message, receive state and
// deduplication entry from storage, and deletes the records that belong to
// no live queue generation (deleted or purged queues). Runs once at
// start-up, before the server accepts requests, so it may block.
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

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

}  // namespace

Queues::Queues(Environment& env)
    : env_(env),
      sent_(env.metrics.counter("nimbus_sqs_messages_sent_total", {}, "SQS messages sent")),
      received_(
          env.metrics.counter("nimbus_sqs_messages_received_total", {}, "SQS messages received")),
      deleted_(
          env.metrics.counter("nimbus_sqs_messages_deleted_total", {}, "SQS messages deleted")),
      redriven_(env.metrics.counter("nimbus_sqs_messages_redriven_total", {},
                                    "SQS messages moved to a dead-letter queue")) {
  if (env_.storage == nullptr) return;
  auto records = env_.storage->records(codec::kNamespace);
  storage::WriteBatch garbage;
  uint64_t max_gen = 0;
  if (auto n = records.get("N"); n && n->has_value()) {
    codec::Reader r(**n);
    max_gen = r.u64();
  }

  std::unordered_map<uint64_t, QueuePtr> by_gen;
  Status s = records.each("Q", [&](storage::Entry& e) {
    boost::system::error_code ec;
    json::value v = json::parse(e.value, ec);
    if (ec || !v.is_object()) {
      spdlog::warn("sqs: skipping corrupt queue record {}", e.key);
      return;
    }
    const auto& o = v.as_object();
    bool fifo =
        o.if_contains("fifo") != nullptr && o.at("fifo").is_bool() && o.at("fifo").as_bool();
    auto id = static_cast<uint64_t>(num(o, "id"));
    std::string account = str(o, "account");
    std::string name = str(o, "name");
    auto q = std::make_shared<Queue>(account, name, arn_of(account, name), id, fifo);
    q->gen = static_cast<uint64_t>(num(o, "gen"));
    q->created_s = num(o, "created");
    q->modified_s = num(o, "modified");
    q->config = default_config(fifo);
    if (const auto* a = o.if_contains("attrs"); a && a->is_object()) {
      q->config.attrs.clear();
      for (const auto& [k, val] : a->as_object()) {
        if (val.is_string()) q->config.attrs[std::string(k)] = std::string(val.as_string());
      }
      derive(q->config);
    }
    if (const auto* t = o.if_contains("tags"); t && t->is_object()) {
      for (const auto& [k, val] : t->as_object()) {
        if (val.is_string()) q->tags[std::string(k)] = std::string(val.as_string());
      }
    }
    max_gen = std::max({max_gen, id, q->gen.load()});
    by_gen[q->gen] = q;
    by_name_[account + "/" + name] = q;
    by_arn_[q->arn] = q;
    by_id_[id] = q;
  });
  if (!s) spdlog::error("sqs: recovery scan failed: {}", s.error().message);
  last_gen_ = max_gen;

  auto split = [](const std::string& key, uint64_t& gen, uint64_t& seq) {
    if (key.size() < 33) return false;
    auto g = codec::parse_hex16(std::string_view(key).substr(1, 16));
    auto q = codec::parse_hex16(std::string_view(key).substr(17, 16));
    if (!g || !q) return false;
    gen = *g;
    seq = *q;
    return true;
  };

  std::unordered_map<uint64_t, std::pair<uint64_t, codec::ReceiveState>>
      states;  // seq -> (gen, state)
  s = records.each("S", [&](storage::Entry& e) {
    uint64_t gen = 0, seq = 0;
    codec::ReceiveState st;
    if (!split(e.key, gen, seq) || by_gen.count(gen) == 0 || !codec::decode_state(e.value, st)) {
      garbage.del(codec::kNamespace, e.key);
      return;
    }
    states[seq] = {gen, st};
  });
  if (!s) spdlog::error("sqs: recovery scan failed: {}", s.error().message);

  int64_t now = now_ms();
  uint64_t max_seq = 0;
  size_t messages = 0;
  s = records.each("M", [&](storage::Entry& e) {
    uint64_t gen = 0, seq = 0;
    auto data = std::make_shared<MessageData>();
    int64_t visible_at = 0;
    auto q = split(e.key, gen, seq) ? by_gen.find(gen) : by_gen.end();
    if (q == by_gen.end() || !codec::decode_message(e.value, *data, visible_at)) {
      garbage.del(codec::kNamespace, e.key);
      return;
    }
    max_seq = std::max(max_seq, seq);
    ++messages;
    auto st = states.find(seq);
    if (st == states.end()) {
      q->second->insert(std::move(data), visible_at, 0, 0, 0, now);
    } else {
      const codec::ReceiveState& rs = st->second.second;
      q->second->insert(std::move(data), rs.visible_at_ms, rs.receive_count, rs.first_receive_ms,
                        rs.nonce, now);
      states.erase(st);
    }
  });
  if (!s) spdlog::error("sqs: recovery scan failed: {}", s.error().message);
  for (const auto& [seq, st] : states) {  // receive states whose message is gone
    garbage.del(codec::kNamespace, codec::state_key(st.first, seq));
  }
  last_seq_ = max_seq;

  s = records.each("D", [&](storage::Entry& e) {
    uint64_t gen = 0;
    codec::DedupEntry d;
    auto g = e.key.size() >= 17 ? codec::parse_hex16(std::string_view(e.key).substr(1, 16))
                                : std::nullopt;
    if (g) gen = *g;
    auto q = g ? by_gen.find(gen) : by_gen.end();
    if (q == by_gen.end() || !codec::decode_dedup(e.value, d) || d.expires_ms <= now) {
      garbage.del(codec::kNamespace, e.key);
      return;
    }
    std::string key = e.key.substr(17);
    q->second->dedup[key] = d;
    q->second->dedup_expiry.emplace_back(d.expires_ms, key);
  });
  if (!s) spdlog::error("sqs: recovery scan failed: {}", s.error().message);
  for (auto& [_, q] : by_gen) {
    std::sort(q->dedup_expiry.begin(), q->dedup_expiry.end());
  }

  if (!garbage.empty()) {
    size_t n = garbage.size();
    if (auto c = env_.storage->commit_sync(std::move(garbage)); !c) {
      spdlog::error("sqs: deleting orphaned records failed: {}", c.error().message);
    } else {
      spdlog::info("sqs: deleted {} orphaned records", n);
    }
  }
  if (!by_gen.empty()) {
    spdlog::info("sqs: recovered {} queues, {} messages", by_gen.size(), messages);
  }
}

}  // namespace nimbus::services::sqs
