// Queues: the registry and the queue-level operations (create, delete,
// attributes, tags, purge). Message operations are in messages.cc, start-up
// recovery in recovery.cc, message move tasks in move_tasks.cc.
#include "services/sqs/queues.h"

#include <boost/json.hpp>

#include "services/sqs/errors.h"
#include "services/sqs/validate.h"
#include "storage/storage.h"

namespace nimbus::services::sqs {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTags = 50;

std::string key_of(std::string_view account, std::string_view name) {
  return std::string(account) + "/" + std::string(name);
}

Error too_many_tags(std::string_view queue) {
  return errors::invalid_parameter("Too many tags added for queue " + std::string(queue) + ".");
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
                                    "SQS messages moved to a dead-letter queue")) {}

Queues::~Queues() {
  // The server destroys the Scheduler and the HTTP edge before its services,
  // so nothing here may touch the scheduler or answer a pending long poll
  // (its connection is gone): waiters are dropped and timers already pending
  // find the gate closed.
  closing_ = true;
  gate_->close();
  std::vector<QueuePtr> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [_, q] : by_id_) all.push_back(q);
    for (auto& t : tasks_) {
      if (t->status == "RUNNING") t->status = "CANCELLED";
    }
  }
  for (auto& q : all) {
    std::lock_guard lock(q->mu);
    q->waiters.clear();
  }
  // Commit callbacks capture `this`: let every one in flight finish (the
  // storage outlives its services). Callers must have stopped starting new
  // ones (Lambda's pollers detach at begin_shutdown).
  std::unique_lock l(commits_mu_);
  commits_cv_.wait(l, [this] { return commits_in_flight_ == 0; });
}

void Queues::release_waiters() {
  std::vector<QueuePtr> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [_, q] : by_id_) all.push_back(q);
  }
  for (auto& q : all) {
    std::list<Waiter> waiting;
    {
      std::lock_guard lock(q->mu);
      waiting.swap(q->waiters);
    }
    answer_empty(waiting);
  }
}

void Queues::answer_empty(std::list<Waiter>& waiting) {
  for (auto& w : waiting) {
    if (w.timer != 0) env_.scheduler.cancel(w.timer);
    w.done(std::vector<Received>{});
  }
}

void Queues::release_waiters(const QueuePtr& q, uint64_t owner) {
  if (owner == 0) return;  // 0 is every HTTP client's long poll, not a poller's
  std::list<Waiter> released;
  {
    std::lock_guard lock(q->mu);
    for (auto it = q->waiters.begin(); it != q->waiters.end();) {
      auto next = std::next(it);
      if (it->request.owner == owner) released.splice(released.end(), q->waiters, it);
      it = next;
    }
  }
  answer_empty(released);
}

QueuePtr Queues::find(std::string_view account, std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = by_name_.find(key_of(account, name));
  return it == by_name_.end() ? nullptr : it->second;
}

QueuePtr Queues::find_by_arn(std::string_view arn) const {
  std::lock_guard lock(mu_);
  auto it = by_arn_.find(arn);
  return it == by_arn_.end() ? nullptr : it->second;
}

