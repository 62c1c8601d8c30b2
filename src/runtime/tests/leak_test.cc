// Nothing leaks across many environment lifetimes: processes, mounts, file
// descriptors, cgroups, scratch directories and ports (each environment's
// listening socket is an fd of ours, so the fd count covers ports).
#include <gtest/gtest.h>

#include "runtime/tests/test_env.h"

namespace nimbus::runtime::testing {
namespace {

// An environment's cgroups are removed after its processes are reaped, a
// moment after wait_quiet() sees them gone: waits up to 20 s for the count
// (a moment is seconds on a loaded machine under the sanitizers; the wait
// ends as soon as the count is reached).
bool cgroups_settle_at(int want) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (cgroup_children() != want) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST(Leaks, ManyCreateInvokeKillCycles) {
  auto f = echo_spec();
  {
    auto warm = Environment::create(host(), f);
    invoke(*warm, "0");
    warm->kill();
  }
  ASSERT_TRUE(wait_quiet());
  int fds = open_fds(), mounts = mount_count(), cgroups = cgroup_children(), dirs = env_dirs();
  for (int i = 0; i < 40; ++i) {
    auto env = Environment::create(host(), f);
    const char* payload = i % 4 == 0 ? R"("crash")" : "1";
    InvokeResult r = invoke(*env, payload);
    ASSERT_TRUE(r.status == InvokeStatus::kOk || r.status == InvokeStatus::kExitError);
    env->kill();
  }
  // Start-and-kill races: kill before the process is up.
  for (int i = 0; i < 10; ++i) {
    auto env = Environment::create(host(), f);
    env->start([](InvokeResult) {});
    env->kill();
  }
  ASSERT_TRUE(wait_quiet());
  EXPECT_EQ(child_processes(), 0);
  EXPECT_EQ(open_fds(), fds);
  EXPECT_EQ(mount_count(), mounts);
  EXPECT_TRUE(cgroups_settle_at(cgroups)) << cgroup_children();
  EXPECT_EQ(env_dirs(), dirs);
  EXPECT_EQ(host().live_environments().load(), 0);
}

TEST(Leaks, PoolShutdownLeavesNothing) {
  ASSERT_TRUE(wait_quiet());
  int fds = open_fds(), cgroups = cgroup_children();
  {
    Pool pool(host());
    auto f = echo_spec();
    for (int i = 0; i < 5; ++i) pool.invoke(f, request(R"("sleep:100")"), [](InvokeResult) {});
    // Real time: lets the real child processes start before the shutdown.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }  // destructor shuts down with invocations in flight
  ASSERT_TRUE(wait_quiet());
  EXPECT_EQ(child_processes(), 0);
  EXPECT_EQ(open_fds(), fds);
  EXPECT_TRUE(cgroups_settle_at(cgroups)) << cgroup_children();
}

}  // namespace
}  // namespace nimbus::runtime::testing
