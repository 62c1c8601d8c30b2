// API keys and usage plans: the control API, and their enforcement on a
// method with apiKeyRequired (403, token-bucket 429s, quota 429s, GetUsage),
// on the simulated clock; the Meter's periods on their own.
#include <gtest/gtest.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/meter.h"
#include "services/apigateway/test_rest_api.h"
#include "services/apigateway/throttling.h"
#include "services/testing/service_fixture.h"
#include "storage/key_codec.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using testing::ServiceTest;

struct OkFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    done(lambda::SyncResult{false, R"({"statusCode":200,"body":"ok"})", "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
};

class UsagePlanTest : public RestApiFixture<OkFunctions> {
 protected:
  // An API whose GET /pets and GET /free need a key only on /pets, deployed
  // to "prod".
  void make_api() {
    auto api = call("CreateRestApi", {{"name", "keyed"}});
    id = s(api["id"]);
    for (const char* part : {"pets", "free"}) {
      auto res = s(call(
          "CreateResource",
          {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", part}})["id"]);
      call("PutMethod", {{"restApiId", id},
                         {"resourceId", res},
                         {"httpMethod", "GET"},
                         {"authorizationType", "NONE"},
                         {"apiKeyRequired", std::string(part) == "pets"}});
      call("PutIntegration", {{"restApiId", id},
                              {"resourceId", res},
                              {"httpMethod", "GET"},
                              {"type", "AWS_PROXY"},
                              {"uri",
                               "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                               "arn:aws:lambda:us-east-1:000000000000:function:f/invocations"}});
    }
    call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  }
  // A key (enabled) in a new plan over prod with `plan` merged in.
  void make_plan(json::object plan) {
    auto key = call("CreateApiKey",
                    {{"name", "k"}, {"enabled", true}, {"value", "abcdefghijklmnopqrst0123"}});
    key_id = s(key["id"]);
    plan["name"] = "p";
    plan["apiStages"] = json::array{json::object{{"apiId", id}, {"stage", "prod"}}};
    plan_id = s(call("CreateUsagePlan", plan)["id"]);
    auto pk = call("CreateUsagePlanKey",
                   {{"usagePlanId", plan_id}, {"keyId", key_id}, {"keyType", "API_KEY"}});
    EXPECT_EQ(s(pk["value"]), "abcdefghijklmnopqrst0123");
  }
  http::Response get(const std::string& path, const std::string& key = "abcdefghijklmnopqrst0123") {
    http::Headers headers;
    if (!key.empty()) headers.emplace_back("x-api-key", key);
    return user_call(execute_api(id, "GET", path, std::move(headers)));
  }

  std::string id, key_id, plan_id;
};

TEST_F(UsagePlanTest, KeysAreRequiredWhereMethodsSaySo) {
  make_api();
  make_plan({});
  EXPECT_EQ(get("/prod/free", "").status, 200);
  auto r = get("/prod/pets", "");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"message":"Forbidden"})");
  EXPECT_EQ(r.header("x-amzn-errortype"), "ForbiddenException");
  EXPECT_EQ(get("/prod/pets", "not-a-key-of-this-account").status, 403);
  EXPECT_EQ(get("/prod/pets").status, 200);
  call("UpdateApiKey",
       {{"apiKey", key_id},
        {"patchOperations",
         json::array{json::object{{"op", "replace"}, {"path", "/enabled"}, {"value", "false"}}}}});
  EXPECT_EQ(get("/prod/pets").status, 403);
  call("UpdateApiKey",
       {{"apiKey", key_id},
        {"patchOperations",
         json::array{json::object{{"op", "replace"}, {"path", "/enabled"}, {"value", "true"}}}}});
  EXPECT_EQ(get("/prod/pets").status, 200);
  // A key outside every plan of the stage is refused.
  call("DeleteUsagePlanKey", {{"usagePlanId", plan_id}, {"keyId", key_id}});
  EXPECT_EQ(get("/prod/pets").status, 403);
}

TEST_F(UsagePlanTest, TheTokenBucketThrottlesAndRefillsOnTheClock) {
  make_api();
  make_plan({{"throttle", json::object{{"rateLimit", 2.0}, {"burstLimit", 3}}}});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/prod/pets").status, 200) << i;
  auto r = get("/prod/pets");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, R"({"message":"Too Many Requests"})");
  EXPECT_EQ(r.header("x-amzn-errortype"), "TooManyRequestsException");
  clock.advance(milliseconds(500));  // one token at 2/s
  EXPECT_EQ(get("/prod/pets").status, 200);
  EXPECT_EQ(get("/prod/pets").status, 429);
  clock.advance(std::chrono::seconds(10));  // refilled to the burst, not beyond
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/prod/pets").status, 200) << i;
  EXPECT_EQ(get("/prod/pets").status, 429);
}

TEST_F(UsagePlanTest, StageMethodSettingsThrottleEachMethod) {
  make_api();
  make_plan({{"throttle", json::object{{"rateLimit", 100.0}, {"burstLimit", 100}}}});
  auto patch = [&](const std::string& path, const std::string& value) {
    return call("UpdateStage",
                {{"restApiId", id},
                 {"stageName", "prod"},
                 {"patchOperations",
                  json::array{json::object{{"op", "replace"}, {"path", path}, {"value", value}}}}});
  };
  auto stage = patch("/*/*/throttling/rateLimit", "1");
  auto all = stage["methodSettings"].as_object()["*/*"].as_object();
  EXPECT_EQ(all["throttlingRateLimit"].as_double(), 1.0);
  EXPECT_EQ(all["throttlingBurstLimit"].as_int64(), 5000);  // AWS's default
  patch("/*/*/throttling/burstLimit", "2");
  // /free has its own bucket under the stage's default; /pets its own setting.
  patch("/~1pets/GET/throttling/burstLimit", "1");
  patch("/~1pets/GET/throttling/rateLimit", "0.5");
  EXPECT_EQ(get("/prod/free", "").status, 200);
  EXPECT_EQ(get("/prod/free", "").status, 200);
  auto r = get("/prod/free", "");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, R"({"message":"Too Many Requests"})");
  EXPECT_EQ(get("/prod/pets").status, 200);
  EXPECT_EQ(get("/prod/pets").status, 429);
  clock.advance(milliseconds(1000));  // /free gains a token, /pets half of one
  EXPECT_EQ(get("/prod/free", "").status, 200);
  EXPECT_EQ(get("/prod/pets").status, 429);
  clock.advance(milliseconds(1000));
  EXPECT_EQ(get("/prod/pets").status, 200);
  // Removing the method's setting puts it under the stage's default.
  call("UpdateStage",
       {{"restApiId", id},
        {"stageName", "prod"},
        {"patchOperations", json::array{json::object{{"op", "remove"}, {"path", "/~1pets/GET"}}}}});
  EXPECT_FALSE(call("GetStage", {{"restApiId", id}, {"stageName", "prod"}})["methodSettings"]
                   .as_object()
                   .contains("~1pets/GET"));
  clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(get("/prod/pets").status, 200);
  EXPECT_EQ(get("/prod/pets").status, 200);
  EXPECT_EQ(get("/prod/pets").status, 429);
  // Bad values change nothing.
  expect_error("UpdateStage",
               {{"restApiId", id},
                {"stageName", "prod"},
                {"patchOperations", json::array{json::object{{"op", "replace"},
                                                             {"path", "/*/*/throttling/rateLimit"},
                                                             {"value", "fast"}}}}},
               "BadRequestException");
  EXPECT_EQ(call("GetStage", {{"restApiId", id}, {"stageName", "prod"}})["methodSettings"]
                .as_object()["*/*"]
                .as_object()["throttlingRateLimit"]
                .as_double(),
            1.0);
}

TEST_F(UsagePlanTest, PerMethodThrottleReplacesThePlans) {
  make_api();
  auto stage = json::object{{"apiId", ""}, {"stage", "prod"}};
  make_plan({{"throttle", json::object{{"rateLimit", 100.0}, {"burstLimit", 100}}}});
  call("UpdateUsagePlan",
       {{"usagePlanId", plan_id},
        {"patchOperations",
         json::array{
             json::object{{"op", "remove"}, {"path", "/apiStages"}, {"value", id + ":prod"}}}}});
  EXPECT_EQ(get("/prod/pets").status, 403);
  // Back, with GET /pets at one request a second.
  json::object in{
      {"name", "p2"},
      {"apiStages",
       json::array{json::object{
           {"apiId", id},
           {"stage", "prod"},
           {"throttle",
            json::object{{"/pets/GET", json::object{{"rateLimit", 1.0}, {"burstLimit", 1}}}}}}}}};
  auto p2 = s(call("CreateUsagePlan", in)["id"]);
  call("CreateUsagePlanKey", {{"usagePlanId", p2}, {"keyId", key_id}, {"keyType", "API_KEY"}});
  EXPECT_EQ(get("/prod/pets").status, 200);
  EXPECT_EQ(get("/prod/pets").status, 429);
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(get("/prod/pets").status, 200);
  // The key cannot be in two plans of one stage.
  call("UpdateUsagePlan",
       {{"usagePlanId", plan_id},
        {"patchOperations", json::array{json::object{
                                {"op", "add"}, {"path", "/apiStages"}, {"value", id + ":prod"}}}}});
  (void)stage;
  auto other =
      s(call("CreateUsagePlan",
             {{"name", "p3"},
              {"apiStages", json::array{json::object{{"apiId", id}, {"stage", "prod"}}}}})["id"]);
  expect_error("CreateUsagePlanKey",
               {{"usagePlanId", other}, {"keyId", key_id}, {"keyType", "API_KEY"}},
               "ConflictException");
}

TEST_F(UsagePlanTest, QuotasLimitEachPeriodAndGetUsageReportsIt) {
  make_api();
  make_plan({{"quota", json::object{{"limit", 3}, {"period", "DAY"}}}});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/prod/pets").status, 200) << i;
  auto r = get("/prod/pets");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, R"({"message":"Limit Exceeded"})");
  EXPECT_EQ(r.header("x-amzn-errortype"), "LimitExceededException");
  std::string today = date_of(day_of(clock.now_millis()));
  std::string tomorrow = date_of(day_of(clock.now_millis()) + 1);
  clock.advance(hours(24));
  EXPECT_EQ(get("/prod/pets").status, 200);
  auto usage =
      call("GetUsage", {{"usagePlanId", plan_id}, {"startDate", today}, {"endDate", tomorrow}});
  EXPECT_EQ(json::serialize(usage["items"]), R"({")" + key_id + R"(":[[3,0],[1,2]]})");
  expect_error("GetUsage",
               {{"usagePlanId", plan_id}, {"startDate", "yesterday"}, {"endDate", today}},
               "BadRequestException");
  expect_error("GetUsage", {{"usagePlanId", "nope"}, {"startDate", today}, {"endDate", today}},
               "NotFoundException");
}

// The account-level throttle (here rate 2/s, burst 3, as `nimbus serve
// --apigateway-account-rate-limit 2 --apigateway-account-burst-limit 3`)
// comes before every other, across REST and HTTP APIs, and GetAccount
// shows it; UpdateAccount changes only cloudwatchRoleArn, kept across a
// restart.
TEST_F(UsagePlanTest, TheAccountThrottleSpansEveryApi) {
  auto limits = [&] {
    auto t = call("GetAccount", {})["throttleSettings"].as_object();
    return std::pair{t.at("rateLimit").to_number<double>(), t.at("burstLimit").as_int64()};
  };
  EXPECT_EQ(limits(), (std::pair<double, int64_t>{10000, 5000}));
  auto account = call("GetAccount", {});
  EXPECT_EQ(json::serialize(account["features"]), R"(["UsagePlans"])");
  settings.service_options["apigateway.account-rate-limit"] = "2";
  settings.service_options["apigateway.account-burst-limit"] = "3";
  reopen();
  EXPECT_EQ(limits(), (std::pair<double, int64_t>{2, 3}));
  make_api();
  auto v2 = try_call(service("apigatewayv2"), ctx("CreateApi"),
                     {{"Name", "h"},
                      {"ProtocolType", "HTTP"},
                      {"Target", "arn:aws:lambda:us-east-1:000000000000:function:f"}});
  ASSERT_TRUE(v2);
  std::string http_api = s(v2->at("ApiId"));
  auto http_get = [&] { return user_call(execute_api(http_api, "GET", "/x")); };
  EXPECT_EQ(get("/prod/free", "").status, 200);
  EXPECT_EQ(http_get().status, 200);
  EXPECT_EQ(get("/prod/free", "").status, 200);
  auto r = http_get();
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, R"({"message":"Too Many Requests"})");
  r = get("/prod/free", "");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("x-amzn-errortype"), "TooManyRequestsException");
  clock.advance(milliseconds(500));  // one token at 2/s
  EXPECT_EQ(get("/prod/free", "").status, 200);
  EXPECT_EQ(http_get().status, 429);

  auto patch = [](const std::string& op, const std::string& path, const std::string& value) {
    return json::object{{"patchOperations",
                         json::array{json::object{{"op", op}, {"path", path}, {"value", value}}}}};
  };
  std::string role = "arn:aws:iam::000000000000:role/apigw-logs";
  EXPECT_EQ(
      s(call("UpdateAccount", patch("replace", "/cloudwatchRoleArn", role))["cloudwatchRoleArn"]),
      role);
  expect_error("UpdateAccount", patch("replace", "/cloudwatchRoleArn", "role/x"),
               "BadRequestException");
  expect_error("UpdateAccount", patch("replace", "/throttle/rateLimit", "5"),
               "BadRequestException");
  reopen();
  account = call("GetAccount", {});
  EXPECT_EQ(s(account["cloudwatchRoleArn"]), role);
  EXPECT_EQ(limits(), (std::pair<double, int64_t>{2, 3}));
  EXPECT_FALSE(call("UpdateAccount", patch("replace", "/cloudwatchRoleArn", ""))
                   .contains("cloudwatchRoleArn"));
}

