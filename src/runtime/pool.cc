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

struct Pool::Shared {
  explicit Shared(asio::io_context& loop) : timer(loop) {}
  std::map<std::string, Function> functions;
  std::set<std::shared_ptr<Environment>> busy;  // to kill on shutdown
  asio::steady_timer timer;
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
      if (env->dead()) {
        env.reset();  // died while idle (crashed, killed)
      } else if (auto exp = env->credentials_expiration();
                 exp.time_since_epoch().count() != 0 &&
                 exp < host_.clock().now() + spec->timeout + kCredentialMargin) {
        env->kill();  // its credentials could expire during this invocation
        env.reset();
      }
    }
    bool cold = !env;
    if (cold) {
      env = Environment::create(host_, spec);
      ++f.cold;
      if (observer_) observer_->on_environment_created(*spec);
    } else {
      ++f.warm;
    }
    ++f.busy;
    shared->busy.insert(env);
    if (observer_) observer_->on_invoke_start(*spec, cold);
    env->invoke(
        std::move(request), [this, shared, key, env, spec, done = std::move(done)](InvokeResult r) {
          shared->busy.erase(env);
          Function& fn = shared->functions[key];
          --fn.busy;
          in_flight_.fetch_sub(1, std::memory_order_relaxed);
          if (observer_) observer_->on_invoke_end(*spec, r);
          if (r.undelivered && !shared->closed) {
            // A warm environment died before its runtime took the request:
            // not the function's failure, so it runs on another one.
            env->kill();
            if (observer_) observer_->on_environment_ended(*spec);
            return invoke(spec, std::move(*r.undelivered), std::move(done));
          }
          bool reusable = !env->dead() && (r.status == InvokeStatus::kOk ||
                                           r.status == InvokeStatus::kFunctionError);
          if (reusable && !shared->closed && fn.idle.size() < options_.max_idle_per_function) {
            fn.idle.push_back({env, host_.clock().monotonic()});
          } else {
            env->kill();
            if (observer_) observer_->on_environment_ended(*spec);
          }
          done(std::move(r));
        });
  });
}

void Pool::prewarm(std::shared_ptr<const FunctionSpec> spec, size_t count,
                   std::function<void(size_t)> done) {
  asio::post(host_.loop(), [this, shared = shared_, spec, count, done = std::move(done)] {
    auto remaining = std::make_shared<size_t>(count);
    auto ready = std::make_shared<size_t>(0);
    if (count == 0) return done(0);
    for (size_t i = 0; i < count; ++i) {
      auto env = Environment::create(host_, spec);
      if (observer_) observer_->on_environment_created(*spec);
      env->start([this, shared, spec, env, remaining, ready, done](InvokeResult r) {
        if (r.status == InvokeStatus::kOk && !shared->closed) {
          shared->functions[spec->pool_key()].idle.push_back({env, host_.clock().monotonic()});
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
    std::erase_if(shared->functions,
                  [](auto& kv) { return kv.second.idle.empty() && kv.second.busy == 0; });
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
  asio::post(host_.loop(), [&p, shared = shared_] {
    if (!shared->closed) {
      shared->closed = true;
      shared->timer.cancel();
      for (auto& [key, f] : shared->functions)
        for (auto& e : f.idle) e.env->kill();
      for (auto& env : shared->busy) env->kill();
      shared->functions.clear();
    }
    p.set_value();
  });
  p.get_future().wait();
  // Clean-up (reaping, cgroup removal, directory removal) finishes shortly.
  for (int i = 0; i < 500 && host_.live_environments().load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace nimbus::runtime
