// Warm reuse, LIFO order, idle reclaim, pre-warming, and fresh environments
// after a failure.
#include <gtest/gtest.h>

#include <future>
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

}  // namespace
}  // namespace nimbus::runtime::testing