// Counts are written in batches kFlushDelay after the first request
// counted, and on a clean stop; a restart keeps the quota used, GetUsage and
// an UpdateUsage grant (written before it answers); a deleted key's counts
// go with it.
TEST_F(UsagePlanTest, UsageCountsAreDurable) {
  make_api();
  make_plan({{"quota", json::object{{"limit", 5}, {"period", "DAY"}}}});
  auto stored = [&] {
    auto v = storage->records("apigw").get(storage::encode_key(
        std::string_view("use"), std::string_view(plan_id), std::string_view(key_id)));
    return v && v->has_value() ? **v : std::string();
  };
  std::string today = date_of(day_of(clock.now_millis()));
  auto usage = [&] {
    return json::serialize(call(
        "GetUsage", {{"usagePlanId", plan_id}, {"startDate", today}, {"endDate", today}})["items"]);
  };
  for (int i = 0; i < 2; ++i) EXPECT_EQ(get("/prod/pets").status, 200) << i;
  EXPECT_EQ(stored(), "");  // not yet: one write for the batch
  clock.advance(UsagePlans::kFlushDelay);
  EXPECT_TRUE(eventually([&] { return !stored().empty(); }));
  EXPECT_NE(stored().find("[[" + std::to_string(day_of(clock.now_millis())) + ",2]]"),
            std::string::npos)
      << stored();
  EXPECT_EQ(get("/prod/pets").status, 200);  // written by the clean stop
  reopen();
  EXPECT_EQ(usage(), R"({")" + key_id + R"(":[[3,2]]})");
  EXPECT_EQ(get("/prod/pets").status, 200);
  EXPECT_EQ(get("/prod/pets").status, 200);
  EXPECT_EQ(get("/prod/pets").body, R"({"message":"Limit Exceeded"})");
  // A grant survives a restart without waiting for a batch.
  call("UpdateUsage",
       {{"usagePlanId", plan_id},
        {"keyId", key_id},
        {"patchOperations",
         json::array{json::object{{"op", "replace"}, {"path", "/remaining"}, {"value", "4"}}}}});
  reopen();
  EXPECT_EQ(usage(), R"({")" + key_id + R"(":[[5,4]]})");
  EXPECT_EQ(get("/prod/pets").status, 200);
  call("DeleteUsagePlanKey", {{"usagePlanId", plan_id}, {"keyId", key_id}});
  EXPECT_TRUE(eventually([&] { return stored().empty(); }));
  clock.advance(UsagePlans::kFlushDelay);  // the batch taken before writes nothing back
  reopen();
  EXPECT_EQ(stored(), "");
}

