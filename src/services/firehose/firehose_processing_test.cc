// Lambda processing: records transformed, dropped and failed by the
// function, failed invocations retried, the error output's lines, and the
// ProcessingConfiguration checks.
#include "common/encoding.h"
#include "services/firehose/test_helpers.h"

namespace nimbus::services::firehose {
namespace {

using namespace std::chrono_literals;
using testing::FirehoseTest;
namespace json = boost::json;

constexpr const char* kArn = "arn:aws:lambda:us-east-1:000000000000:function:transform";

json::object processing(json::array extra = {}) {
  json::array params{json::object{{"ParameterName", "LambdaArn"}, {"ParameterValue", kArn}}};
  for (auto& p : extra) params.push_back(p);
  return {{"Enabled", true},
          {"Processors", json::array{json::object{{"Type", "Lambda"}, {"Parameters", params}}}}};
}

json::object param(const std::string& name, const std::string& value) {
  return {{"ParameterName", name}, {"ParameterValue", value}};
}

// Upper-cases each record; "drop" is Dropped, "bad" ProcessingFailed.
Result<lambda::SyncResult> transform(const json::object& event) {
  json::array out;
  for (const auto& r : event.at("records").as_array()) {
    std::string data = *base64_decode(r.at("data").as_string());
    json::object rec{{"recordId", r.at("recordId")}};
    if (data == "drop") {
      rec["result"] = "Dropped";
    } else if (data == "bad") {
      rec["result"] = "ProcessingFailed";
    } else {
      for (auto& c : data) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      rec["result"] = "Ok";
      rec["data"] = base64_encode(data);
    }
    out.push_back(std::move(rec));
  }
  return lambda::SyncResult{false, json::serialize(json::object{{"records", out}}), "$LATEST"};
}

class FirehoseProcessingTest : public FirehoseTest {
 protected:
  void SetUp() override {
    FirehoseTest::SetUp();
    bucket("out");
  }
  void processed_stream(json::array extra = {}) {
    stream("s", "out",
           {{"ErrorOutputPrefix", "errors/"},
            {"BufferingHints", json::object{{"IntervalInSeconds", 60}}},
            {"ProcessingConfiguration", processing(std::move(extra))}});
  }
  // The error output's lines, parsed.
  std::vector<json::object> failed_lines() {
    std::vector<json::object> out;
    for (const auto& [key, body] : objects("out")) {
      if (!key.starts_with("errors/processing-failed/")) continue;
      size_t start = 0;
      for (size_t nl; (nl = body.find('\n', start)) != std::string::npos; start = nl + 1) {
        out.push_back(json::parse(body.substr(start, nl - start)).as_object());
      }
    }
    return out;
  }
};

TEST_F(FirehoseProcessingTest, TheFunctionTransformsDropsAndFailsRecords) {
  lambda.handler = transform;
  processed_stream();
  for (const char* r : {"a,", "drop", "bad", "b,"}) put("s", r);
  ASSERT_TRUE(advance_until([&] { return objects("out").size() == 2; }, 1s, 120));
  std::string body;
  for (const auto& [key, b] : objects("out")) {
    if (!key.starts_with("errors/")) body = b;
  }
  EXPECT_EQ(body, "A,B,");
  auto events = lambda.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("records").as_array().size(), 4u);
  EXPECT_EQ(events[0].at("deliveryStreamArn").as_string(),
            "arn:aws:firehose:us-east-1:000000000000:deliverystream/s");
  EXPECT_EQ(events[0].at("region").as_string(), "us-east-1");
  EXPECT_EQ(lambda.functions(), std::vector<std::string>{kArn});
  auto failed = failed_lines();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].at("rawData").as_string(), base64_encode("bad"));
  EXPECT_EQ(failed[0].at("errorCode").as_string(), "Lambda.ProcessingFailedStatus");
  EXPECT_EQ(failed[0].at("attemptsMade").as_int64(), 1);
  EXPECT_EQ(failed[0].at("lambdaArn").as_string(), kArn);
  EXPECT_TRUE(eventually([&] { return svc->engine().buffered_bytes("s") == 0; }));
}

