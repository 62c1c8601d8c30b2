// Kinesis unit tests: streams, shards listing, tags, restart.
#include "services/kinesis/test_helpers.h"

namespace nimbus::services::kinesis::testing {
namespace {

constexpr char kArnPrefix[] = "arn:aws:kinesis:us-east-1:000000000000:stream/";

TEST_F(KinesisTest, CreateDescribeListDelete) {
  make_stream("a", 3);
  call("CreateStream", {{"StreamName", "b"}, {"StreamModeDetails", {{"StreamMode", "ON_DEMAND"}}}});
  auto err = try_call("CreateStream", {{"StreamName", "a"}, {"ShardCount", 1}});
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, "ResourceInUseException");
  EXPECT_EQ(err.error().message, "Stream a under account 000000000000 already exists.");

  auto d = call("DescribeStream", {{"StreamName", "a"}})["StreamDescription"].as_object();
  EXPECT_EQ(d["StreamStatus"], "ACTIVE");
  EXPECT_EQ(s(d["StreamARN"]), std::string(kArnPrefix) + "a");
  EXPECT_EQ(d["RetentionPeriodHours"], 24);
  EXPECT_EQ(d["EncryptionType"], "NONE");
  auto shards = d["Shards"].as_array();
  ASSERT_EQ(shards.size(), 3u);
  EXPECT_EQ(shards[1].as_object().at("ShardId"), "shardId-000000000001");
  EXPECT_EQ(shards[1].as_object().at("HashKeyRange").as_object().at("StartingHashKey"),
            "113427455640312821154458202477256070485");

  auto sum = call("DescribeStreamSummary", {{"StreamARN", std::string(kArnPrefix) + "b"}});
  EXPECT_EQ(sum["StreamDescriptionSummary"].as_object()["OpenShardCount"], 4);
  EXPECT_EQ(
      sum["StreamDescriptionSummary"].as_object()["StreamModeDetails"].as_object()["StreamMode"],
      "ON_DEMAND");

  auto list = call("ListStreams", {});
  ASSERT_EQ(list["StreamNames"].as_array().size(), 2u);
  EXPECT_EQ(list["StreamSummaries"].as_array()[1].as_object().at("StreamName"), "b");

  call("DeleteStream", {{"StreamARN", std::string(kArnPrefix) + "a"}});
  auto gone = try_call("DescribeStream", {{"StreamName", "a"}});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, "ResourceNotFoundException");
  EXPECT_EQ(gone.error().message, "Stream a under account 000000000000 not found.");
  expect_error("DeleteStream", {{"StreamName", "a"}}, "ResourceNotFoundException");
}

TEST_F(KinesisTest, BadInputIsRefusedAndChangesNothing) {
  expect_error("CreateStream", {{"StreamName", "bad name"}, {"ShardCount", 1}},
               "ValidationException");
  expect_error("CreateStream", {{"StreamName", "x"}}, "InvalidArgumentException");
  expect_error("CreateStream", {{"StreamName", "x"}, {"ShardCount", 501}},
               "LimitExceededException");
  expect_error("DescribeStream", {{"StreamARN", "arn:aws:sqs:us-east-1:000000000000:q"}},
               "ValidationException");
  expect_error("DescribeStream", {}, "InvalidArgumentException");
  EXPECT_EQ(call("ListStreams", {})["StreamNames"].as_array().size(), 0u);
}

TEST_F(KinesisTest, DescribeStreamAndListStreamsPage) {
  make_stream("s", 5);
  auto d = call("DescribeStream", {{"StreamName", "s"}, {"Limit", 2}})["StreamDescription"];
  EXPECT_EQ(d.as_object().at("Shards").as_array().size(), 2u);
  EXPECT_EQ(d.as_object().at("HasMoreShards"), true);
  d = call("DescribeStream",
           {{"StreamName", "s"},
            {"Limit", 10},
            {"ExclusiveStartShardId", "shardId-000000000002"}})["StreamDescription"];
  EXPECT_EQ(d.as_object().at("Shards").as_array().size(), 2u);
  EXPECT_EQ(d.as_object().at("HasMoreShards"), false);

  for (int i = 0; i < 4; ++i) make_stream("t" + std::to_string(i));
  std::vector<std::string> names;
  json::object in{{"Limit", 2}};
  while (true) {
    auto out = call("ListStreams", in);
    for (auto& n : out["StreamNames"].as_array()) names.push_back(s(n));
    if (!out["HasMoreStreams"].as_bool()) break;
    in["NextToken"] = out["NextToken"];
  }
  EXPECT_EQ(names, (std::vector<std::string>{"s", "t0", "t1", "t2", "t3"}));
}

TEST_F(KinesisTest, ListShardsPagesAndFilters) {
  make_stream("s", 5);
  std::vector<std::string> ids;
  json::object in{{"StreamName", "s"}, {"MaxResults", 2}};
  while (true) {
    auto out = call("ListShards", in);
    for (auto& sh : out["Shards"].as_array()) ids.push_back(s(sh.as_object().at("ShardId")));
    if (!out.contains("NextToken")) break;
    in = {{"NextToken", out["NextToken"]}, {"MaxResults", 2}};
  }
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids[4], "shardId-000000000004");
  auto after =
      call("ListShards",
           {{"StreamName", "s"},
            {"ShardFilter", {{"Type", "AFTER_SHARD_ID"}, {"ShardId", "shardId-000000000003"}}}});
  EXPECT_EQ(after["Shards"].as_array().size(), 1u);
  auto first = call("ListShards", {{"StreamName", "s"}, {"MaxResults", 1}});
  auto err = try_call("ListShards", {{"StreamName", "s"}, {"NextToken", first["NextToken"]}});
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, "InvalidArgumentException");
  clock.advance(std::chrono::seconds(301));
  expect_error("ListShards", {{"NextToken", first["NextToken"]}}, "ExpiredNextTokenException");
  expect_error("ListShards", {{"StreamName", "nope"}}, "ResourceNotFoundException");
}

