// The audit log's lines (server/access.h): CloudTrail's shape, with the
// server's clock as their eventTime.
#include "server/access.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "services/testing/null_directory.h"
#include "storage/test_dir.h"

namespace nimbus::server {
namespace {

namespace json = boost::json;

std::vector<json::object> lines(const std::string& path) {
  std::vector<json::object> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line).as_object());
  return out;
}

TEST(AuditLog, AnIamChangeIsLoggedAtTheServersClockTime) {
  storage::testing::TempDir dir("nimbus-access-test");
  std::string path = dir.path() + "/audit.jsonl";
  // 2021-03-04T05:06:07.089Z: far from any machine's clock.
  SimulatedClock clock(Clock::from_millis(1614834367089));
  services::testing::NullDirectory directory;  // record_call asks it nothing
  {
    Access access(IamMode::kAudit, directory, path, clock);
    services::CallContext ctx;
    ctx.service = "iam";
    ctx.operation = "CreateUser";
    ctx.region = "eu-west-1";
    ctx.account_id = "123456789012";
    ctx.request_id = "r-1";
    access.record_call(ctx, Principal{}, "10.0.0.1", nullptr);
    ctx.operation = "GetUser";  // read-only calls are not logged
    access.record_call(ctx, Principal{}, "10.0.0.1", nullptr);
  }
  auto got = lines(path);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("eventTime"), "2021-03-04T05:06:07.089Z");
  EXPECT_EQ(got[0].at("eventName"), "CreateUser");
  EXPECT_EQ(got[0].at("eventSource"), "iam.amazonaws.com");
  EXPECT_EQ(got[0].at("awsRegion"), "eu-west-1");
  EXPECT_EQ(got[0].at("sourceIPAddress"), "10.0.0.1");
  EXPECT_EQ(got[0].at("userIdentity").at("type"), "Root");
  EXPECT_EQ(got[0].at("userIdentity").at("arn"), "arn:aws:iam::123456789012:root");
}

}  // namespace
}  // namespace nimbus::server