std::vector<QueuePtr> Queues::list(std::string_view account) const {
  std::lock_guard lock(mu_);
  std::vector<QueuePtr> out;
  std::string prefix = std::string(account) + "/";
  for (auto it = by_name_.lower_bound(prefix);
       it != by_name_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::string Queues::arn_of(std::string_view account, std::string_view name) const {
  return "arn:aws:sqs:" + env_.settings.region + ":" + std::string(account) + ":" +
         std::string(name);
}

uint64_t Queues::next_seq() {
  // Time-based so that sequence numbers keep growing across restarts even
  // after every message was deleted; +1 keeps them unique within a millisecond.
  uint64_t floor = static_cast<uint64_t>(now_ms()) << 16;
  uint64_t cur = last_seq_.load();
  for (;;) {
    uint64_t next = std::max(cur + 1, floor);
    if (last_seq_.compare_exchange_weak(cur, next)) return next;
  }
}

uint64_t Queues::next_gen() {
  return ++last_gen_;
}

void Queues::commit(storage::WriteBatch batch, std::function<void(Status)> done) {
  {
    std::lock_guard l(commits_mu_);
    ++commits_in_flight_;
  }
  env_.storage->commit(std::move(batch), [this, done = std::move(done)](Status s) {
    done(std::move(s));
    std::lock_guard l(commits_mu_);  // the destructor waits for this
    if (--commits_in_flight_ == 0) commits_cv_.notify_all();
  });
}

void Queues::persist_queue(const Queue& q, storage::WriteBatch& batch) const {
  json::object o;
  o["account"] = q.account;
  o["name"] = q.name;
  o["id"] = q.id;
  o["gen"] = q.gen.load();
  o["fifo"] = q.fifo;
  o["created"] = q.created_s;
  o["modified"] = q.modified_s;
  json::object attrs;
  for (const auto& [k, v] : q.config.attrs) attrs[k] = v;
  o["attrs"] = std::move(attrs);
  json::object tags;
  for (const auto& [k, v] : q.tags) tags[k] = v;
  o["tags"] = std::move(tags);
  batch.put(codec::kNamespace, codec::queue_key(q.account, q.name), json::serialize(o));
  codec::Writer w;
  w.u64(last_gen_.load());
  batch.put(codec::kNamespace, "N", w.take());
}

Status Queues::check_redrive(const Queue& q, const QueueConfig& config) const {
  if (config.dlq_arn.empty()) return Status::ok();
  const std::string& policy = config.attrs.at("RedrivePolicy");
  auto dlq = find_by_arn(config.dlq_arn);
  if (!dlq) {
    return errors::invalid_value(policy, "RedrivePolicy", "Dead letter target does not exist.");
  }
  if (dlq->fifo != q.fifo) {
    return errors::invalid_value(policy, "RedrivePolicy",
                                 "Dead-letter queue must be same type of queue as the source.");
  }
  if (dlq.get() == &q) return Status::ok();
  std::string permission;
  std::vector<std::string> sources;
  {
    std::lock_guard lock(dlq->mu);
    permission = dlq->config.redrive_permission;
    sources = dlq->config.redrive_sources;
  }
  bool allowed = permission == "allowAll" ||
                 (permission == "byQueue" &&
                  std::find(sources.begin(), sources.end(), q.arn) != sources.end());
  if (!allowed) {
    return errors::invalid_value(policy, "RedrivePolicy",
                                 "Dead letter target does not allow this queue as a source.");
  }
  return Status::ok();
}

void Queues::create(std::string account, std::string name,
                    std::map<std::string, std::string> attributes,
                    std::map<std::string, std::string> tags, bool aws_tags,
                    std::function<void(Result<QueuePtr>)> done) {
  bool fifo = false;
  if (auto it = attributes.find("FifoQueue"); it != attributes.end()) {
    fifo = it->second == "true" || it->second == "True" || it->second == "TRUE";
  }
  if (auto s = validate::queue_name(name, fifo); !s) return done(s.take_error());
  QueueConfig config = default_config(fifo);
  if (auto s = apply_attributes(config, attributes, true); !s) return done(s.take_error());
  if (auto s = validate::tags(tags, aws_tags); !s) return done(s.take_error());
  if (tags.size() > kMaxTags) return done(too_many_tags(name));
  std::string arn = arn_of(account, name);
  uint64_t id = next_gen();
  auto q = std::make_shared<Queue>(account, name, arn, id, fifo);
  if (auto s = check_redrive(*q, config); !s) return done(s.take_error());

  q->gen = id;
  q->config = std::move(config);
  q->created_s = q->modified_s = now_ms() / 1000;
  q->tags = std::move(tags);
  storage::WriteBatch batch;
  persist_queue(*q, batch);

  QueuePtr existing;
  {
    std::lock_guard lock(mu_);
    if (auto it = by_name_.find(key_of(account, name)); it != by_name_.end()) {
      existing = it->second;
    } else {
      by_name_[key_of(account, name)] = q;
      by_arn_[arn] = q;
      by_id_[id] = q;
    }
  }
  if (!existing) {
    return commit(std::move(batch), [q, done = std::move(done)](Status s) {
      if (!s) return done(s.take_error());
      done(q);
    });
  }
  // CreateQueue is idempotent when every attribute asked for has the value
  // the existing queue has.
  QueueConfig wanted = default_config(existing->fifo);
  (void)apply_attributes(wanted, attributes, true);
  std::unique_lock qlock(existing->mu);
  for (const auto& [k, _] : attributes) {
    if (k == "FifoQueue" && existing->fifo == fifo) continue;
    auto a = wanted.attrs.find(k);
    auto b = existing->config.attrs.find(k);
    std::string av = a == wanted.attrs.end() ? "" : a->second;
    std::string bv = b == existing->config.attrs.end() ? "" : b->second;
    if (av != bv || existing->fifo != fifo) {
      qlock.unlock();
      return done(Error::make(
          "QueueNameExists",
          "A queue already exists with the same name and a different value for attribute " + k));
    }
  }
  qlock.unlock();
  done(existing);
}

void Queues::remove(const QueuePtr& q, StatusDone done) {
  {
    std::lock_guard lock(mu_);
    by_name_.erase(key_of(q->account, q->name));
    by_arn_.erase(q->arn);
    by_id_.erase(q->id);
  }
  std::list<Waiter> waiters;
  storage::WriteBatch batch;
  {
    std::lock_guard lock(q->mu);
    if (q->deleted) return done(Status::ok());
    q->deleted = true;
    waiters.swap(q->waiters);
    for (auto& w : waiters) env_.scheduler.cancel(w.timer);
    q->clear();
    q->dedup.clear();
    q->dedup_expiry.clear();
    batch.del(codec::kNamespace, codec::queue_key(q->account, q->name));
    commit(std::move(batch), std::move(done));
  }
  for (auto& w : waiters) w.done(std::vector<Received>{});
  // The old generation's records are orphans now; start-up recovery deletes
  // them (they are never read again: no queue has that generation).
}

Result<std::map<std::string, std::string>> Queues::attributes(
    const QueuePtr& q, const std::vector<std::string>& names) {
  bool all = false;
  for (const auto& n : names) {
    if (n == "All")
      all = true;
    else if (!is_known_attribute(n))
      return errors::invalid_attribute_name(n);
  }
  std::map<std::string, std::string> out;
  std::lock_guard lock(q->mu);
  if (q->deleted) return errors::queue_does_not_exist();
  int64_t now = now_ms();
  q->promote(now);
  // Retention: drop expired messages at the head so the counters tell the
  // truth (standard queues keep visible messages in send order).
  storage::WriteBatch expired;
  int64_t retention_ms = int64_t{q->config.retention_seconds} * 1000;
  for (uint64_t seq = q->oldest_visible(); seq != 0; seq = q->oldest_visible()) {
    Message* m = q->find(seq);
    if (m->data->sent_ms + retention_ms > now) break;
    drop(*q, seq, expired);
  }
  if (!expired.empty()) commit(std::move(expired), [](Status) {});
  std::map<std::string, std::string> every = q->config.attrs;
  every["ApproximateNumberOfMessages"] = std::to_string(q->count_visible());
  every["ApproximateNumberOfMessagesNotVisible"] = std::to_string(q->count_inflight());
  every["ApproximateNumberOfMessagesDelayed"] = std::to_string(q->count_delayed());
  every["CreatedTimestamp"] = std::to_string(q->created_s);
  every["LastModifiedTimestamp"] = std::to_string(q->modified_s);
  every["QueueArn"] = q->arn;
  if (all) return every;
  for (const auto& n : names) {
    if (auto it = every.find(n); it != every.end()) out[n] = it->second;
  }
  return out;
}

void Queues::set_attributes(const QueuePtr& q, std::map<std::string, std::string> attributes,
                            StatusDone done) {
  QueueConfig copy;
  {
    std::lock_guard lock(q->mu);
    if (q->deleted) return done(errors::queue_does_not_exist());
    copy = q->config;
  }
  if (auto s = apply_attributes(copy, attributes, false); !s) return done(s);
  if (auto s = check_redrive(*q, copy); !s) return done(s);
  std::unique_lock lock(q->mu);
  if (auto s = apply_attributes(q->config, attributes, false); !s) {
    lock.unlock();
    return done(s);
  }
  q->modified_s = now_ms() / 1000;
  storage::WriteBatch batch;
  persist_queue(*q, batch);
  commit(std::move(batch), std::move(done));
}

std::map<std::string, std::string> Queues::tags(const QueuePtr& q) const {
  std::lock_guard lock(q->mu);
  return q->tags;
}

void Queues::tag(const QueuePtr& q, std::map<std::string, std::string> tags, bool aws_tags,
                 StatusDone done) {
  if (tags.empty()) return done(errors::missing_parameter("Tags"));
  if (auto s = validate::tags(tags, aws_tags); !s) return done(s);
  std::unique_lock lock(q->mu);
  if (q->deleted) {
    lock.unlock();
    return done(errors::queue_does_not_exist());
  }
  auto next = q->tags;
  for (auto& [k, v] : tags) next[k] = v;
  if (next.size() > kMaxTags) {
    lock.unlock();
    return done(too_many_tags(q->name));
  }
  q->tags = std::move(next);
  storage::WriteBatch batch;
  persist_queue(*q, batch);
  commit(std::move(batch), std::move(done));
}

void Queues::untag(const QueuePtr& q, std::vector<std::string> keys, bool aws_tags,
                   StatusDone done) {
  if (auto s = validate::tag_keys(keys, aws_tags); !s) return done(s);
  std::unique_lock lock(q->mu);
  if (q->deleted) {
    lock.unlock();
    return done(errors::queue_does_not_exist());
  }
  for (const auto& k : keys) q->tags.erase(k);
  storage::WriteBatch batch;
  persist_queue(*q, batch);
  commit(std::move(batch), std::move(done));
}

void Queues::add_permission(const QueuePtr& q, policy::Grant grant, StatusDone done) {
  edit_policy(
      q, [&](const std::string& current) { return policy::add(current, q->arn, grant); },
      std::move(done));
}

void Queues::remove_permission(const QueuePtr& q, std::string label, StatusDone done) {
  edit_policy(
      q, [&](const std::string& current) { return policy::remove(current, label); },
      std::move(done));
}

// The Policy attribute through `edit` (current text -> next, "" = none); an
// edit that changes nothing commits nothing.
void Queues::edit_policy(const QueuePtr& q,
                         const std::function<Result<std::string>(const std::string&)>& edit,
                         StatusDone done) {
  std::unique_lock lock(q->mu);
  if (q->deleted) {
    lock.unlock();
    return done(errors::queue_does_not_exist());
  }
  auto& attrs = q->config.attrs;
  auto it = attrs.find("Policy");
  std::string current = it == attrs.end() ? std::string() : it->second;
  auto next = edit(current);
  if (!next || *next == current) {
    lock.unlock();
    return done(next ? Status::ok() : Status(next.take_error()));
  }
  if (next->empty()) {
    attrs.erase("Policy");
  } else {
    attrs["Policy"] = std::move(*next);
  }
  q->modified_s = now_ms() / 1000;
  storage::WriteBatch batch;
  persist_queue(*q, batch);
  commit(std::move(batch), std::move(done));
}

void Queues::purge(const QueuePtr& q, StatusDone done) {
  std::unique_lock lock(q->mu);
  if (q->deleted) {
    lock.unlock();
    return done(errors::queue_does_not_exist());
  }
  int64_t now = now_ms();
  if (q->last_purge_ms >= 0 && now - q->last_purge_ms < 60000) {
    lock.unlock();
    return done(Error::make("PurgeQueueInProgress", "Only one PurgeQueue operation on " + q->name +
                                                        " is allowed every 60 seconds."));
  }
  q->last_purge_ms = now;
  // A new generation orphans every stored message of the old one at once.
  q->gen = next_gen();
  q->clear();
  q->dedup.clear();
  q->dedup_expiry.clear();
  storage::WriteBatch batch;
  persist_queue(*q, batch);
  commit(std::move(batch), std::move(done));
}

std::vector<QueuePtr> Queues::dead_letter_sources(const QueuePtr& dlq) const {
  std::vector<QueuePtr> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [_, q] : by_name_) all.push_back(q);
  }
  std::vector<QueuePtr> out;
  for (const auto& q : all) {
    std::lock_guard lock(q->mu);
    if (q->account == dlq->account && q->config.dlq_arn == dlq->arn) out.push_back(q);
  }
  return out;
}

}  // namespace nimbus::services::sqs
