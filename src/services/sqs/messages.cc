// Queues: message operations — send and receive (with long polling and
// redrive to the dead-letter queue). Delete and visibility are in acks.cc.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "services/sqs/digest.h"
#include "services/sqs/errors.h"
#include "services/sqs/queues.h"
#include "services/sqs/validate.h"
#include "storage/storage.h"

namespace nimbus::services::sqs {

namespace {

constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;

Status check_send(const Queue& q, const SendRequest& r) {
  const QueueConfig& c = q.config;
  if (r.body.empty()) return errors::missing_parameter("MessageBody");
  NIMBUS_TRY(validate::body(r.body));
  NIMBUS_TRY(validate::message_attributes(r.attributes));
  NIMBUS_TRY(validate::system_attributes(r.system_attributes));
  if (validate::message_size(r) > static_cast<size_t>(c.max_message_size)) {
    return errors::invalid_parameter(
        "One or more parameters are invalid. Reason: Message must be shorter than " +
        std::to_string(c.max_message_size) + " bytes.");
  }
  if (r.delay_seconds) {
    if (*r.delay_seconds > 900 || *r.delay_seconds < 0) {
      return errors::invalid_value(std::to_string(*r.delay_seconds), "DelaySeconds",
                                   "DelaySeconds must be >= 0 and <= 900.");
    }
    if (q.fifo && *r.delay_seconds > 0) {
      return errors::not_for_this_queue_type(std::to_string(*r.delay_seconds), "DelaySeconds");
    }
  }
  if (!q.fifo) {
    if (!r.group_id.empty()) return errors::not_for_this_queue_type(r.group_id, "MessageGroupId");
    if (!r.dedup_id.empty()) {
      return errors::not_for_this_queue_type(r.dedup_id, "MessageDeduplicationId");
    }
    return Status::ok();
  }
  if (r.group_id.empty()) return errors::missing_parameter("MessageGroupId");
  if (!validate::fifo_token(r.group_id)) {
    return errors::invalid_value(r.group_id, "MessageGroupId",
                                 "MessageGroupId can only include alphanumeric and punctuation "
                                 "characters. 1 to 128 in length.");
  }
  if (r.dedup_id.empty() && !c.content_dedup) {
    return errors::invalid_parameter(
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly");
  }
  if (!r.dedup_id.empty() && !validate::fifo_token(r.dedup_id)) {
    return errors::invalid_value(r.dedup_id, "MessageDeduplicationId",
                                 "MessageDeduplicationId can only include alphanumeric and "
                                 "punctuation characters. 1 to 128 in length.");
  }
  return Status::ok();
}

std::shared_ptr<MessageData> build(SendRequest& r, int64_t now, uint64_t seq) {
  auto d = std::make_shared<MessageData>();
  d->id = random_uuid();
  d->body = std::move(r.body);
  d->attributes = std::move(r.attributes);
  std::sort(d->attributes.begin(), d->attributes.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& a : r.system_attributes) {
    if (a.name == "AWSTraceHeader") d->trace_header = a.value;
  }
  d->md5_body = md5_hex(d->body);
  d->md5_attributes = md5_of_attributes(d->attributes);
  d->md5_system = md5_of_attributes(r.system_attributes);
  d->sender_id = std::move(r.sender_id);
  d->group_id = std::move(r.group_id);
  d->dedup_id =
      r.dedup_id.empty() && !d->group_id.empty() ? sha256_hex(d->body) : std::move(r.dedup_id);
  d->sent_ms = now;
  d->seq = seq;
  return d;
}

}  // namespace

void Queues::expire_dedup(Queue& q, int64_t now, storage::WriteBatch& batch) {
  while (!q.dedup_expiry.empty() && q.dedup_expiry.front().first <= now) {
    const std::string& key = q.dedup_expiry.front().second;
    auto it = q.dedup.find(key);
    if (it != q.dedup.end() && it->second.expires_ms <= now) {
      q.dedup.erase(it);
      batch.del(codec::kNamespace, codec::dedup_key(q.gen, key));
    }
    q.dedup_expiry.pop_front();
  }
}

void Queues::send(const QueuePtr& q, std::vector<SendRequest> requests,
                  std::function<void(std::vector<Result<SendResult>>)> done) {
  std::vector<Result<SendResult>> results(requests.size(), Result<SendResult>(Error{}));
  struct Pending {
    std::shared_ptr<const MessageData> data;
    int64_t visible_at;
    size_t index;
  };
  std::vector<Pending> pending;
  storage::WriteBatch batch;
  std::unique_lock lock(q->mu);
  if (q->deleted) {
    lock.unlock();
    for (auto& r : results) r = errors::queue_does_not_exist();
    return done(std::move(results));
  }
  int64_t now = now_ms();
  uint64_t gen = q->gen;
  if (q->fifo) expire_dedup(*q, now, batch);
  for (size_t i = 0; i < requests.size(); ++i) {
    SendRequest& r = requests[i];
    if (auto s = check_send(*q, r); !s) {
      results[i] = s.take_error();
      continue;
    }
    int delay = r.delay_seconds.value_or(q->config.delay_seconds);
    auto data = build(r, now, next_seq());
    SendResult out{data->id, data->md5_body, data->md5_attributes, data->md5_system, {}};
    if (q->fifo) {
      std::string key =
          q->config.dedup_per_group ? data->group_id + '\0' + data->dedup_id : data->dedup_id;
      if (auto it = q->dedup.find(key); it != q->dedup.end() && it->second.expires_ms > now) {
        out.message_id = it->second.message_id;
        out.sequence_number = sequence_number(it->second.seq);
        results[i] = std::move(out);
        continue;
      }
      codec::DedupEntry entry{data->id, data->seq, now + kDedupWindowMs};
      batch.put(codec::kNamespace, codec::dedup_key(gen, key), codec::encode_dedup(entry));
      q->dedup[key] = entry;
      q->dedup_expiry.emplace_back(entry.expires_ms, key);
      out.sequence_number = sequence_number(data->seq);
    }
    int64_t visible_at = now + int64_t{delay} * 1000;
    batch.put(codec::kNamespace, codec::message_key(gen, data->seq),
              codec::encode_message(*data, visible_at));
    results[i] = std::move(out);
    pending.push_back({std::move(data), visible_at, i});
  }
  if (batch.empty()) {
    lock.unlock();
    return done(std::move(results));
  }
  commit(std::move(batch),
         [this, q, gen, pending = std::move(pending), results = std::move(results),
          done = std::move(done)](Status s) mutable {
           if (!s) {
             for (const auto& p : pending) results[p.index] = s.error();
             return done(std::move(results));
           }
           bool wake = false;
           {
             std::lock_guard lock(q->mu);
             if (!q->deleted && q->gen == gen) {
               int64_t now = now_ms();
               for (auto& p : pending) q->insert(std::move(p.data), p.visible_at, 0, 0, 0, now);
               wake = !q->waiters.empty();
             }
           }
           sent_.add(pending.size());
           if (wake) serve_waiters(q);
           done(std::move(results));
         });
}

void Queues::drop(Queue& q, uint64_t seq, storage::WriteBatch& batch) {
  batch.del(codec::kNamespace, codec::message_key(q.gen, seq));
  batch.del(codec::kNamespace, codec::state_key(q.gen, seq));
  q.erase(seq);
}

std::vector<Received> Queues::take(Queue& q, const ReceiveRequest& r, storage::WriteBatch& batch,
                                   std::vector<Moved>& moved) {
  std::vector<Received> out;
  int64_t now = now_ms();
  q.promote(now);
  const QueueConfig& c = q.config;
  int vt = r.visibility_timeout >= 0 ? r.visibility_timeout : c.visibility_timeout;
  int64_t retention_ms = int64_t{c.retention_seconds} * 1000;
  size_t max = static_cast<size_t>(std::clamp(r.max_messages, 1, 10));
  QueuePtr dlq = c.dlq_arn.empty() || c.max_receive_count <= 0 ? nullptr : find_by_arn(c.dlq_arn);
  while (out.size() < max) {
    auto picked = q.pick(max - out.size());
    if (picked.empty()) break;
    for (uint64_t seq : picked) {
      Message* m = q.find(seq);
      if (m->data->sent_ms + retention_ms <= now) {
        drop(q, seq, batch);
        continue;
      }
      if (dlq && m->receive_count >= static_cast<uint32_t>(c.max_receive_count)) {
        auto copy = std::make_shared<MessageData>(*m->data);
        copy->dlq_source = q.arn;
        copy->seq = next_seq();
        uint64_t gen = dlq->gen;
        batch.put(codec::kNamespace, codec::message_key(gen, copy->seq),
                  codec::encode_message(*copy, now));
        drop(q, seq, batch);
        moved.push_back({dlq, gen, std::move(copy)});
        redriven_.add();
        continue;
      }
      m->receive_count++;
      if (m->first_receive_ms == 0) m->first_receive_ms = now;
      m->nonce = random_u64() | 1;
      q.set_inflight(seq, now + int64_t{vt} * 1000);
      codec::ReceiveState st{m->receive_count, m->first_receive_ms, m->visible_at_ms, m->nonce};
      batch.put(codec::kNamespace, codec::state_key(q.gen, seq), codec::encode_state(st));
      out.push_back(Received{m->data, codec::encode_handle({q.id, seq, m->nonce}), m->receive_count,
                             m->first_receive_ms});
    }
  }
  if (vt == 0 && !out.empty()) q.promote(now);
  return out;
}

void Queues::deliver_moved(std::vector<Moved> moved) {
  std::vector<QueuePtr> woken;
  int64_t now = now_ms();
  for (auto& m : moved) {
    std::lock_guard lock(m.dest->mu);
    if (m.dest->deleted || m.dest->gen != m.gen) continue;
    m.dest->insert(std::move(m.data), now, 0, 0, 0, now);
    if (!m.dest->waiters.empty()) woken.push_back(m.dest);
  }
  for (auto& q : woken) serve_waiters(q);
}

// A receive answers as soon as its state change is queued for commit, not
// once it is durable: the in-memory state is what hides the message, and a
// crash that loses the receive only makes the message visible again early
// (at-least-once delivery). Moves to a dead-letter queue still land only
// once durable (deliver_moved runs from the commit callback).
void Queues::persist_receive(storage::WriteBatch batch, std::vector<Moved> moved) {
  if (batch.empty()) return;
  commit(std::move(batch), [this, moved = std::move(moved)](Status s) mutable {
    if (!s) {
      spdlog::error("sqs: persisting a receive failed: {}", s.error().message);
      return;
    }
    if (!moved.empty()) deliver_moved(std::move(moved));
  });
}

void Queues::receive(const QueuePtr& q, ReceiveRequest r,
                     std::function<void(Result<std::vector<Received>>)> done) {
  storage::WriteBatch batch;
  std::vector<Moved> moved;
  std::unique_lock lock(q->mu);
  if (q->deleted) {
    lock.unlock();
    return done(errors::queue_does_not_exist());
  }
  auto out = take(*q, r, batch, moved);
  persist_receive(std::move(batch), std::move(moved));
  int wait = r.wait_seconds >= 0 ? r.wait_seconds : q->config.wait_seconds;
  if (out.empty() && wait > 0 && !closing_) {
    Waiter w;
    w.id = next_waiter_++;
    w.request = r;
    w.done = std::move(done);
    w.deadline_ms = now_ms() + int64_t{wait} * 1000;
    uint64_t id = w.id;
    w.timer = env_.scheduler.after(std::chrono::seconds(wait), [this, q, id, gate = gate_] {
      auto in = gate->hold();
      if (!in) return;
      std::unique_lock lock(q->mu);
      auto it = std::find_if(q->waiters.begin(), q->waiters.end(),
                             [&](const Waiter& x) { return x.id == id; });
      if (it == q->waiters.end()) return;
      Waiter w = std::move(*it);
      q->waiters.erase(it);
      storage::WriteBatch batch;
      std::vector<Moved> moved;
      auto out = take(*q, w.request, batch, moved);
      persist_receive(std::move(batch), std::move(moved));
      lock.unlock();
      received_.add(out.size());
      w.done(std::move(out));
    });
    q->waiters.push_back(std::move(w));
    arm_wake_timer(q);
    return;
  }
  lock.unlock();
  received_.add(out.size());
  done(std::move(out));
}

void Queues::serve_waiters(const QueuePtr& q) {
  std::vector<std::pair<Waiter, std::vector<Received>>> served;
  std::unique_lock lock(q->mu);
  while (!q->waiters.empty() && !q->deleted) {
    storage::WriteBatch batch;
    std::vector<Moved> moved;
    auto out = take(*q, q->waiters.front().request, batch, moved);
    persist_receive(std::move(batch), std::move(moved));
    if (out.empty()) break;
    Waiter w = std::move(q->waiters.front());
    q->waiters.pop_front();
    env_.scheduler.cancel(w.timer);
    served.emplace_back(std::move(w), std::move(out));
  }
  if (!q->waiters.empty()) arm_wake_timer(q);
  lock.unlock();
  for (auto& [w, out] : served) {
    received_.add(out.size());
    w.done(std::move(out));
  }
}

void Queues::arm_wake_timer(const QueuePtr& q) {
  int64_t next = q->next_visible_at();
  if (next == 0 || q->waiters.empty()) return;
  if (q->wake_timer != 0 && q->wake_at_ms <= next) return;
  if (q->wake_timer != 0) env_.scheduler.cancel(q->wake_timer);
  // At least 1 ms ahead; at(), not after(next - now): one reading of the clock.
  auto due = Clock::from_millis(std::max(next, now_ms() + 1));
  q->wake_at_ms = next;
  std::weak_ptr<Queue> weak = q;
  q->wake_timer = env_.scheduler.at(due, [this, weak, gate = gate_] {
    auto in = gate->hold();
    auto q = weak.lock();
    if (!in || !q || closing_) return;
    {
      std::lock_guard lock(q->mu);
      q->wake_timer = 0;
    }
    serve_waiters(q);
  });
}

}  // namespace nimbus::services::sqs
