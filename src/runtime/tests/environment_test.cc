// Environments running the native sample and shell-script bootstraps.
#include <gtest/gtest.h>

#include "runtime/tests/test_env.h"

namespace nimbus::runtime::testing {
namespace {

TEST(Environment, NativeEchoColdThenWarm) {
  auto env = Environment::create(host(), echo_spec());
  InvokeResult r = invoke(*env, R"({"hello":"world"})");
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload;
  EXPECT_EQ(r.payload, R"({"hello":"world"})");
  EXPECT_TRUE(r.cold_start);
  EXPECT_GT(r.init_duration.count(), 0);
  EXPECT_NE(r.log_tail.find("START RequestId: "), std::string::npos) << r.log_tail;
  EXPECT_NE(r.log_tail.find("REPORT RequestId: "), std::string::npos);
  EXPECT_NE(r.log_tail.find("Init Duration: "), std::string::npos);
  InvokeResult warm = invoke(*env, R"("again")");
  ASSERT_EQ(warm.status, InvokeStatus::kOk);
  EXPECT_EQ(warm.payload, R"("again")");
  EXPECT_FALSE(warm.cold_start);
  EXPECT_EQ(warm.log_tail.find("Init Duration"), std::string::npos);
  env->kill();
  EXPECT_TRUE(wait_quiet());
}

}  // namespace
}  // namespace nimbus::runtime::testing