TEST_F(UsagePlanTest, ControlPlaneChecksAndRestart) {
  make_api();
  expect_error("CreateApiKey", {{"name", "short"}, {"value", "too-short"}}, "BadRequestException");
  auto generated = call("CreateApiKey", {{"name", "gen"}});
  EXPECT_EQ(s(generated["value"]).size(), 40u);
  EXPECT_EQ(generated["enabled"], false);
  auto got = call("GetApiKey", {{"apiKey", s(generated["id"])}});
  EXPECT_FALSE(got.contains("value"));
  got = call("GetApiKey", {{"apiKey", s(generated["id"])}, {"includeValue", true}});
  EXPECT_EQ(got["value"], generated["value"]);
  expect_error("GetApiKey", {{"apiKey", "nope"}}, "NotFoundException");
  expect_error("CreateUsagePlan",
               {{"name", "x"},
                {"apiStages", json::array{json::object{{"apiId", "nope"}, {"stage", "prod"}}}}},
               "NotFoundException");
  expect_error(
      "CreateUsagePlan",
      {{"name", "x"}, {"apiStages", json::array{json::object{{"apiId", id}, {"stage", "dev"}}}}},
      "NotFoundException");
  expect_error(
      "CreateUsagePlan",
      {{"name", "x"}, {"quota", json::object{{"limit", 5}, {"period", "WEEK"}, {"offset", 7}}}},
      "BadRequestException");
  expect_error("CreateUsagePlan", {{"name", "x"}, {"throttle", json::object{{"rateLimit", -1.0}}}},
               "BadRequestException");
  make_plan({{"quota", json::object{{"limit", 1}, {"period", "MONTH"}}}});
  expect_error("CreateUsagePlanKey",
               {{"usagePlanId", plan_id}, {"keyId", key_id}, {"keyType", "API_KEY"}},
               "ConflictException");
  expect_error("CreateUsagePlanKey",
               {{"usagePlanId", plan_id}, {"keyId", "nope"}, {"keyType", "API_KEY"}},
               "NotFoundException");
  EXPECT_EQ(call("GetUsagePlans", {{"keyId", key_id}})["items"].as_array().size(), 1u);
  EXPECT_EQ(call("GetUsagePlanKeys", {{"usagePlanId", plan_id}})["items"].as_array().size(), 1u);
  EXPECT_EQ(call("GetApiKeys", {{"nameQuery", "ge"}})["items"].as_array().size(), 1u);
  reopen();
  EXPECT_EQ(get("/prod/pets").status, 200);
  EXPECT_EQ(s(call("GetUsagePlan", {{"usagePlanId", plan_id}})["quota"].at("period")), "MONTH");
  call("DeleteApiKey", {{"apiKey", key_id}});
  EXPECT_EQ(get("/prod/pets").status, 403);
  EXPECT_TRUE(eventually([&] {
    return call("GetUsagePlanKeys", {{"usagePlanId", plan_id}})["items"].as_array().empty();
  }));
  call("DeleteUsagePlan", {{"usagePlanId", plan_id}});
  expect_error("GetUsagePlan", {{"usagePlanId", plan_id}}, "NotFoundException");
}

