// ImportApiKeys (the CSV reader and the operation: new keys, overwritten
// ones, usage plans, warnings, failonwarnings changing nothing) and
// UpdateUsage (a granted remaining quota, enforced and reported by GetUsage,
// for the current period only), on the simulated clock.
#include <gtest/gtest.h>

#include "services/apigateway/api_key_csv.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/meter.h"
#include "services/apigateway/test_rest_api.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;

constexpr const char* kKey1 = "apikey1234abcdefghij0123456789";
constexpr const char* kKey2 = "apikey1234abcdefghij9876543210";

struct OkFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    done(lambda::SyncResult{false, R"({"statusCode":200,"body":"ok"})", "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
};

TEST(ApiKeyCsvTest, ColumnsInAnyOrderAndCaseWithQuotedLists) {
  auto file = parse_api_key_csv(
      "Enabled,Name,key,UsageplanIds,Other\r\n"
      "true,First,apikey1234abcdefghij0123456789,\"c7y23b,glvrsr\",x\r\n"
      "\r\n"
      "FALSE,'Sec,ond',apikey1234abcdefghij9876543210,'a'\n"
      "maybe,Third,apikey1234abcdefghij5555555555,\n"
      ",Short,tooshort,\n"
      ",\"Multi\nline \"\"name\"\"\",apikey1234abcdefghij7777777777");
  ASSERT_TRUE(file) << file.error().message;
  ASSERT_EQ(file->keys.size(), 3u);
  EXPECT_EQ(file->keys[0].name, "First");
  EXPECT_TRUE(file->keys[0].enabled);
  EXPECT_EQ(file->keys[0].usage_plan_ids, (std::vector<std::string>{"c7y23b", "glvrsr"}));
  EXPECT_EQ(file->keys[0].line, 2u);
  EXPECT_EQ(file->keys[1].name, "Sec,ond");
  EXPECT_FALSE(file->keys[1].enabled);
  EXPECT_EQ(file->keys[1].line, 4u);
  EXPECT_EQ(file->keys[2].name, "Multi\nline \"name\"");
  EXPECT_TRUE(file->keys[2].enabled);  // the default
  EXPECT_EQ(file->keys[2].description, "");
  ASSERT_EQ(file->warnings.size(), 2u);
  EXPECT_EQ(file->warnings[0], "Line 5: Invalid value for 'Enabled': maybe");
  EXPECT_EQ(file->warnings[1], "Line 6: API Key value should be at least 20 characters");
}

TEST(ApiKeyCsvTest, WhatIsNotSuchAFileIsRefused) {
  for (const char* bad : {"", "\n\n", "name,description\nx,y", "key,value\nx,y",
                          "name,key\n\"open,apikey1234abcdefghij0123456789",
                          "name,key\n\"a\"b,apikey1234abcdefghij0123456789", "Key,key\na,b"}) {
    auto file = parse_api_key_csv(bad);
    ASSERT_FALSE(file) << bad;
    EXPECT_EQ(file.error().code, "BadRequestException");
  }
  EXPECT_EQ(parse_api_key_csv("name,description\nx,y").error().message,
            "Missing required column 'Key'");
  EXPECT_EQ(parse_api_key_csv("key\nx").error().message, "Missing required column 'Name'");
}

class ImportApiKeysTest : public RestApiFixture<OkFunctions> {
 protected:
  // GET /pets needing a key, deployed to prod and beta, and a plan on each.
  void SetUp() override {
    RestApiFixture::SetUp();
    auto api = call("CreateRestApi", {{"name", "keyed"}});
    id = s(api["id"]);
    auto res = s(call(
        "CreateResource",
        {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", "pets"}})["id"]);
    call("PutMethod", {{"restApiId", id},
                       {"resourceId", res},
                       {"httpMethod", "GET"},
                       {"authorizationType", "NONE"},
                       {"apiKeyRequired", true}});
    call("PutIntegration", {{"restApiId", id},
                            {"resourceId", res},
                            {"httpMethod", "GET"},
                            {"type", "AWS_PROXY"},
                            {"uri",
                             "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                             "arn:aws:lambda:us-east-1:000000000000:function:f/invocations"}});
    call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
    call("CreateDeployment", {{"restApiId", id}, {"stageName", "beta"}});
    for (const char* stage : {"prod", "beta"}) {
      plans.push_back(s(
          call("CreateUsagePlan",
               {{"name", stage},
                {"quota", json::object{{"limit", 5}, {"period", "DAY"}}},
                {"apiStages", json::array{json::object{{"apiId", id}, {"stage", stage}}}}})["id"]));
    }
  }
  json::object import(const std::string& csv, bool fail_on_warnings = false) {
    return call("ImportApiKeys",
                {{"body", csv}, {"format", "csv"}, {"failOnWarnings", fail_on_warnings}});
  }
  int get(const std::string& stage, const std::string& key) {
    return user_call(execute_api(id, "GET", "/" + stage + "/pets", {{"x-api-key", key}})).status;
  }
  size_t key_count() { return call("GetApiKeys", {})["items"].as_array().size(); }

  std::string id;
  std::vector<std::string> plans;
};

TEST_F(ImportApiKeysTest, KeysAreCreatedJoinTheirPlansAndAreOverwrittenByValue) {
  auto out = import(
      "Name,Key,Description,UsagePlanIds\n"
      "first," +
      std::string(kKey1) + ",one,\"" + plans[0] + "," + plans[1] +
      "\"\n"
      "second," +
      kKey2 + ",two,\n");
  ASSERT_EQ(out["ids"].as_array().size(), 2u);
  EXPECT_TRUE(out["warnings"].as_array().empty());
  std::string first = s(out["ids"].at(0));
  auto key = call("GetApiKey", {{"apiKey", first}, {"includeValue", true}});
  EXPECT_EQ(key["name"], "first");
  EXPECT_EQ(key["description"], "one");
  EXPECT_EQ(key["value"], kKey1);
  EXPECT_EQ(key["enabled"], true);  // imported keys are enabled unless the file says not
  EXPECT_EQ(get("prod", kKey1), 200);
  EXPECT_EQ(get("beta", kKey1), 200);
  EXPECT_EQ(get("prod", kKey2), 403);  // in no plan
  EXPECT_EQ(call("GetUsagePlans", {{"keyId", first}})["items"].as_array().size(), 2u);

  // The same value again is the same key, overwritten.
  out = import("key,name,enabled\n" + std::string(kKey1) + ",renamed,false\n");
  EXPECT_EQ(s(out["ids"].at(0)), first);
  EXPECT_EQ(key_count(), 2u);
  EXPECT_EQ(call("GetApiKey", {{"apiKey", first}})["name"], "renamed");
  EXPECT_EQ(get("prod", kKey1), 403);  // disabled
  reopen();
  EXPECT_EQ(key_count(), 2u);
  EXPECT_EQ(call("GetApiKey", {{"apiKey", first}})["enabled"], false);
}

TEST_F(ImportApiKeysTest, WarningsLeaveRowsOutOrFailTheWholeImport) {
  std::string csv =
      "name,key,usagePlanIds\n"
      "good," +
      std::string(kKey1) + "," + plans[0] +
      "\n"
      "short,abc,\n"
      "lost," +
      kKey2 + ",nosuchplan\n";
  expect_error("ImportApiKeys", {{"body", csv}, {"format", "csv"}, {"failOnWarnings", true}},
               "BadRequestException");
  EXPECT_EQ(key_count(), 0u);  // nothing changed
  auto out = import(csv);
  EXPECT_EQ(out["ids"].as_array().size(), 1u);
  ASSERT_EQ(out["warnings"].as_array().size(), 2u);
  EXPECT_EQ(s(out["warnings"].at(0)), "Line 3: API Key value should be at least 20 characters");
  EXPECT_EQ(s(out["warnings"].at(1)), "Line 4: Invalid Usage Plan ID specified: nosuchplan");
  EXPECT_EQ(key_count(), 1u);
  EXPECT_EQ(get("prod", kKey1), 200);

  // A key may not join two plans of one API stage.
  auto third =
      s(call("CreateUsagePlan",
             {{"name", "again"},
              {"apiStages", json::array{json::object{{"apiId", id}, {"stage", "prod"}}}}})["id"]);
  out = import("name,key,usagePlanIds\ngood," + std::string(kKey1) + "," + third + "\n");
  EXPECT_TRUE(out["ids"].as_array().empty());
  ASSERT_EQ(out["warnings"].as_array().size(), 1u);
  EXPECT_NE(s(out["warnings"].at(0)).find("cannot reference multiple Usage Plans"),
            std::string::npos);
  expect_error("ImportApiKeys", {{"body", "name,key\n"}, {"format", "json"}},
               "BadRequestException");
  expect_error("ImportApiKeys", {{"body", "name\nx"}, {"format", "csv"}}, "BadRequestException");
}

TEST_F(ImportApiKeysTest, UpdateUsageGrantsTheRemainingQuotaForThisPeriod) {
  auto key =
      s(import("name,key,usagePlanIds\nk," + std::string(kKey1) + "," + plans[0] + "\n")["ids"].at(
          0));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(get("prod", kKey1), 200) << i;
  EXPECT_EQ(get("prod", kKey1), 429);
  auto patch = [&](const std::string& value) {
    return json::object{
        {"usagePlanId", plans[0]},
        {"keyId", key},
        {"patchOperations",
         json::array{json::object{{"op", "replace"}, {"path", "/remaining"}, {"value", value}}}}};
  };
  auto out = call("UpdateUsage", patch("2"));
  std::string today = date_of(day_of(clock.now_millis()));
  EXPECT_EQ(s(out["usagePlanId"]), plans[0]);
  EXPECT_EQ(s(out["startDate"]), today);
  EXPECT_EQ(json::serialize(out["items"]), R"({")" + key + R"(":[[5,2]]})");
  EXPECT_EQ(get("prod", kKey1), 200);
  EXPECT_EQ(get("prod", kKey1), 200);
  EXPECT_EQ(get("prod", kKey1), 429);
  auto usage =
      call("GetUsage", {{"usagePlanId", plans[0]}, {"startDate", today}, {"endDate", today}});
  EXPECT_EQ(json::serialize(usage["items"]), R"({")" + key + R"(":[[7,0]]})");
  // Less than the limit leaves takes effect too; the next day starts afresh.
  call("UpdateUsage", patch("0"));
  clock.advance(std::chrono::hours(24));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(get("prod", kKey1), 200) << i;
  EXPECT_EQ(get("prod", kKey1), 429);

  expect_error("UpdateUsage", patch("-1"), "BadRequestException");
  expect_error("UpdateUsage", patch("lots"), "BadRequestException");
  auto wrong = patch("1");
  wrong["patchOperations"].as_array()[0].as_object()["path"] = "/used";
  expect_error("UpdateUsage", wrong, "BadRequestException");
  auto other = patch("1");
  other["keyId"] = "nope";
  expect_error("UpdateUsage", other, "NotFoundException");
  other = patch("1");
  other["usagePlanId"] = "nope";
  expect_error("UpdateUsage", other, "NotFoundException");
  // A plan without a quota has nothing to update.
  auto free = s(call("CreateUsagePlan", {{"name", "free"}})["id"]);
  call("CreateUsagePlanKey", {{"usagePlanId", free}, {"keyId", key}, {"keyType", "API_KEY"}});
  other = patch("1");
  other["usagePlanId"] = free;
  expect_error("UpdateUsage", other, "BadRequestException");
}

}  // namespace
}  // namespace nimbus::services::apigateway
