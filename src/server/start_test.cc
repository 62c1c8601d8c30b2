// `nimbus serve` refuses to start on stored state a service cannot read
// back: it exits non-zero with the service's reason instead of serving part
// of its state (services::Registry::start, App::start).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus::server {
namespace {

struct Run {
  int exit_code = -1;
  std::string output;
};

// Runs `nimbus serve` on `data_dir` for at most `seconds` (then SIGTERM).
Run serve(const std::string& data_dir, int seconds) {
  std::string cmd = "timeout -s TERM " + std::to_string(seconds) +
                    " " NIMBUS_BIN " serve --port 0 --durability async --data-dir " + data_dir +
                    " 2>&1";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) r.output += buf;
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void put_record(const std::string& dir, const std::string& ns, const std::string& key,
                const std::string& value) {
  auto s = storage::Storage::open(storage::Options{dir, storage::Durability::kSync});
  ASSERT_TRUE(s.is_ok()) << s.error().message;
  storage::WriteBatch b;
  b.put(ns, key, value);
  ASSERT_TRUE((*s)->commit_sync(std::move(b)));
  ASSERT_TRUE((*s)->close());
}

TEST(Startup, ServesReadableState) {
  storage::testing::TempDir dir;
  put_record(dir.path(), "unrelated", "k", "v");
  auto r = serve(dir.path(), 3);
  EXPECT_EQ(r.exit_code, 124) << r.output;  // still serving when `timeout` stopped it
  EXPECT_NE(r.output.find("listening on"), std::string::npos) << r.output;
}

TEST(Startup, AFunctionRecordThatIsNotJsonStopsStartUp) {
  storage::testing::TempDir dir;
  put_record(dir.path(), "lambda.functions", "broken", "not a JSON document");
  auto r = serve(dir.path(), 30);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("could not start lambda"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("listening on"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace nimbus::server
