// Firehose on the s3 service: the delivery stream API and its errors,
// delivery by interval and by size, prefixes, GZIP, a missing bucket
// retried, objects written only as the stream's role allows, and records
// waiting across a restart. Time is the fixture's SimulatedClock, so buffer
// intervals are real ones.
#include <zlib.h>

#include <algorithm>

#include "services/firehose/test_helpers.h"

namespace nimbus::services::firehose {
namespace {

using namespace std::chrono_literals;
using testing::FirehoseTest;
namespace json = boost::json;

std::string gunzip(const std::string& in) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "(not gzip)";
}

TEST_F(FirehoseTest, CreateDescribeListDelete) {
  bucket("deliveries");
  auto out =
      stream("s1", "deliveries",
             {{"BufferingHints", json::object{{"SizeInMBs", 1}, {"IntervalInSeconds", 60}}}});
  EXPECT_EQ(s(out["DeliveryStreamARN"]),
            "arn:aws:firehose:us-east-1:000000000000:deliverystream/s1");
  auto d =
      call("DescribeDeliveryStream", {{"DeliveryStreamName", "s1"}})["DeliveryStreamDescription"]
          .as_object();
  EXPECT_EQ(d["DeliveryStreamStatus"], "ACTIVE");
  EXPECT_EQ(d["DeliveryStreamType"], "DirectPut");
  EXPECT_EQ(d["VersionId"], "1");
  const auto& dest = d["Destinations"].at(0).as_object();
  EXPECT_EQ(dest.at("DestinationId"), "destinationId-000000000001");
  const auto& e = dest.at("ExtendedS3DestinationDescription").as_object();
  EXPECT_EQ(e.at("BucketARN"), "arn:aws:s3:::deliveries");
  EXPECT_EQ(e.at("BufferingHints").at("SizeInMBs"), 1);
  EXPECT_EQ(e.at("BufferingHints").at("IntervalInSeconds"), 60);
  EXPECT_EQ(e.at("CompressionFormat"), "UNCOMPRESSED");
  stream("s2", "deliveries");
  auto list = call("ListDeliveryStreams", {});
  EXPECT_EQ(list["DeliveryStreamNames"], (json::array{"s1", "s2"}));
  EXPECT_EQ(list["HasMoreDeliveryStreams"], false);
  list = call("ListDeliveryStreams", {{"Limit", 1}});
  EXPECT_EQ(list["DeliveryStreamNames"], json::array{"s1"});
  EXPECT_EQ(list["HasMoreDeliveryStreams"], true);
  list = call("ListDeliveryStreams", {{"ExclusiveStartDeliveryStreamName", "s1"}});
  EXPECT_EQ(list["DeliveryStreamNames"], json::array{"s2"});
  call("DeleteDeliveryStream", {{"DeliveryStreamName", "s1"}});
  reopen();
  list = call("ListDeliveryStreams", {});
  EXPECT_EQ(list["DeliveryStreamNames"], json::array{"s2"});
}

TEST_F(FirehoseTest, BadInputGetsAwsErrorsAndChangesNothing) {
  bucket("deliveries");
  stream("s", "deliveries");
  auto e = try_call("CreateDeliveryStream",
                    {{"DeliveryStreamName", "s"},
                     {"ExtendedS3DestinationConfiguration",
                      json::object{{"RoleARN", "r"}, {"BucketARN", "arn:aws:s3:::deliveries"}}}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, "ResourceInUseException");
  EXPECT_EQ(e.error().message, "Firehose s under accountId 000000000000 already exists.");
  e = try_call("DescribeDeliveryStream", {{"DeliveryStreamName", "nope"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, "ResourceNotFoundException");
  EXPECT_EQ(e.error().message, "Firehose nope under account 000000000000 not found.");
  expect_error("PutRecord",
               {{"DeliveryStreamName", "nope"}, {"Record", json::object{{"Data", "x"}}}},
               "ResourceNotFoundException");
  expect_error("DeleteDeliveryStream", {{"DeliveryStreamName", "nope"}},
               "ResourceNotFoundException");
  e = try_call("CreateDeliveryStream", {{"DeliveryStreamName", "p"},
                                        {"ExtendedS3DestinationConfiguration",
                                         json::object{{"RoleARN", "r"},
                                                      {"BucketARN", "arn:aws:s3:::deliveries"},
                                                      {"Prefix", "x/!{timestamp:yyyy}/"}}}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, "InvalidArgumentException");
  EXPECT_EQ(e.error().message,
            "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.");
  for (std::string bad : {"!{timestamp:yyyy", "!{nope:x}", "!{firehose:error-output-type}",
                          "!{timestamp:qq}", "!{firehose:random-string!{x:y}}"}) {
    e = try_call("CreateDeliveryStream", {{"DeliveryStreamName", "p"},
                                          {"ExtendedS3DestinationConfiguration",
                                           json::object{{"RoleARN", "r"},
                                                        {"BucketARN", "arn:aws:s3:::deliveries"},
                                                        {"Prefix", bad},
                                                        {"ErrorOutputPrefix", "err/"}}}});
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code, "InvalidArgumentException") << bad;
  }
  expect_error("CreateDeliveryStream",
               {{"DeliveryStreamName", "p"},
                {"ExtendedS3DestinationConfiguration",
                 json::object{{"RoleARN", "r"}, {"BucketARN", "not-an-arn"}}}},
               "InvalidArgumentException");
  std::string big(1024 * 1000, 'x');
  json::array records;
  for (int i = 0; i < 5; ++i) records.push_back(json::object{{"Data", big}});
  expect_error("PutRecordBatch", {{"DeliveryStreamName", "s"}, {"Records", records}},
               "InvalidArgumentException");
  EXPECT_EQ(call("ListDeliveryStreams", {})["DeliveryStreamNames"], json::array{"s"});
  EXPECT_EQ(svc->engine().buffered_bytes("s"), 0u);
}

TEST_F(FirehoseTest, TheIntervalDeliversOneObjectWithTheDefaultLayout) {
  bucket("deliveries");
  stream("s", "deliveries", {{"BufferingHints", json::object{{"IntervalInSeconds", 60}}}});
  int64_t first = clock.now_millis();
  put("s", "one,");
  put("s", "two,");
  json::array two{json::object{{"Data", "three,"}}, json::object{{"Data", "four"}}};
  auto batch = call("PutRecordBatch", {{"DeliveryStreamName", "s"}, {"Records", two}});
  EXPECT_EQ(batch["FailedPutCount"], 0);
  EXPECT_EQ(batch["RequestResponses"].as_array().size(), 2u);
  clock.advance(30s);
  EXPECT_TRUE(objects("deliveries").empty());
  ASSERT_TRUE(advance_until([&] { return objects("deliveries").size() == 1; }, 1s, 60));
  auto got = objects("deliveries");
  const auto& [key, body] = *got.begin();
  EXPECT_EQ(body, "one,two,three,four");
  EXPECT_TRUE(key.starts_with(default_layout(first) + "s-1-" + suffix_time(first).substr(0, 13)))
      << key;
  EXPECT_TRUE(eventually([&] { return svc->engine().buffered_bytes("s") == 0; }));
}

TEST_F(FirehoseTest, AFullBufferIsDeliveredAtOnce) {
  bucket("deliveries");
  stream("s", "deliveries",
         {{"BufferingHints", json::object{{"SizeInMBs", 1}, {"IntervalInSeconds", 900}}}});
  put("s", std::string(400 * 1024, 'a'));
  put("s", std::string(400 * 1024, 'b'));
  clock.advance(1s);
  EXPECT_TRUE(objects("deliveries").empty());
  put("s", std::string(400 * 1024, 'c'));
  // An object holds at most the buffer size: two records; the third waits.
  ASSERT_TRUE(eventually([&] { return objects("deliveries").size() == 1; }));
  EXPECT_EQ(objects("deliveries").begin()->second,
            std::string(400 * 1024, 'a') + std::string(400 * 1024, 'b'));
  EXPECT_TRUE(eventually([&] { return svc->engine().buffered_bytes("s") == 400u * 1024; }));
  ASSERT_TRUE(advance_until([&] { return objects("deliveries").size() == 2; }, 10s, 100));
}

TEST_F(FirehoseTest, PrefixExpressionsAndGzip) {
  bucket("deliveries");
  stream("s", "deliveries",
         {{"Prefix", "logs/year=!{timestamp:yyyy}/!{firehose:random-string}/"},
          {"ErrorOutputPrefix", "errors/!{firehose:error-output-type}/"},
          {"CompressionFormat", "GZIP"},
          {"BufferingHints", json::object{{"IntervalInSeconds", 0}}}});
  int64_t now = clock.now_millis();
  put("s", "hello gzip");
  ASSERT_TRUE(advance_until([&] { return objects("deliveries").size() == 1; }, 100ms, 100));
  auto got = objects("deliveries");
  const auto& [key, body] = *got.begin();
  std::string year = default_layout(now).substr(0, 4);
  ASSERT_TRUE(key.starts_with("logs/year=" + year + "/")) << key;
  std::string rest = key.substr(std::string("logs/year=/").size() + 4);
  EXPECT_EQ(rest.find('/'), 11u) << key;  // the random string
  EXPECT_TRUE(key.ends_with(".gz")) << key;
  EXPECT_EQ(gunzip(body), "hello gzip");
}

TEST_F(FirehoseTest, AMissingBucketIsRetriedUntilItExists) {
  stream("s", "later", {{"BufferingHints", json::object{{"IntervalInSeconds", 0}}}});
  put("s", "kept");
  clock.advance(5s);
  EXPECT_TRUE(eventually([&] { return svc->engine().buffered_bytes("s") == 4; }));
  bucket("later");
  ASSERT_TRUE(advance_until([&] { return objects("later").size() == 1; }, 1s, 120));
  EXPECT_EQ(objects("later").begin()->second, "kept");
}

// Objects are written as the stream's RoleARN (Engine::set_role_check): a
// role that may not put them keeps the records, tried again with the
// back-off, as Firehose retries S3.AccessDenied; once allowed, they arrive.
TEST_F(FirehoseTest, ObjectsAreWrittenAsTheStreamsRole) {
  testing::RecordedRoleChecks roles;
  svc->engine().set_role_check(roles.check("s3:PutObject"));
  bucket("as-role");
  stream("s", "as-role", {{"BufferingHints", json::object{{"IntervalInSeconds", 0}}}});
  put("s", "kept");
  // The first attempt and a retry.
  ASSERT_TRUE(advance_until([&] { return roles.asked().size() >= 2; }, 1s, 120));
  EXPECT_TRUE(objects("as-role").empty());
  EXPECT_EQ(svc->engine().buffered_bytes("s"), 4u);
  auto asked = roles.asked();
  EXPECT_TRUE(asked[0].starts_with("arn:aws:iam::000000000000:role/firehose arn:aws:s3:::as-role/"))
      << asked[0];
  roles.allow_all = true;
  ASSERT_TRUE(advance_until([&] { return objects("as-role").size() == 1; }, 1s, 120));
  EXPECT_EQ(objects("as-role").begin()->second, "kept");
  EXPECT_TRUE(eventually([&] { return svc->engine().buffered_bytes("s") == 0; }));
}

TEST_F(FirehoseTest, AcceptedRecordsSurviveARestart) {
  bucket("deliveries");
  stream("s", "deliveries", {{"BufferingHints", json::object{{"IntervalInSeconds", 60}}}});
  put("s", "before-");
  reopen();
  put("s", "after");
  // One object, or two when the restart found "before-" without its stored
  // timer (armed after the append) and delivered it at once.
  auto delivered = [&] {
    std::string all;
    for (const auto& [key, body] : objects("deliveries")) all += body;
    return all;
  };
  ASSERT_TRUE(advance_until([&] { return delivered().size() == 12; }, 1s, 120));
  std::string all = delivered();
  EXPECT_TRUE(all == "before-after" || all == "afterbefore-") << all;
}

TEST_F(FirehoseTest, AKinesisStreamSourceDeliversEachRecordOnce) {
  bucket("deliveries");
  kinesis("CreateStream", {{"StreamName", "clicks"}, {"ShardCount", 2}});
  std::string arn = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks";
  kinesis("PutRecord", {{"StreamName", "clicks"}, {"PartitionKey", "a"}, {"Data", "old;"}});
  clock.advance(1s);
  auto e = try_call("CreateDeliveryStream",
                    {{"DeliveryStreamName", "fromk"},
                     {"DeliveryStreamType", "KinesisStreamAsSource"},
                     {"KinesisStreamSourceConfiguration",
                      json::object{{"KinesisStreamARN", arn + "-missing"}, {"RoleARN", "r"}}},
                     {"ExtendedS3DestinationConfiguration",
                      json::object{{"RoleARN", "r"}, {"BucketARN", "arn:aws:s3:::deliveries"}}}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, "InvalidArgumentException");
  call("CreateDeliveryStream",
       {{"DeliveryStreamName", "fromk"},
        {"DeliveryStreamType", "KinesisStreamAsSource"},
        {"KinesisStreamSourceConfiguration",
         json::object{{"KinesisStreamARN", arn}, {"RoleARN", "r"}}},
        {"ExtendedS3DestinationConfiguration",
         json::object{{"RoleARN", "r"},
                      {"BucketARN", "arn:aws:s3:::deliveries"},
                      {"BufferingHints", json::object{{"IntervalInSeconds", 60}}}}}});
  auto d = call("DescribeDeliveryStream", {{"DeliveryStreamName", "fromk"}});
  EXPECT_EQ(d["DeliveryStreamDescription"]
                .at("Source")
                .at("KinesisStreamSourceDescription")
                .at("KinesisStreamARN"),
            json::value(arn));
  expect_error("PutRecord",
               {{"DeliveryStreamName", "fromk"}, {"Record", json::object{{"Data", "x"}}}},
               "InvalidArgumentException");
  for (std::string k : {"a", "b", "c", "d"}) {
    kinesis("PutRecord", {{"StreamName", "clicks"}, {"PartitionKey", k}, {"Data", k + ";"}});
  }
  ASSERT_TRUE(eventually([&] { return svc->engine().buffered_bytes("fromk") == 8; }));
  reopen();  // positions are stored: nothing is read twice
  kinesis("PutRecord", {{"StreamName", "clicks"}, {"PartitionKey", "e"}, {"Data", "e;"}});
  ASSERT_TRUE(eventually([&] { return svc->engine().buffered_bytes("fromk") == 10; }));
  ASSERT_TRUE(advance_until([&] { return objects("deliveries").size() == 1; }, 1s, 120));
  std::string body = objects("deliveries").begin()->second;
  std::sort(body.begin(), body.end());
  EXPECT_EQ(body, ";;;;;abcde");  // "old;" came before the stream existed
}

}  // namespace
}  // namespace nimbus::services::firehose