TEST_F(KinesisTest, TagsByStreamAndByArn) {
  call("CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}, {"Tags", {{"team", "a"}}}});
  call("AddTagsToStream", {{"StreamName", "s"}, {"Tags", {{"env", "dev"}, {"x", "1"}}}});
  auto tags = call("ListTagsForStream", {{"StreamName", "s"}, {"Limit", 2}});
  EXPECT_EQ(tags["Tags"].as_array().size(), 2u);
  EXPECT_EQ(tags["HasMoreTags"], true);
  std::string arn = std::string(kArnPrefix) + "s";
  call("UntagResource", {{"ResourceARN", arn}, {"TagKeys", {"x"}}});
  call("TagResource", {{"ResourceARN", arn}, {"Tags", {{"y", "2"}}}});
  call("RemoveTagsFromStream", {{"StreamName", "s"}, {"TagKeys", {"team"}}});
  auto all = call("ListTagsForResource", {{"ResourceARN", arn}})["Tags"].as_array();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].as_object().at("Key"), "env");
  EXPECT_EQ(all[1].as_object().at("Key"), "y");
  json::object many;
  for (int i = 0; i < 49; ++i) many["k" + std::to_string(i)] = "v";
  expect_error("AddTagsToStream", {{"StreamName", "s"}, {"Tags", many}},
               "InvalidArgumentException");
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceARN", arn}})["Tags"].as_array().size(), 2u);
  expect_error("AddTagsToStream", {{"StreamName", "nope"}, {"Tags", {{"a", "b"}}}},
               "ResourceNotFoundException");
}

// Tag keys starting with aws: are AWS's: refused from clients
// (InvalidArgumentException), changing nothing, taken from CloudFormation.
TEST_F(KinesisTest, AwsTagKeysComeFromCloudFormationOnly) {
  expect_error("CreateStream", {{"StreamName", "t"}, {"ShardCount", 1}, {"Tags", {{"aws:x", "1"}}}},
               "InvalidArgumentException");
  expect_error("DescribeStreamSummary", {{"StreamName", "t"}}, "ResourceNotFoundException");
  call("CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}});
  std::string arn = std::string(kArnPrefix) + "s";
  auto refused = try_call("AddTagsToStream", {{"StreamName", "s"}, {"Tags", {{"AWS:x", "1"}}}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "InvalidArgumentException");
  EXPECT_EQ(refused.error().message,
            "The tag key 'AWS:x' starts with 'aws:', which is reserved for AWS use.");
  expect_error("TagResource", {{"ResourceARN", arn}, {"Tags", {{"aws:x", "1"}}}},
               "InvalidArgumentException");
  expect_error("RemoveTagsFromStream", {{"StreamName", "s"}, {"TagKeys", {"aws:x"}}},
               "InvalidArgumentException");
  expect_error("UntagResource", {{"ResourceARN", arn}, {"TagKeys", {"aws:x"}}},
               "InvalidArgumentException");
  EXPECT_TRUE(call("ListTagsForResource", {{"ResourceARN", arn}})["Tags"].as_array().empty());
  CallContext stack = ctx("AddTagsToStream");
  stack.called_via = "cloudformation.amazonaws.com";
  ASSERT_TRUE(try_call(*svc, stack,
                       {{"StreamName", "s"}, {"Tags", {{"aws:cloudformation:stack-name", "x"}}}}));
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceARN", arn}})["Tags"].as_array().size(), 1u);
}

TEST_F(KinesisTest, StreamsTagsAndShardsSurviveARestart) {
  call("CreateStream", {{"StreamName", "s"}, {"ShardCount", 2}, {"Tags", {{"k", "v"}}}});
  make_stream("gone");
  call("DeleteStream", {{"StreamName", "gone"}});
  reopen();
  auto d = call("DescribeStream", {{"StreamName", "s"}})["StreamDescription"].as_object();
  EXPECT_EQ(d["Shards"].as_array().size(), 2u);
  EXPECT_EQ(d["StreamCreationTimestamp"], 1'700'000'000.0);
  EXPECT_EQ(call("ListTagsForStream", {{"StreamName", "s"}})["Tags"].as_array().size(), 1u);
  expect_error("DescribeStream", {{"StreamName", "gone"}}, "ResourceNotFoundException");
  // A new stream after the restart gets a fresh id: no sequence numbers shared.
  make_stream("gone");
  auto a = put("s", "k", "x");
  auto b = put("gone", "k", "x");
  EXPECT_NE(a["SequenceNumber"], b["SequenceNumber"]);
}

TEST_F(KinesisTest, OperationsNameTheStreamTheyTouch) {
  json::object in{{"StreamName", "s"}};
  EXPECT_EQ(svc->resources("PutRecord", ctx("PutRecord"), in),
            Resources{std::string(kArnPrefix) + "s"});
  EXPECT_EQ(svc->resources("ListStreams", ctx("ListStreams"), {}),
            Resources{std::string(kArnPrefix) + "*"});
}

}  // namespace
}  // namespace nimbus::services::kinesis::testing