TEST_F(FirehoseProcessingTest, FailedInvocationsAreRetriedThenTheirRecordsFail) {
  lambda.handler = [](const json::object&) -> Result<lambda::SyncResult> {
    return lambda::SyncResult{true, R"({"errorMessage":"boom","errorType":"Error"})", "$LATEST"};
  };
  processed_stream({param("NumberOfRetries", "2")});
  put("s", "x");
  put("s", "y");
  ASSERT_TRUE(advance_until([&] { return failed_lines().size() == 2; }, 1s, 120));
  EXPECT_EQ(lambda.events().size(), 3u);  // the first try and two retries
  auto failed = failed_lines();
  EXPECT_EQ(failed[0].at("errorCode").as_string(), "Lambda.FunctionError");
  EXPECT_EQ(failed[0].at("errorMessage").as_string(), "boom");
  EXPECT_EQ(failed[0].at("attemptsMade").as_int64(), 3);
  EXPECT_EQ(failed[1].at("rawData").as_string(), base64_encode("y"));
  EXPECT_EQ(objects("out").size(), 1u);  // nothing was Ok: no delivered object
}

TEST_F(FirehoseProcessingTest, AnswersMissingOrRepeatingRecordsFailThoseRecords) {
  lambda.handler = [](const json::object& event) -> Result<lambda::SyncResult> {
    const auto& records = event.at("records").as_array();
    json::object first{
        {"recordId", records[0].at("recordId")}, {"result", "Ok"}, {"data", base64_encode("kept")}};
    return lambda::SyncResult{false, json::serialize(json::object{{"records", json::array{first}}}),
                              "$LATEST"};
  };
  processed_stream({param("BufferSizeInMBs", "0.2")});
  put("s", "one");
  put("s", "two");
  ASSERT_TRUE(advance_until([&] { return objects("out").size() == 2; }, 1s, 120));
  auto failed = failed_lines();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].at("errorCode").as_string(), "Lambda.MissingRecordId");
  EXPECT_EQ(failed[0].at("rawData").as_string(), base64_encode("two"));
}

TEST_F(FirehoseProcessingTest, RecordsAreSentInBatchesOfTheProcessorBufferSize) {
  lambda.handler = transform;
  processed_stream({param("BufferSizeInMBs", "0.2")});
  std::string big(150 * 1024, 'q');
  put("s", big);
  put("s", big);
  ASSERT_TRUE(advance_until([&] { return objects("out").size() == 1; }, 1s, 120));
  EXPECT_EQ(lambda.events().size(), 2u);  // 300 KB do not fit one 0.2 MB batch
  EXPECT_EQ(objects("out").begin()->second, std::string(300 * 1024, 'Q'));
}

// The processor is invoked as the stream's RoleARN (Engine::set_role_check):
// refused, no invocation is made, each attempt fails as
// Lambda.InvokeAccessDenied and the records go to the processing-failed
// output after the retries, as Firehose does; allowed, they are processed.
TEST_F(FirehoseProcessingTest, TheProcessorIsInvokedAsTheStreamsRole) {
  testing::RecordedRoleChecks roles;
  roles.always = "arn:aws:s3:";  // the objects may be written
  svc->engine().set_role_check(roles.check("lambda:InvokeFunction"));
  lambda.handler = transform;
  processed_stream({param("NumberOfRetries", "1")});
  put("s", "x");
  ASSERT_TRUE(advance_until([&] { return failed_lines().size() == 1; }, 1s, 120));
  EXPECT_TRUE(lambda.events().empty());
  auto failed = failed_lines();
  EXPECT_EQ(failed[0].at("errorCode").as_string(), "Lambda.InvokeAccessDenied");
  EXPECT_EQ(failed[0].at("errorMessage").as_string(),
            "Access was denied. Ensure that the access policy allows access to the Lambda "
            "function.");
  EXPECT_EQ(failed[0].at("attemptsMade").as_int64(), 2);  // the first try and one retry
  EXPECT_EQ(failed[0].at("rawData").as_string(), base64_encode("x"));
  auto asked = roles.asked();
  ASSERT_FALSE(asked.empty());
  EXPECT_EQ(asked[0], "arn:aws:iam::000000000000:role/firehose " + std::string(kArn));
  EXPECT_TRUE(eventually([&] { return svc->engine().buffered_bytes("s") == 0; }));
  roles.allow_all = true;
  put("s", "y");
  auto delivered = [&] {
    for (const auto& [key, body] : objects("out")) {
      if (!key.starts_with("errors/")) return body;
    }
    return std::string();
  };
  ASSERT_TRUE(advance_until([&] { return delivered() == "Y"; }, 1s, 120));
  EXPECT_EQ(lambda.events().size(), 1u);
}

