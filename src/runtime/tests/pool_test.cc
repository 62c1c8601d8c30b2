// Warm reuse, LIFO order, idle reclaim, pre-warming, fresh environments
// after a failure, and the scale-up queue (on fake environments).
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "runtime/tests/test_env.h"

namespace nimbus::runtime::testing {
namespace {

TEST(Pool, WarmReuseAndFreshAfterCrash) {
  Pool pool(host());
  auto f = echo_spec();
  InvokeResult first = invoke(pool, f, "1");
  ASSERT_EQ(first.status, InvokeStatus::kOk);
  EXPECT_TRUE(first.cold_start);
  for (int i = 0; i < 20; ++i) {
    InvokeResult r = invoke(pool, f, std::to_string(i));
    ASSERT_EQ(r.status, InvokeStatus::kOk) << i << " " << r.payload << r.log_tail;
    EXPECT_FALSE(r.cold_start);
    EXPECT_EQ(r.payload, std::to_string(i));
  }
  EXPECT_EQ(invoke(pool, f, R"("crash")").status, InvokeStatus::kExitError);
  InvokeResult after = invoke(pool, f, "2");
  ASSERT_EQ(after.status, InvokeStatus::kOk);
  EXPECT_TRUE(after.cold_start);  // the crashed one was not reused
  PoolStats s = pool.stats(f->pool_key());
  EXPECT_EQ(s.cold_starts, 2u);
  EXPECT_EQ(s.warm_starts, 21u);  // the crash ran warm too
  EXPECT_EQ(s.idle, 1u);
  pool.shutdown();
  EXPECT_TRUE(wait_quiet());
}

TEST(Pool, ConcurrentInvokesGetTheirOwnEnvironmentsAndLifoReuse) {
  Pool pool(host());
  auto f = echo_spec();
  std::vector<std::future<InvokeResult>> results;
  for (int i = 0; i < 3; ++i) {
    auto p = std::make_shared<std::promise<InvokeResult>>();
    results.push_back(p->get_future());
    pool.invoke(f, request(R"("sleep:200")"), [p](InvokeResult r) { p->set_value(std::move(r)); });
  }
  for (auto& r : results) EXPECT_EQ(r.get().status, InvokeStatus::kOk);
  PoolStats s = pool.stats(f->pool_key());
  EXPECT_EQ(s.cold_starts, 3u);
  EXPECT_EQ(s.idle, 3u);
  EXPECT_EQ(pool.in_flight(), 0u);
  // Sequential invokes keep reusing the most recently used environment.
  std::string stream;
  for (int i = 0; i < 5; ++i) {
    InvokeResult r = invoke(pool, f, "1");
    ASSERT_FALSE(r.cold_start);
  }
  EXPECT_EQ(pool.stats(f->pool_key()).idle, 3u);
  pool.shutdown();
  EXPECT_TRUE(wait_quiet());
}

TEST(Pool, IdleEnvironmentsAreReclaimed) {
  PoolOptions o;
  o.idle_timeout = std::chrono::minutes(5);
  o.reclaim_interval = std::chrono::hours(1);  // the test reclaims by hand
  Pool pool(host(), o);
  auto f = echo_spec();
  ASSERT_EQ(invoke(pool, f, "1").status, InvokeStatus::kOk);
  EXPECT_EQ(pool.stats(f->pool_key()).idle, 1u);
  // Idle ages are measured on the host's clock.
  test_clock().advance(std::chrono::minutes(4));
  pool.reclaim_idle_now();
  EXPECT_EQ(pool.stats(f->pool_key()).idle, 1u);
  test_clock().advance(std::chrono::minutes(1));
  pool.reclaim_idle_now();
  EXPECT_EQ(pool.stats(f->pool_key()).idle, 0u);
  EXPECT_TRUE(wait_quiet());
  EXPECT_TRUE(invoke(pool, f, "1").cold_start);
  pool.shutdown();
}

TEST(Pool, NoEnvironmentRunsWithCredentialsAboutToExpire) {
  PoolOptions o;
  o.reclaim_interval = std::chrono::hours(1);  // the test reclaims by hand
  Pool pool(host(), o);
  auto f = echo_spec();
  f->role_arn = "arn:aws:iam::000000000000:role/expiring";  // 30 minutes of credentials
  ASSERT_TRUE(invoke(pool, f, "1").cold_start);
  EXPECT_FALSE(invoke(pool, f, "2").cold_start);
  // 4 minutes left: less than the timeout plus 5 minutes, so the warm
  // environment is ended and a fresh one (fresh credentials) runs it.
  test_clock().advance(std::chrono::minutes(26));
  InvokeResult r = invoke(pool, f, "3");
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  EXPECT_TRUE(r.cold_start);
  EXPECT_EQ(pool.stats(f->pool_key()).idle, 1u);
  // An idle environment is not kept past that point either.
  pool.reclaim_idle_now();
  EXPECT_EQ(pool.stats(f->pool_key()).idle, 1u);
  test_clock().advance(std::chrono::minutes(25));
  pool.reclaim_idle_now();
  EXPECT_EQ(pool.stats(f->pool_key()).idle, 0u);
  pool.shutdown();
  EXPECT_TRUE(wait_quiet());
}

TEST(Pool, PrewarmKeepsEnvironmentsReady) {
  Pool pool(host());
  auto f = echo_spec();
  std::promise<size_t> ready;
  pool.prewarm(f, 2, [&ready](size_t n) { ready.set_value(n); });
  EXPECT_EQ(ready.get_future().get(), 2u);
  EXPECT_EQ(pool.stats(f->pool_key()).idle, 2u);
  InvokeResult r = invoke(pool, f, "1");
  EXPECT_EQ(r.status, InvokeStatus::kOk);
  EXPECT_TRUE(r.cold_start);  // its init happened before, and is still reported once
  EXPECT_EQ(pool.stats(f->pool_key()).cold_starts, 0u);
  pool.shutdown();
  EXPECT_TRUE(wait_quiet());
}

TEST(Pool, RequestForAWarmRuntimeThatExitsRunsOnAFreshOne) {
  // Like aws-lambda-ric after an uncaught exception: it posts the error, then
  // exits. The next request, handed to it meanwhile, never reached it.
  auto code = make_code({{"bootstrap+x", R"(#!/bin/sh
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
HEADERS=$(mktemp)
curl -sS -D "$HEADERS" -o /dev/null "$API/invocation/next"
ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '\r' | cut -d' ' -f2)
curl -sS -X POST "$API/invocation/$ID/error" -d '{"errorType":"Boom","errorMessage":"x"}'
sleep 0.3
exit 129
)"}});
  Pool pool(host());
  auto f = spec("provided.al2023", "x", code);
  for (int i = 0; i < 3; ++i) {
    InvokeResult r = invoke(pool, f, "{}");
    ASSERT_EQ(r.status, InvokeStatus::kFunctionError) << i << " " << r.payload << r.log_tail;
    EXPECT_EQ(r.error_type, "Boom");
    EXPECT_TRUE(r.cold_start) << i;  // each ran on a fresh environment
  }
  PoolStats s = pool.stats(f->pool_key());
  EXPECT_EQ(s.cold_starts, 3u);
  EXPECT_EQ(s.warm_starts, 2u);  // the two handed to a dying one first
  pool.shutdown();
  EXPECT_TRUE(wait_quiet());
}

// An environment the test drives: start() and invoke() finish when the test
// says so. Touched on the host's loop only (the pool's and on_loop()'s).
class ScriptedEnv final : public Environment {
 public:
  explicit ScriptedEnv(std::shared_ptr<const FunctionSpec> spec) : spec_(std::move(spec)) {}
  void start(ReadyDone done) override { starting = std::move(done); }
  void invoke(InvokeRequest request, InvokeDone done) override {
    running_id = request.request_id;
    running = std::move(done);
    ++invocations;
  }
  void kill() override { killed = true; }
  bool dead() const override { return killed; }
  bool busy() const override { return static_cast<bool>(running); }
  const FunctionSpec& spec() const override { return *spec_; }
  const std::string& log_stream() const override { return running_id; }
  int pid() const override { return -1; }
  std::chrono::system_clock::time_point credentials_expiration() const override { return {}; }

  void finish_start(InvokeResult r) { std::exchange(starting, nullptr)(std::move(r)); }
  void finish_invoke() {  // answers the request id as the payload
    InvokeResult r = InvokeResult::make(InvokeStatus::kOk, running_id);
    std::exchange(running, nullptr)(std::move(r));
  }

  ReadyDone starting;
  InvokeDone running;
  std::string running_id;
  int invocations = 0;
  bool killed = false;

 private:
  std::shared_ptr<const FunctionSpec> spec_;
};

// Runs `fn` on the host's loop and waits for it.
template <typename Fn>
void on_loop(Fn fn) {
  std::promise<void> done;
  boost::asio::post(host().loop(), [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

struct ScriptedPool {
  ScriptedPool() {
    PoolOptions o;
    o.reclaim_interval = std::chrono::hours(1);
    o.make_environment = [this](Host&, std::shared_ptr<const FunctionSpec> spec) {
      envs.push_back(std::make_shared<ScriptedEnv>(std::move(spec)));
      return envs.back();
    };
    pool = std::make_unique<Pool>(host(), o);
  }
  // A scripted environment keeps the callbacks the pool gave it until the
  // test finishes them, and those hold the environment: once the pool is
  // gone, the ones never finished are dropped (a real environment answers
  // them when it is killed).
  ~ScriptedPool() {
    pool.reset();
    on_loop([this] {
      for (auto& e : envs) {
        e->starting = nullptr;
        e->running = nullptr;
      }
      envs.clear();
    });
  }
  // Sends one request; its answer lands in answers[request id].
  std::string send(const std::shared_ptr<const FunctionSpec>& f) {
    InvokeRequest r = request("{}");
    std::string id = r.request_id;
    pool->invoke(f, std::move(r), [this, id](InvokeResult result) {
      std::lock_guard l(mu);
      answers[id] = std::move(result);
    });
    return id;
  }
  size_t answered() {
    std::lock_guard l(mu);
    return answers.size();
  }
  std::vector<std::shared_ptr<ScriptedEnv>> envs;  // loop only
  std::mutex mu;
  std::map<std::string, InvokeResult> answers;
  std::unique_ptr<Pool> pool;
};

TEST(Pool, ABurstStartsEnvironmentsInParallelAndNeverWaitsForOneWhileAWarmOneFrees) {
  ScriptedPool p;
  auto f = echo_spec();
  std::promise<size_t> warmed;
  p.pool->prewarm(f, 1, [&](size_t n) { warmed.set_value(n); });
  on_loop([&] { p.envs.at(0)->finish_start(InvokeResult::make(InvokeStatus::kOk)); });
  ASSERT_EQ(warmed.get_future().get(), 1u);

  // 16 connections at once against one warm environment.
  std::vector<std::string> ids;
  for (int i = 0; i < 16; ++i) ids.push_back(p.send(f));
  PoolStats s = p.pool->stats(f->pool_key());
  EXPECT_EQ(s.busy, 1u);
  EXPECT_EQ(s.waiting, 15u);
  // One environment per waiting request, all started at once, none ready yet.
  EXPECT_EQ(s.starting, 15u);
  EXPECT_EQ(s.cold_starts, 15u);
  on_loop([&] {
    ASSERT_EQ(p.envs.size(), 16u);
    for (size_t i = 1; i < p.envs.size(); ++i) EXPECT_TRUE(p.envs[i]->starting) << i;
  });

  // The warm environment answers them all, oldest first, before any start
  // finishes: no request waited for a cold start.
  for (int i = 0; i < 16; ++i) {
    on_loop([&] {
      EXPECT_EQ(p.envs[0]->running_id, ids[i]);
      p.envs[0]->finish_invoke();
    });
  }
  ASSERT_EQ(p.answered(), 16u);
  for (auto& id : ids) EXPECT_EQ(p.answers[id].payload, id);
  s = p.pool->stats(f->pool_key());
  EXPECT_EQ(s.waiting, 0u);
  EXPECT_EQ(s.warm_starts, 16u);

  // The started environments stay as warm spares; one whose init fails
  // with nobody waiting just ends.
  on_loop([&] {
    p.envs[1]->finish_start(InvokeResult::make(InvokeStatus::kInitError, "{}"));
    for (size_t i = 2; i < p.envs.size(); ++i)
      p.envs[i]->finish_start(InvokeResult::make(InvokeStatus::kOk));
  });
  s = p.pool->stats(f->pool_key());
  EXPECT_EQ(s.starting, 0u);
  EXPECT_EQ(s.idle, 15u);
  on_loop([&] {
    EXPECT_TRUE(p.envs[1]->killed);
    for (auto& e : p.envs) EXPECT_EQ(e->invocations, e == p.envs[0] ? 16 : 0);
  });
  EXPECT_EQ(p.answered(), 16u);
  EXPECT_EQ(p.pool->in_flight(), 0u);
  p.pool->shutdown();
}

TEST(Pool, AColdFunctionsRequestsTakeTheFirstReadyEnvironmentAndItsInitFailure) {
  ScriptedPool p;
  auto f = echo_spec();
  std::string a = p.send(f), b = p.send(f), c = p.send(f);
  EXPECT_EQ(p.pool->stats(f->pool_key()).starting, 3u);
  // The third started is ready first: the oldest request runs on it, as a
  // cold start.
  on_loop([&] { p.envs.at(2)->finish_start(InvokeResult::make(InvokeStatus::kOk)); });
  on_loop([&] {
    EXPECT_EQ(p.envs[2]->running_id, a);
    p.envs[2]->finish_invoke();
  });
  // It then takes the next waiting one too.
  on_loop([&] {
    EXPECT_EQ(p.envs[2]->running_id, b);
    // An init that times out answers the oldest waiting request, in its name.
    InvokeResult timeout = InvokeResult::make(InvokeStatus::kTimeout, "x");
    timeout.error_type = "Sandbox.Timedout";
    p.envs[0]->finish_start(std::move(timeout));
  });
  ASSERT_EQ(p.answered(), 2u);
  EXPECT_EQ(p.answers[a].status, InvokeStatus::kOk);
  InvokeResult& failed = p.answers[c];
  EXPECT_EQ(failed.status, InvokeStatus::kTimeout);
  EXPECT_EQ(failed.payload, init_timeout_document(c, host().options().init_timeout));
  EXPECT_NE(failed.payload.find("RequestId: " + c + " Error: Task timed out after 3.00 seconds"),
            std::string::npos)
      << failed.payload;
  // A request still waiting at shutdown is answered.
  std::string d = p.send(f);
  on_loop([&] { p.envs[2]->finish_invoke(); });  // b; d now runs on envs[2]
  std::string e = p.send(f);
  EXPECT_EQ(p.pool->stats(f->pool_key()).waiting, 1u);
  p.pool->shutdown();
  std::lock_guard l(p.mu);
  EXPECT_EQ(p.answers.size(), 4u);  // a, b, c and e
  EXPECT_EQ(p.answers[e].status, InvokeStatus::kInternal);
  EXPECT_EQ(p.answers[e].payload, "runtime pool is shut down");
  EXPECT_EQ(p.pool->in_flight(), 1u);  // d, on a scripted environment that never answers
}

TEST(Pool, AFastFunctionWaitsForItsBusyEnvironmentAndASlowOneScalesOut) {
  ScriptedPool p;
  auto fast = echo_spec();
  // Its init takes 100 ms, a run 1 ms (on the host's simulated clock).
  std::promise<size_t> warmed;
  p.pool->prewarm(fast, 1, [&](size_t n) { warmed.set_value(n); });
  on_loop([&] {
    test_clock().advance(std::chrono::milliseconds(100));
    p.envs.at(0)->finish_start(InvokeResult::make(InvokeStatus::kOk));
  });
  ASSERT_EQ(warmed.get_future().get(), 1u);
  p.send(fast);
  on_loop([&] {
    test_clock().advance(std::chrono::milliseconds(1));
    p.envs[0]->finish_invoke();
  });
  // A burst of 16: the busy one reaches all 15 waiting long before a new
  // environment could be ready, so only one per other core starts.
  std::vector<std::string> ids;
  for (int i = 0; i < 16; ++i) ids.push_back(p.send(fast));
  PoolStats s = p.pool->stats(fast->pool_key());
  size_t per_core = std::min<size_t>(15, std::max(1u, std::thread::hardware_concurrency()) - 1);
  EXPECT_EQ(s.waiting, 15u);
  EXPECT_EQ(s.starting, per_core);
  // Its run is stuck (or waits for one of them): whoever waited longer than
  // an init gets an environment of its own, all at once.
  test_clock().advance(std::chrono::milliseconds(100));
  ids.push_back(p.send(fast));
  s = p.pool->stats(fast->pool_key());
  EXPECT_EQ(s.waiting, 16u);
  EXPECT_EQ(s.starting, 15u);
  on_loop([&] {
    EXPECT_EQ(p.envs.size(), 16u);
    p.envs[0]->finish_invoke();  // the oldest waiting request runs on it now
    EXPECT_EQ(p.envs[0]->running_id, ids[1]);
  });
  p.pool->shutdown();

  // A slow function (a run outlasts an init): one environment per waiting request.
  ScriptedPool q;
  auto slow = spec("provided.al2023", "slow", "/nonexistent");
  std::promise<size_t> slow_warmed;
  q.pool->prewarm(slow, 1, [&](size_t n) { slow_warmed.set_value(n); });
  on_loop([&] {
    test_clock().advance(std::chrono::milliseconds(100));
    q.envs.at(0)->finish_start(InvokeResult::make(InvokeStatus::kOk));
  });
  ASSERT_EQ(slow_warmed.get_future().get(), 1u);
  q.send(slow);
  on_loop([&] {
    test_clock().advance(std::chrono::seconds(1));
    q.envs[0]->finish_invoke();
  });
  for (int i = 0; i < 4; ++i) q.send(slow);
  s = q.pool->stats(slow->pool_key());
  EXPECT_EQ(s.busy, 1u);
  EXPECT_EQ(s.waiting, 3u);
  EXPECT_EQ(s.starting, 3u);
  q.pool->shutdown();
}

}  // namespace
}  // namespace nimbus::runtime::testing
