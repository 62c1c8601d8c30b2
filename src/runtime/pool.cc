#include "runtime/pool.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <set>
#include <thread>

#include "common/thread_role.h"
#include "runtime/host.h"

namespace nimbus::runtime {

namespace asio = boost::asio;

// An environment is not reused when its credentials expire within the
// function's timeout plus this: a fresh one gets fresh credentials.
constexpr std::chrono::minutes kCredentialMargin{5};

// A moving average with 1/8 weight on the new sample (the first is taken as is).
static void add_pool_sample(std::chrono::nanoseconds& avg, uint64_t& n,
                            std::chrono::nanoseconds sample) {
  avg = n++ == 0 ? sample : avg + (sample - avg) / 8;
}

struct Pool::Shared {
  explicit Shared(asio::io_context& loop) : timer(loop) {}
  std::map<std::string, Function> functions;
  std::set<std::shared_ptr<Environment>> busy;  // to kill on shutdown
  asio::steady_timer timer;
  std::map<std::string, std::unique_ptr<asio::steady_timer>> watchdogs;  // scale-up, per key
  bool closed = false;
};

Pool::Pool(Host& host, PoolOptions options, PoolObserver* observer)
    : host_(host),
      options_(options),
      observer_(observer),
      shared_(std::make_shared<Shared>(host.loop())) {
  asio::post(host_.loop(), [this] { schedule_reclaim(); });
}

Pool::~Pool() {
  shutdown();
}

void Pool::schedule_reclaim() {
  if (shared_->closed) return;
  shared_->timer.expires_after(options_.reclaim_interval);
  shared_->timer.async_wait([this, shared = shared_](boost::system::error_code ec) {
    if (ec || shared->closed) return;
    reclaim_idle_now();
    schedule_reclaim();
  });
}

std::shared_ptr<Environment> Pool::make_environment(std::shared_ptr<const FunctionSpec> spec) {
  if (options_.make_environment) return options_.make_environment(host_, std::move(spec));
  return Environment::create(host_, std::move(spec));
}

bool Pool::reusable_for(const Environment& env, const FunctionSpec& spec) const {
  if (env.dead()) return false;  // died while idle (crashed, killed)
  // Its credentials could expire during the invocation.
  auto exp = env.credentials_expiration();
  return exp.time_since_epoch().count() == 0 ||
         exp >= host_.clock().now() + spec.timeout + kCredentialMargin;
}

void Pool::invoke(std::shared_ptr<const FunctionSpec> spec, InvokeRequest request,
                  std::function<void(InvokeResult)> done) {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  asio::post(host_.loop(), [this, shared = shared_, spec = std::move(spec),
                            request = std::move(request), done = std::move(done)]() mutable {
    if (shared->closed) {
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
      return done(InvokeResult::make(InvokeStatus::kInternal, "runtime pool is shut down"));
    }
    std::string key = spec->pool_key();
    Function& f = shared->functions[key];
    std::shared_ptr<Environment> env;
    while (!f.idle.empty() && !env) {
      env = std::move(f.idle.back().env);
      f.idle.pop_back();
      if (!reusable_for(*env, *spec)) {
        env->kill();
        env.reset();
      }
    }
    if (env) {
      ++f.warm;
      return run(key, std::move(env), Waiting{std::move(spec), std::move(request), std::move(done)},
                 false);
    }
    f.queue.push_back(
        Waiting{std::move(spec), std::move(request), std::move(done), host_.clock().monotonic()});
    scale_up(key);
  });
}

void Pool::scale_up(const std::string& key) {
  Function& f = shared_->functions[key];
  size_t waiting = f.queue.size();
  if (f.starting >= waiting) return;
  auto init = f.inits ? f.init_avg : std::chrono::nanoseconds(options_.assumed_init);
  size_t needed = waiting;
  size_t overdue = 0;  // waited longer than an init: a prefix of the queue
  auto now = host_.clock().monotonic();
  if (f.busy > 0 && f.runs > 0) {
    // Waiting request i is reached by the busy environments' (i / busy + 1)-th
    // round of runs: before a new environment's init ends for i < rounds * busy.
    uint64_t rounds = f.run_avg.count() > 0 ? static_cast<uint64_t>(init / f.run_avg) : waiting;
    uint64_t reached = std::min<uint64_t>(waiting, rounds * f.busy);
    needed = waiting - reached;
    while (overdue < waiting && now - f.queue[overdue].since >= init) ++overdue;
    needed = std::max(needed, overdue);
    // Up to one environment per core runs in parallel whatever the estimate.
    // Read once: hardware_concurrency() reads /sys on every call, and this
    // runs on the runtime loop for every queued request.
    static const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    if (f.busy < cores) needed = std::max(needed, std::min(waiting, cores - f.busy));
  }
  while (f.starting < needed) start_for_queue(key, f.queue.front().spec);
  // The first waiting request not yet overdue gets an environment of its own
  // when it becomes so (a busy one may be stuck, or waiting for it).
  if (f.starting < waiting && overdue < waiting) arm_watchdog(key, f.queue[overdue].since + init);
}

void Pool::arm_watchdog(const std::string& key, std::chrono::nanoseconds at) {
  Function& f = shared_->functions[key];
  if (f.watchdog_at.count() != 0 && f.watchdog_at <= at) return;  // fires sooner: it re-checks
  f.watchdog_at = at;
  auto& timer = shared_->watchdogs[key];
  if (!timer) timer = std::make_unique<asio::steady_timer>(host_.loop());
  // In real time; the check itself reads the host's clock (simulated in tests).
  timer->expires_after(std::max(at - host_.clock().monotonic(), std::chrono::nanoseconds(0)));
  timer->async_wait([this, shared = shared_, key](boost::system::error_code ec) {
    if (ec || shared->closed) return;
    auto it = shared->functions.find(key);
    if (it == shared->functions.end()) return;
    it->second.watchdog_at = {};
    scale_up(key);
  });
}

void Pool::start_for_queue(const std::string& key, std::shared_ptr<const FunctionSpec> spec) {
  Function& f = shared_->functions[key];
  auto env = make_environment(spec);
  ++f.starting;
  ++f.cold;
  shared_->busy.insert(env);  // killed at shutdown while it starts
  if (observer_) observer_->on_environment_created(*spec);
  env->start(
      [this, shared = shared_, key, env, spec, began = host_.clock().monotonic()](InvokeResult r) {
        shared->busy.erase(env);
        if (shared->closed) return env->kill();  // shutdown() answered the queue
        Function& fn = shared->functions[key];
        --fn.starting;
        if (r.status == InvokeStatus::kOk) {
          add_pool_sample(fn.init_avg, fn.inits, host_.clock().monotonic() - began);
          if (!fn.queue.empty()) {
            Waiting w = std::move(fn.queue.front());
            fn.queue.pop_front();
            return run(key, env, std::move(w), true);
          }
          if (hand_on(key, env)) return;  // a warm spare
        }
        env->kill();
        if (observer_) observer_->on_environment_ended(*spec);
        if (r.status == InvokeStatus::kOk || fn.queue.empty()) return;
        // The init failure is the oldest waiting request's answer, as if the
        // environment had been started for it alone.
        Waiting w = std::move(fn.queue.front());
        fn.queue.pop_front();
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        if (r.status == InvokeStatus::kTimeout)
          r.payload = init_timeout_document(w.request.request_id, host_.options().init_timeout);
        if (observer_) {
          observer_->on_invoke_start(*w.spec, true);
          observer_->on_invoke_end(*w.spec, r);
        }
        w.done(std::move(r));
      });
}

bool Pool::hand_on(const std::string& key, std::shared_ptr<Environment> env) {
  Function& f = shared_->functions[key];
  if (!f.queue.empty() && reusable_for(*env, *f.queue.front().spec)) {
    Waiting w = std::move(f.queue.front());
    f.queue.pop_front();
    ++f.warm;
    run(key, std::move(env), std::move(w), false);
    return true;
  }
  if (env->dead() || f.idle.size() >= options_.max_idle_per_function) return false;
  f.idle.push_back({std::move(env), host_.clock().monotonic()});
  return true;
}

void Pool::run(const std::string& key, std::shared_ptr<Environment> env, Waiting w, bool first) {
  Function& f = shared_->functions[key];
  ++f.busy;
  shared_->busy.insert(env);
  if (observer_) observer_->on_invoke_start(*w.spec, first);
  env->invoke(std::move(w.request), [this, shared = shared_, key, env, spec = std::move(w.spec),
                                     done = std::move(w.done),
                                     began = host_.clock().monotonic()](InvokeResult r) mutable {
    shared->busy.erase(env);
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    if (observer_) observer_->on_invoke_end(*spec, r);
    if (shared->closed) {
      env->kill();
      return done(std::move(r));
    }
    --shared->functions[key].busy;
    if (r.undelivered) {
      // A warm environment died before its runtime took the request:
      // not the function's failure, so it runs on another one.
      env->kill();
      if (observer_) observer_->on_environment_ended(*spec);
      return invoke(spec, std::move(*r.undelivered), std::move(done));
    }
    bool reusable = r.status == InvokeStatus::kOk || r.status == InvokeStatus::kFunctionError;
    if (reusable) {
      Function& fn = shared->functions[key];
      add_pool_sample(fn.run_avg, fn.runs, host_.clock().monotonic() - began);
    }
    // A request waiting for an environment runs on this one before this
    // one's caller hears back: its runtime works while the answer goes out.
    if (!reusable || !hand_on(key, env)) {
      env->kill();
      if (observer_) observer_->on_environment_ended(*spec);
    }
    done(std::move(r));
  });
}

void Pool::prewarm(std::shared_ptr<const FunctionSpec> spec, size_t count,
                   std::function<void(size_t)> done) {
  asio::post(host_.loop(), [this, shared = shared_, spec, count, done = std::move(done)] {
    auto remaining = std::make_shared<size_t>(count);
    auto ready = std::make_shared<size_t>(0);
    if (count == 0) return done(0);
    for (size_t i = 0; i < count; ++i) {
      auto env = make_environment(spec);
      if (observer_) observer_->on_environment_created(*spec);
      env->start([this, shared, spec, env, remaining, ready, done,
                  began = host_.clock().monotonic()](InvokeResult r) {
        if (r.status == InvokeStatus::kOk && !shared->closed) {
          Function& fn = shared->functions[spec->pool_key()];
          add_pool_sample(fn.init_avg, fn.inits, host_.clock().monotonic() - began);
        }
        if (r.status == InvokeStatus::kOk && !shared->closed && hand_on(spec->pool_key(), env)) {
          ++*ready;
        } else {
          env->kill();
          if (observer_) observer_->on_environment_ended(*spec);
        }
        if (--*remaining == 0) done(*ready);
      });
    }
  });
}

void Pool::retire(const std::string& pool_key) {
  asio::post(host_.loop(), [this, shared = shared_, pool_key] {
    auto it = shared->functions.find(pool_key);
    if (it == shared->functions.end()) return;
    for (auto& e : it->second.idle) {
      if (observer_) observer_->on_environment_ended(e.env->spec());
      e.env->kill();
    }
    it->second.idle.clear();
  });
}

void Pool::reclaim_idle_now() {
  asio::post(host_.loop(), [this, shared = shared_] {
    // Ages on the host's clock (a simulated one in tests); the reclaim tick
    // itself is a loop timer in real time.
    auto cutoff = host_.clock().monotonic() - options_.idle_timeout;
    for (auto& [key, f] : shared->functions) {
      // Oldest first: idle is ordered by last use.
      size_t n = 0;
      while (n < f.idle.size() && (f.idle[n].idle_since <= cutoff || f.idle[n].env->dead())) ++n;
      for (size_t i = 0; i < n; ++i) {
        if (observer_) observer_->on_environment_ended(f.idle[i].env->spec());
        f.idle[i].env->kill();
      }
      f.idle.erase(f.idle.begin(), f.idle.begin() + static_cast<std::ptrdiff_t>(n));
      // No idle environment keeps credentials past the point invoke() would
      // refuse it: a warm environment never holds expired keys.
      std::erase_if(f.idle, [&](const Entry& idle) {
        auto exp = idle.env->credentials_expiration();
        if (exp.time_since_epoch().count() == 0 ||
            exp >= host_.clock().now() + idle.env->spec().timeout + kCredentialMargin) {
          return false;
        }
        if (observer_) observer_->on_environment_ended(idle.env->spec());
        idle.env->kill();
        return true;
      });
    }
    for (auto it = shared->functions.begin(); it != shared->functions.end();) {
      const Function& f = it->second;
      if (!f.idle.empty() || f.busy != 0 || f.starting != 0 || !f.queue.empty()) {
        ++it;
        continue;
      }
      shared->watchdogs.erase(it->first);
      it = shared->functions.erase(it);
    }
  });
}

PoolStats Pool::stats(const std::string& pool_key) const {
  assert_may_block("runtime::Pool::stats");  // waits for the runtime loop
  std::promise<PoolStats> p;
  asio::post(host_.loop(), [&p, shared = shared_, &pool_key] {
    PoolStats s;
    auto it = shared->functions.find(pool_key);
    if (it != shared->functions.end()) {
      s.idle = it->second.idle.size();
      s.busy = it->second.busy;
      s.starting = it->second.starting;
      s.waiting = it->second.queue.size();
      s.cold_starts = it->second.cold;
      s.warm_starts = it->second.warm;
    }
    p.set_value(s);
  });
  return p.get_future().get();
}

void Pool::shutdown() {
  assert_may_block("runtime::Pool::shutdown");
  std::promise<void> p;
  asio::post(host_.loop(), [this, &p, shared = shared_] {
    if (!shared->closed) {
      shared->closed = true;
      shared->timer.cancel();
      shared->watchdogs.clear();  // cancels them
      for (auto& [key, f] : shared->functions)
        for (auto& e : f.idle) e.env->kill();
      for (auto& env : shared->busy) env->kill();
      std::vector<Waiting> waiting;
      for (auto& [key, f] : shared->functions)
        for (auto& w : f.queue) waiting.push_back(std::move(w));
      shared->functions.clear();
      for (auto& w : waiting) {
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        w.done(InvokeResult::make(InvokeStatus::kInternal, "runtime pool is shut down"));
      }
    }
    p.set_value();
  });
  p.get_future().wait();
  // Clean-up (reaping, cgroup removal, directory removal) finishes shortly.
  for (int i = 0; i < 500 && host_.live_environments().load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace nimbus::runtime