TEST(MeterTest, PeriodsStartAtTheirOffsets) {
  auto day = *day_from_date("2026-12-04");  // a Friday
  EXPECT_EQ(date_of(day), "2026-12-04");
  EXPECT_FALSE(day_from_date("2026-02-30"));
  EXPECT_FALSE(day_from_date("2026-1-04"));
  Quota week{10, Quota::Period::kWeek, 1};  // weeks start on Mondays
  EXPECT_EQ(date_of(period_start(week, day)), "2026-11-30");
  week.offset = 5;  // on Fridays
  EXPECT_EQ(date_of(period_start(week, day)), "2026-12-04");
  Quota month{10, Quota::Period::kMonth, 4};  // on the 5th
  EXPECT_EQ(date_of(period_start(month, day)), "2026-11-05");
  month.offset = 0;
  EXPECT_EQ(date_of(period_start(month, *day_from_date("2026-01-31"))), "2026-01-01");
  month.offset = 9;
  EXPECT_EQ(date_of(period_start(month, *day_from_date("2026-01-03"))), "2025-12-10");
}

TEST(MeterTest, ABucketStartsFullAndNeverHoldsMoreThanItsBurst) {
  TokenBucket b;
  Throttle t{10, 2};
  std::chrono::nanoseconds now{0};
  EXPECT_TRUE(b.take(t, now));
  EXPECT_TRUE(b.take(t, now));
  EXPECT_FALSE(b.take(t, now));
  now += milliseconds(100);
  EXPECT_TRUE(b.take(t, now));
  EXPECT_FALSE(b.take(t, now));
  now += hours(1);
  EXPECT_TRUE(b.take(t, now));
  EXPECT_TRUE(b.take(t, now));
  EXPECT_FALSE(b.take(t, now));
}

