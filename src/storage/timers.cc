#include "storage/timers.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "storage/key_codec.h"

namespace nimbus::storage {

namespace {

std::string timer_key(std::string_view kind, std::string_view id) {
  return encode_key(kind, id);
}

}  // namespace

// Memory mirrors what is applied in the store: entries change in commit
// callbacks, which run in commit order, so a timer is never handed out before
// its record is readable, and a later schedule always wins over an earlier one.
struct Timers::Impl : std::enable_shared_from_this<Timers::Impl> {
  using Key = std::pair<std::string, std::string>;  // kind, id
  struct Entry {
    int64_t due_ms = 0;
    uint64_t version = 0;     // changes with every applied schedule
    bool handed_out = false;  // given to a handler, not acknowledged yet
    int pending = 0;          // schedules/cancels submitted, not applied yet
  };

  Impl(Storage& s, const Clock& c, Scheduler& sch, Post p, Options o)
      : storage(s),
        clock(c),
        scheduler(sch),
        post(std::move(p)),
        options(std::move(o)),
        records(s.records(options.ns)) {}

  Storage& storage;
  const Clock& clock;
  Scheduler& scheduler;
  Post post;
  const Options options;
  Records records;

  mutable std::mutex mu;
  std::map<std::string, Handler, std::less<>> handlers;           // guarded by mu
  std::map<Key, Entry> timers;                                    // guarded by mu
  std::set<std::tuple<int64_t, std::string, std::string>> queue;  // not handed out; guarded by mu
  uint64_t next_version = 1;                                      // guarded by mu
  Scheduler::TimerId armed = 0;                                   // guarded by mu
  int64_t armed_ms = 0;                                           // guarded by mu
  bool started = false;                                           // guarded by mu
  bool closed = false;                                            // guarded by mu

