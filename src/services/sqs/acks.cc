// Queues: what a consumer does with a received message — delete it, or
// change its visibility timeout — by receipt handle, single or batched.
#include "services/sqs/errors.h"
#include "services/sqs/queues.h"
#include "storage/storage.h"

namespace nimbus::services::sqs {

namespace {

// A receipt handle decoded and checked to belong to `q`, with SQS's errors.
Result<codec::Handle> decode_for(const Queue& q, const std::string& handle) {
  auto h = codec::decode_handle(handle);
  if (!h) return errors::receipt_handle_invalid(handle);
  if (h->queue_id != q.id) return errors::receipt_handle_other_queue(handle);
  return *h;
}

// After a failed commit, every entry that had succeeded fails with it.
void fail_succeeded(std::vector<Status>& results, const Status& commit) {
  for (auto& r : results) {
    if (r) r = commit;
  }
}

}  // namespace

void Queues::delete_messages(const QueuePtr& q, std::vector<std::string> handles,
                             std::function<void(std::vector<Status>)> done) {
  std::vector<Status> results(handles.size());
  storage::WriteBatch batch;
  std::unique_lock lock(q->mu);
  if (q->deleted) {
    lock.unlock();
    for (auto& r : results) r = errors::queue_does_not_exist();
    return done(std::move(results));
  }
  size_t n = 0;
  for (size_t i = 0; i < handles.size(); ++i) {
    auto h = decode_for(*q, handles[i]);
    if (!h) {
      results[i] = h.take_error();
      continue;
    }
    Message* m = q->find(h->seq);
    if (m == nullptr) continue;  // already deleted: SQS answers success
    if (m->nonce != h->nonce) {
      results[i] = errors::receipt_handle_expired(handles[i]);
      continue;
    }
    drop(*q, h->seq, batch);
    ++n;
  }
  if (batch.empty()) {
    lock.unlock();
    return done(std::move(results));
  }
  bool wake = q->fifo && !q->waiters.empty();
  commit(std::move(batch), [this, q, n, wake, results = std::move(results),
                            done = std::move(done)](Status s) mutable {
    if (!s) {
      fail_succeeded(results, s);
      return done(std::move(results));
    }
    deleted_.add(n);
    if (wake) serve_waiters(q);
    done(std::move(results));
  });
}

void Queues::change_visibility(const QueuePtr& q, std::vector<std::pair<std::string, int>> changes,
                               std::function<void(std::vector<Status>)> done) {
  std::vector<Status> results(changes.size());
  storage::WriteBatch batch;
  std::unique_lock lock(q->mu);
  if (q->deleted) {
    lock.unlock();
    for (auto& r : results) r = errors::queue_does_not_exist();
    return done(std::move(results));
  }
  int64_t now = now_ms();
  q->promote(now);
  bool visible = false;
  for (size_t i = 0; i < changes.size(); ++i) {
    const auto& [handle, vt] = changes[i];
    auto h = decode_for(*q, handle);
    if (!h) {
      results[i] = h.take_error();
      continue;
    }
    if (vt < 0 || vt > 43200) {
      results[i] = errors::invalid_value(
          std::to_string(vt), "VisibilityTimeout",
          "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
      continue;
    }
    Message* m = q->find(h->seq);
    if (m != nullptr && m->nonce != h->nonce) {
      results[i] = errors::receipt_handle_expired(handle);
      continue;
    }
    if (m == nullptr || m->state != MessageState::kInflight) {
      results[i] = errors::message_not_inflight(handle);
      continue;
    }
    q->set_inflight(h->seq, now + int64_t{vt} * 1000);
    visible = visible || vt == 0;
    codec::ReceiveState st{m->receive_count, m->first_receive_ms, m->visible_at_ms, m->nonce};
    batch.put(codec::kNamespace, codec::state_key(q->gen, h->seq), codec::encode_state(st));
  }
  if (visible) q->promote(now);
  if (batch.empty()) {
    lock.unlock();
    return done(std::move(results));
  }
  bool wake = !q->waiters.empty();
  commit(std::move(batch),
         [this, q, wake, results = std::move(results), done = std::move(done)](Status s) mutable {
           if (!s) {
             fail_succeeded(results, s);
             return done(std::move(results));
           }
           if (wake) serve_waiters(q);
           done(std::move(results));
         });
}

}  // namespace nimbus::services::sqs