// A role that does not trust firehose.amazonaws.com is Firehose's
// Lambda.AssumeRoleAccessDenied, with its own message, not
// Lambda.InvokeAccessDenied.
TEST_F(FirehoseProcessingTest, ARoleThatDoesNotTrustFirehoseIsAssumeRoleAccessDenied) {
  testing::RecordedRoleChecks roles;
  roles.always = "arn:aws:s3:";
  svc->engine().set_role_check(roles.check("lambda:InvokeFunction"),
                               [](const std::string&) { return false; });
  lambda.handler = transform;
  processed_stream({param("NumberOfRetries", "0")});
  put("s", "x");
  ASSERT_TRUE(advance_until([&] { return failed_lines().size() == 1; }, 1s, 120));
  EXPECT_TRUE(lambda.events().empty());
  auto failed = failed_lines();
  EXPECT_EQ(failed[0].at("errorCode").as_string(), "Lambda.AssumeRoleAccessDenied");
  EXPECT_EQ(failed[0].at("errorMessage").as_string(),
            "Access was denied. Ensure that the trust policy for the provided IAM role allows "
            "Firehose to assume the role.");
  EXPECT_EQ(failed[0].at("attemptsMade").as_int64(), 1);
}

TEST_F(FirehoseProcessingTest, ConfigurationIsDescribedAndChecked) {
  processed_stream({param("NumberOfRetries", "5")});
  auto d = call("DescribeDeliveryStream", {{"DeliveryStreamName", "s"}});
  const auto& dest = d.at("DeliveryStreamDescription")
                         .at("Destinations")
                         .at(0)
                         .at("ExtendedS3DestinationDescription");
  EXPECT_EQ(dest.at("ProcessingConfiguration").at("Enabled"), true);
  auto bad = [&](json::object config) {
    json::object dest{{"RoleARN", "arn:aws:iam::000000000000:role/firehose"},
                      {"BucketARN", "arn:aws:s3:::out"},
                      {"ProcessingConfiguration", std::move(config)}};
    auto e = try_call("CreateDeliveryStream", {{"DeliveryStreamName", "bad"},
                                               {"ExtendedS3DestinationConfiguration", dest}});
    EXPECT_FALSE(e);
    if (e) return std::string();
    EXPECT_EQ(e.error().code, "InvalidArgumentException");
    return e.error().message;
  };
  EXPECT_NE(bad(processing({param("BufferSizeInMBs", "9")})).find("BufferSizeInMBs"),
            std::string::npos);
  json::object other{{"Enabled", true},
                     {"Processors", json::array{json::object{{"Type", "RecordDeAggregation"}}}}};
  EXPECT_NE(bad(other).find("RecordDeAggregation"), std::string::npos);
  json::object no_arn{
      {"Enabled", true},
      {"Processors", json::array{json::object{{"Type", "Lambda"}, {"Parameters", json::array{}}}}}};
  bad(no_arn);
  EXPECT_EQ(call("ListDeliveryStreams", {})["DeliveryStreamNames"], json::array{"s"});
  // A restart reads the stored processor back.
  reopen();
  lambda.handler = transform;
  put("s", "after");
  ASSERT_TRUE(advance_until([&] { return objects("out").size() == 1; }, 1s, 120));
  EXPECT_EQ(objects("out").begin()->second, "AFTER");
}

}  // namespace
}  // namespace nimbus::services::firehose