// What the Meter says changed, once; its records read back; counts older
// than the kept days dropped; a malformed record refused.
TEST(MeterTest, ChangedCountsAreTakenOnceAndReadBack) {
  Meter m;
  Quota q{10, Quota::Period::kDay, 0};
  int64_t day = *day_from_date("2026-12-04"), ms = day * 86'400'000;
  auto admit = [&](const std::string& key, int64_t at) {
    return m.admit("p", key, "", std::nullopt, q, std::chrono::nanoseconds(0), at);
  };
  EXPECT_TRUE(m.take_changed().empty());
  EXPECT_EQ(admit("a", ms), Meter::Verdict::kAdmitted);
  EXPECT_EQ(admit("a", ms), Meter::Verdict::kAdmitted);
  EXPECT_EQ(admit("b", ms), Meter::Verdict::kAdmitted);
  auto changed = m.take_changed();
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0].key, "a");
  EXPECT_EQ(changed[0].text, R"({"days":[[)" + std::to_string(day) + R"(,2]],"granted":[]})");
  EXPECT_TRUE(m.take_changed().empty());
  m.set_remaining("p", "b", q, 20, ms);
  changed = m.take_changed();
  ASSERT_EQ(changed.size(), 1u);
  Meter back;
  ASSERT_TRUE(back.restore("p", "b", changed[0].text));
  EXPECT_EQ(back.usage("p", "b", q, day, day), m.usage("p", "b", q, day, day));
  EXPECT_EQ(back.usage("p", "b", q, day, day).front(), (std::pair<int64_t, int64_t>{1, 20}));
  EXPECT_EQ(back.record("p", "b").text, changed[0].text);
  for (const char* bad : {"", "[]", R"({"days":[[1]],"granted":[]})", R"({"days":[]})",
                          R"({"days":[["1",2]],"granted":[]})"}) {
    EXPECT_FALSE(back.restore("p", "c", bad)) << bad;
  }
  // The first count of a day drops what is older than the kept days.
  int64_t later = (day + Meter::kKeptDays + 1) * 86'400'000;
  EXPECT_EQ(admit("a", later), Meter::Verdict::kAdmitted);
  EXPECT_EQ(m.record("p", "a").text,
            R"({"days":[[)" + std::to_string(day + Meter::kKeptDays + 1) + R"(,1]],"granted":[]})");
  EXPECT_EQ(m.forget("p").size(), 2u);
  EXPECT_TRUE(m.take_changed().empty());
}

// The account bucket: full at first, `rate` tokens a second up to
// `burst`, as a token bucket; none at a burst of 0.
TEST(MeterTest, TheAccountBucketIsATokenBucket) {
  AccountThrottle a(Throttle{2, 3});
  std::chrono::nanoseconds now = hours(1000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(a.take(now)) << i;
  EXPECT_FALSE(a.take(now));
  now += milliseconds(499);
  EXPECT_FALSE(a.take(now));
  now += milliseconds(1);
  EXPECT_TRUE(a.take(now));
  EXPECT_FALSE(a.take(now));
  now += hours(1);  // refilled to the burst, not beyond
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(a.take(now)) << i;
  EXPECT_FALSE(a.take(now));
  AccountThrottle none(Throttle{100, 0});
  EXPECT_FALSE(none.take(now));
  AccountThrottle fractional(Throttle{0.5, 1});
  EXPECT_TRUE(fractional.take(now));
  EXPECT_FALSE(fractional.take(now + milliseconds(1999)));
  EXPECT_TRUE(fractional.take(now + milliseconds(2000)));
}

}  // namespace
}  // namespace nimbus::services::apigateway
