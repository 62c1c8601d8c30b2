#include "services/firehose/engine.h"

#include <spdlog/spdlog.h>

#include "common/json_fields.h"
#include "services/firehose/errors.h"
#include "storage/storage.h"

namespace nimbus::services::firehose {

namespace json = boost::json;

namespace ns {
constexpr const char* kStreams = "firehose.streams";
constexpr const char* kRecords = "firehose.records";
constexpr const char* kTimers = "firehose.timers";
}  // namespace ns

Engine::Engine(Environment& env, s3::ObjectWriter* s3, lambda::Functions* functions)
    : env_(env), s3_(s3), functions_(functions) {}

Engine::~Engine() {
  {
    MutexLock lock(mu_);
    for (auto& [name, source] : sources_) source->stop();
  }
  gate_->close();
  timers_.reset();
}

void Engine::set_role_check(events::RoleCheck check, TrustCheck trusted) {
  if (!check || !trusted) {
    role_check_ = std::move(check);
    return;
  }
  // A refusal by a role that does not trust Firehose says so in its code.
  role_check_ = [check = std::move(check), trusted = std::move(trusted)](
                    const std::string& role, const std::string& target,
                    const events::Delivery& d) -> Status {
    auto st = check(role, target, d);
    if (st || trusted(role)) return st;
    return Error::make("AssumeRoleAccessDenied", st.error().message, 403);
  };
}

Status Engine::start() {
  std::map<std::string, std::shared_ptr<State>> loaded;
  auto st = env_.storage->records(ns::kStreams).each("", [&](storage::Entry& e) {
    auto doc = parse_object(e.value);
    auto d = doc ? DeliveryStream::from_json(*doc) : std::nullopt;
    if (!d) {
      spdlog::error("firehose: skipping the unreadable definition {}", e.key);
      return;
    }
    auto s = std::make_shared<State>();
    s->def = std::move(*d);
    loaded[e.key] = std::move(s);
  });
  if (!st) return st;
  {
    MutexLock lock(mu_);
    streams_ = std::move(loaded);
  }
  auto log = storage::Log::open(*env_.storage, ns::kRecords, env_.clock, env_.scheduler);
  if (!log) return log.take_error();
  log_ = std::move(*log);
  timers_ = std::make_unique<storage::Timers>(
      *env_.storage, env_.clock, env_.scheduler,
      [this](std::function<void()> f) { env_.workers.post(std::move(f)); },
      storage::Timers::Options{ns::kTimers, std::chrono::milliseconds(1000)});
  timers_->on("flush", [this, gate = gate_](storage::DueTimer t, storage::Timers::Ack ack) {
    auto h = gate->hold();
    if (!h) return ack(Status::ok());
    {
      MutexLock lock(mu_);
      auto it = streams_.find(t.id);
      if (it == streams_.end()) return ack(Status::ok());
      it->second->armed = false;
    }
    flush(t.id, [ack = std::move(ack)] { ack(Status::ok()); });
  });
  if (auto st = timers_->start(); !st) return st;
  std::vector<DeliveryStream> kinesis;
  {
    MutexLock lock(mu_);
    for (const auto& [name, state] : streams_) {
      if (state->def.type == "KinesisStreamAsSource") kinesis.push_back(state->def);
    }
  }
  for (const auto& d : kinesis) start_source(d);
  for (const auto& partition : log_->partitions()) {
    bool known = false;
    {
      MutexLock lock(mu_);
      known = streams_.contains(partition);
    }
    if (!known) {
      log_->remove(partition, [](Status) {});
      continue;
    }
    auto info = log_->info(partition);
    if (info && info->first_seq < info->next_seq && !timers_->contains("flush", partition)) {
      arm(partition, env_.clock.now());
    }
  }
  return Status::ok();
}

void Engine::create(DeliveryStream d, const std::string& account,
                    std::function<void(Status)> done) {
  std::string name = d.name;
  storage::WriteBatch batch("firehose/" + name);
  batch.put(ns::kStreams, name, json::serialize(d.to_json()));
  {
    MutexLock lock(mu_);
    if (streams_.contains(name)) return done(errors::in_use(name, account));
    auto s = std::make_shared<State>();
    s->def = std::move(d);
    streams_[name] = std::move(s);
    // Committed under the lock so definitions are stored in memory's order.
    env_.storage->commit(std::move(batch),
                         [this, gate = gate_, name, done = std::move(done)](Status st) {
                           if (st) {
                             if (auto h = gate->hold(); h) {
                               if (auto d = find(name); d && d->type == "KinesisStreamAsSource")
                                 start_source(*d);
                             }
                           }
                           done(st);
                         });
  }
}

void Engine::update(const std::string& name, const std::string& account,
                    const std::function<Status(DeliveryStream&)>& change,
                    std::function<void(Status)> done) {
  Status refused = Status::ok();
  {
    MutexLock lock(mu_);
    auto it = streams_.find(name);
    if (it == streams_.end()) {
      refused = errors::not_found(name, account);
    } else {
      DeliveryStream next = it->second->def;
      refused = change(next);
      if (refused) {
        storage::WriteBatch batch("firehose/" + name);
        batch.put(ns::kStreams, name, json::serialize(next.to_json()));
        it->second->def = std::move(next);
        // Committed under the lock so definitions are stored in memory's order.
        return env_.storage->commit(std::move(batch),
                                    [done = std::move(done)](Status st) { done(st); });
      }
    }
  }
  done(std::move(refused));
}

std::optional<DeliveryStream> Engine::find(const std::string& name) const {
  MutexLock lock(mu_);
  auto it = streams_.find(name);
  if (it == streams_.end()) return std::nullopt;
  return it->second->def;
}

std::vector<std::string> Engine::names(const std::string& type,
                                       const std::string& start_after) const {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  for (auto it = streams_.upper_bound(start_after); it != streams_.end(); ++it) {
    if (type.empty() || it->second->def.type == type) out.push_back(it->first);
  }
  return out;
}

void Engine::remove(const std::string& name, const std::string& account,
                    std::function<void(Status)> done) {
  storage::WriteBatch batch("firehose/" + name);
  batch.del(ns::kStreams, name);
  {
    MutexLock lock(mu_);
    if (!streams_.erase(name)) return done(errors::not_found(name, account));
    if (auto it = sources_.find(name); it != sources_.end()) {
      it->second->stop();
      sources_.erase(it);
      KinesisSource::forget(*env_.storage, name);
    }
    env_.storage->commit(std::move(batch),
                         [this, gate = gate_, name, done = std::move(done)](Status st) {
                           if (!st) return done(st);
                           if (auto h = gate->hold()) {
                             timers_->cancel("flush", name, [](Status) {});
                             log_->remove(name, [](Status) {});
                           }
                           done(Status::ok());
                         });
  }
}

void Engine::put(const std::string& name, const std::string& account,
                 std::vector<std::string> records, std::function<void(Result<uint64_t>)> done) {
  {
    MutexLock lock(mu_);
    if (!streams_.contains(name)) return done(errors::not_found(name, account));
  }
  log_->append(name, std::move(records),
               [this, gate = gate_, name, done = std::move(done)](Result<storage::Appended> a) {
                 if (!a) return done(a.take_error());
                 done(a->first_seq);
                 if (auto h = gate->hold()) after_put(name);
               });
}

void Engine::start_source(const DeliveryStream& d) {
  KinesisSource::Deps deps{env_, *log_, gate_,
                           [this](const std::string& name) { after_put(name); }};
  auto source = std::make_shared<KinesisSource>(std::move(deps), d.name,
                                                str(d.source, "KinesisStreamARN"), d.created_ms);
  {
    MutexLock lock(mu_);
    if (sources_.contains(d.name)) return;
    sources_[d.name] = source;
  }
  source->start();
}

uint64_t Engine::buffered_bytes(const std::string& name) const {
  auto info = log_->info(name);
  return info ? info->bytes : 0;
}

}  // namespace nimbus::services::firehose