  void arm();  // requires mu
  void fire();
  void hand_out(const Key& key, uint64_t version, int64_t due_ms);
  void acked(const Key& key, uint64_t version, Status status);
  void enqueue(const Key& key, Entry& e) {  // requires mu
    e.handed_out = false;
    if (started) queue.emplace(e.due_ms, key.first, key.second);
  }
};

void Timers::Impl::arm() {
  if (closed || !started || queue.empty()) return;
  int64_t next = std::get<0>(*queue.begin());
  if (armed != 0 && armed_ms <= next) return;
  if (armed != 0) scheduler.cancel(armed);
  armed_ms = next;
  std::weak_ptr<Impl> weak = weak_from_this();
  armed = scheduler.at(Clock::from_millis(next), [weak] {
    if (auto self = weak.lock()) self->fire();
  });
}

void Timers::Impl::fire() {
  std::vector<std::tuple<Key, uint64_t, int64_t>> due;
  {
    std::lock_guard lock(mu);
    armed = 0;
    if (closed) return;
    int64_t now = clock.now_millis();
    while (!queue.empty() && std::get<0>(*queue.begin()) <= now) {
      auto node = queue.extract(queue.begin());
      auto& [due_ms, kind, id] = node.value();
      Key key{std::move(kind), std::move(id)};
      auto it = timers.find(key);
      if (it == timers.end()) continue;
      // A kind nobody handles stays stored, out of the queue, until a restart
      // with its handler registered.
      if (handlers.find(key.first) == handlers.end()) continue;
      it->second.handed_out = true;
      due.emplace_back(std::move(key), it->second.version, due_ms);
    }
    arm();
  }
  for (auto& [key, version, due_ms] : due) {
    std::weak_ptr<Impl> weak = weak_from_this();
    post([weak, key = std::move(key), version = version, due_ms = due_ms] {
      if (auto self = weak.lock()) self->hand_out(key, version, due_ms);
    });
  }
}

void Timers::Impl::hand_out(const Key& key, uint64_t version, int64_t due_ms) {
  auto value = records.get(timer_key(key.first, key.second));
  Handler handler;
  {
    std::lock_guard lock(mu);
    if (closed) return;
    auto it = timers.find(key);
    if (it == timers.end() || it->second.version != version) return;  // cancelled or replaced
    if (!value || !*value) {
      // Unreadable now: try again later rather than drop it.
      it->second.due_ms = clock.now_millis() + options.retry_after.count();
      enqueue(key, it->second);
      arm();
      return;
    }
    handler = handlers.at(key.first);
  }
  KeyReader r(**value);
  r.i64();
  DueTimer timer{key.first, key.second, Clock::from_millis(due_ms), std::string(r.tail())};
  std::weak_ptr<Impl> weak = weak_from_this();
  handler(std::move(timer), [weak, key, version](Status s) {
    if (auto self = weak.lock()) self->acked(key, version, std::move(s));
  });
}

void Timers::Impl::acked(const Key& key, uint64_t version, Status status) {
  std::unique_lock lock(mu);
  auto it = timers.find(key);
  if (it == timers.end() || it->second.version != version || !it->second.handed_out) return;
  if (!status) {
    it->second.due_ms = clock.now_millis() + options.retry_after.count();
    enqueue(key, it->second);
    arm();
    return;
  }
  // A schedule of the same timer submitted but not applied yet replaces the
  // record anyway; deleting here would delete the new one.
  if (it->second.pending > 0) return;
  lock.unlock();
  WriteBatch batch(options.ns + "/" + key.first);
  batch.del(options.ns, timer_key(key.first, key.second));
  std::weak_ptr<Impl> weak = weak_from_this();
  storage.commit(std::move(batch), [weak, key, version](Status s) {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard lock(self->mu);
    auto it = self->timers.find(key);
    if (it == self->timers.end() || it->second.version != version) return;
    if (s) {
      self->timers.erase(it);
    } else {
      it->second.due_ms = self->clock.now_millis() + self->options.retry_after.count();
      self->enqueue(key, it->second);
      self->arm();
    }
  });
}

Timers::Timers(Storage& storage, const Clock& clock, Scheduler& scheduler, Post post,
               Options options)
    : impl_(
          std::make_shared<Impl>(storage, clock, scheduler, std::move(post), std::move(options))) {}

Timers::~Timers() {
  std::lock_guard lock(impl_->mu);
  impl_->closed = true;
  if (impl_->armed != 0) impl_->scheduler.cancel(impl_->armed);
  impl_->armed = 0;
}

void Timers::on(std::string kind, Handler handler) {
  std::lock_guard lock(impl_->mu);
  impl_->handlers[std::move(kind)] = std::move(handler);
}

Status Timers::start() {
  std::vector<std::pair<Impl::Key, int64_t>> loaded;
  Status bad;
  NIMBUS_TRY(impl_->records.each("", [&](Entry& e) {
    std::string kind, id;
    KeyReader r(e.value);
    auto due = r.i64();
    if (!decode_key(e.key, kind, id) || !due) {
      if (bad) bad = Error::internal("timers " + impl_->options.ns + ": malformed record");
      return;
    }
    loaded.emplace_back(Impl::Key{std::move(kind), std::move(id)}, *due);
  }));
  NIMBUS_TRY(bad);
  std::lock_guard lock(impl_->mu);
  impl_->started = true;
  for (auto& [key, due_ms] : loaded) {
    auto [it, fresh] = impl_->timers.try_emplace(key);
    if (!fresh) continue;  // scheduled meanwhile: newer
    it->second.due_ms = due_ms;
    it->second.version = impl_->next_version++;
  }
  for (auto& [key, e] : impl_->timers) {
    if (e.version != 0) impl_->enqueue(key, e);
  }
  impl_->arm();
  return Status::ok();
}

void Timers::schedule(std::string_view kind, std::string_view id, Clock::time_point due,
                      std::string payload, Done done) {
  Impl::Key key{std::string(kind), std::string(id)};
  int64_t due_ms = Clock::to_millis(due);
  WriteBatch batch(impl_->options.ns + "/" + key.first);
  batch.put(impl_->options.ns, timer_key(kind, id), KeyBuilder().i64(due_ms).tail(payload).bytes());
  {
    std::lock_guard lock(impl_->mu);
    impl_->timers[key].pending++;
  }
  std::weak_ptr<Impl> weak = impl_;
  impl_->storage.commit(std::move(batch), [weak, key, due_ms, done = std::move(done)](Status s) {
    if (auto self = weak.lock()) {
      std::lock_guard lock(self->mu);
      auto& e = self->timers[key];
      e.pending--;
      if (s) {
        if (!e.handed_out && e.version != 0) {
          self->queue.erase({e.due_ms, key.first, key.second});
        }
        e.due_ms = due_ms;
        e.version = self->next_version++;
        self->enqueue(key, e);
        self->arm();
      } else if (e.version == 0 && e.pending == 0) {
        self->timers.erase(key);  // never existed
      }
    }
    done(std::move(s));
  });
}

void Timers::cancel(std::string_view kind, std::string_view id, Done done) {
  Impl::Key key{std::string(kind), std::string(id)};
  WriteBatch batch(impl_->options.ns + "/" + key.first);
  batch.del(impl_->options.ns, timer_key(kind, id));
  {
    std::lock_guard lock(impl_->mu);
    impl_->timers[key].pending++;  // a placeholder (version 0) when absent
  }
  std::weak_ptr<Impl> weak = impl_;
  impl_->storage.commit(std::move(batch), [weak, key, done = std::move(done)](Status s) {
    if (auto self = weak.lock()) {
      std::lock_guard lock(self->mu);
      auto it = self->timers.find(key);
      if (it != self->timers.end()) {
        Impl::Entry& e = it->second;
        e.pending--;
        if (s) {
          if (!e.handed_out && e.version != 0) {
            self->queue.erase({e.due_ms, key.first, key.second});
          }
          e.version = 0;  // gone until a schedule submitted after this applies
          e.handed_out = false;
        }
        if (e.version == 0 && e.pending == 0) self->timers.erase(it);
      }
    }
    done(std::move(s));
  });
}

size_t Timers::size() const {
  std::lock_guard lock(impl_->mu);
  size_t n = 0;
  for (const auto& [key, e] : impl_->timers) n += e.version != 0 ? 1 : 0;
  return n;
}

bool Timers::contains(std::string_view kind, std::string_view id) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->timers.find({std::string(kind), std::string(id)});
  return it != impl_->timers.end() && it->second.version != 0;
}

}  // namespace nimbus::storage
