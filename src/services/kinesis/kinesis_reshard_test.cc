// Kinesis unit tests: resharding, retention, encryption and capacity mode.
#include "services/kinesis/test_helpers.h"

namespace nimbus::services::kinesis::testing {
namespace {

constexpr char kHalf[] = "170141183460469231731687303715884105728";  // 2^127

TEST_F(KinesisTest, SplitShardClosesTheParentAndRoutesNewKeysToChildren) {
  make_stream("s");
  put("s", "a", "before");  // md5("a") is in the lower half
  call("SplitShard", {{"StreamName", "s"},
                      {"ShardToSplit", "shardId-000000000000"},
                      {"NewStartingHashKey", kHalf}});
  auto shards = call("ListShards", {{"StreamName", "s"}})["Shards"].as_array();
  ASSERT_EQ(shards.size(), 3u);
  auto parent = shards[0].as_object();
  EXPECT_TRUE(parent["SequenceNumberRange"].as_object().contains("EndingSequenceNumber"));
  auto low = shards[1].as_object();
  EXPECT_EQ(low["ParentShardId"], "shardId-000000000000");
  EXPECT_EQ(low["HashKeyRange"].as_object()["EndingHashKey"],
            "170141183460469231731687303715884105727");
  EXPECT_EQ(shards[2].as_object()["HashKeyRange"].as_object()["StartingHashKey"], kHalf);
  auto open = call("ListShards", {{"StreamName", "s"}, {"ShardFilter", {{"Type", "AT_LATEST"}}}});
  EXPECT_EQ(open["Shards"].as_array().size(), 2u);

  auto after = put("s", "a", "after");
  EXPECT_EQ(after["ShardId"], "shardId-000000000001");
  EXPECT_GT(s(after["SequenceNumber"]),
            s(parent["SequenceNumberRange"].as_object()["EndingSequenceNumber"]));

  // The parent reads to its end, then answers its children and no iterator.
  auto out = call("GetRecords", {{"ShardIterator", iterator("s", "shardId-000000000000")}});
  EXPECT_EQ(data_of(out), std::vector<std::string>{"before"});
  EXPECT_FALSE(out.contains("NextShardIterator"));
  auto children = out["ChildShards"].as_array();
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(children[0].as_object().at("ParentShards").as_array()[0], "shardId-000000000000");
  EXPECT_EQ(data_of(call("GetRecords", {{"ShardIterator", iterator("s", "shardId-000000000001")}})),
            std::vector<std::string>{"after"});

  expect_error("SplitShard",
               {{"StreamName", "s"},
                {"ShardToSplit", "shardId-000000000000"},
                {"NewStartingHashKey", kHalf}},
               "InvalidArgumentException");
  expect_error(
      "SplitShard",
      {{"StreamName", "s"}, {"ShardToSplit", "shardId-000000000001"}, {"NewStartingHashKey", "0"}},
      "InvalidArgumentException");
  expect_error("SplitShard",
               {{"StreamName", "s"},
                {"ShardToSplit", "shardId-000000000009"},
                {"NewStartingHashKey", kHalf}},
               "ResourceNotFoundException");
  EXPECT_EQ(call("ListShards", {{"StreamName", "s"}})["Shards"].as_array().size(), 3u);
}

TEST_F(KinesisTest, MergeShardsNamesBothParentsAndKeepsPerKeyOrder) {
  make_stream("s", 3);
  expect_error("MergeShards",
               {{"StreamName", "s"},
                {"ShardToMerge", "shardId-000000000000"},
                {"AdjacentShardToMerge", "shardId-000000000002"}},
               "InvalidArgumentException");
  // Keys that land on shard 1, written before and after the merge.
  std::string key;
  for (int i = 0; key.empty(); ++i) {
    auto out = put("s", "k" + std::to_string(i), "probe");
    if (out["ShardId"] == "shardId-000000000001") key = "k" + std::to_string(i);
  }
  put("s", key, "1");
  call("MergeShards", {{"StreamName", "s"},
                       {"ShardToMerge", "shardId-000000000001"},
                       {"AdjacentShardToMerge", "shardId-000000000002"}});
  auto merged = put("s", key, "2");
  EXPECT_EQ(merged["ShardId"], "shardId-000000000003");
  auto child = call("DescribeStream", {{"StreamName", "s"}})["StreamDescription"]
                   .as_object()["Shards"]
                   .as_array()[3]
                   .as_object();
  EXPECT_EQ(child["ParentShardId"], "shardId-000000000001");
  EXPECT_EQ(child["AdjacentParentShardId"], "shardId-000000000002");
  // Parents first, then the child: the key's records in put order.
  std::vector<std::string> seen;
  for (const char* shard : {"shardId-000000000001", "shardId-000000000003"}) {
    for (auto& d : data_of(call("GetRecords", {{"ShardIterator", iterator("s", shard)}}))) {
      if (d != "probe") seen.push_back(d);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2"}));
}

TEST_F(KinesisTest, UpdateShardCountScalesUniformlyWithLineage) {
  make_stream("s", 2);
  auto out =
      call("UpdateShardCount",
           {{"StreamName", "s"}, {"TargetShardCount", 3}, {"ScalingType", "UNIFORM_SCALING"}});
  EXPECT_EQ(out["CurrentShardCount"], 2);
  EXPECT_EQ(out["TargetShardCount"], 3);
  auto open = call("ListShards", {{"StreamName", "s"}, {"ShardFilter", {{"Type", "AT_LATEST"}}}});
  auto shards = open["Shards"].as_array();
  ASSERT_EQ(shards.size(), 3u);
  std::vector<std::string> starts;
  for (auto& sh : shards) {
    starts.push_back(s(sh.as_object().at("HashKeyRange").as_object().at("StartingHashKey")));
    EXPECT_TRUE(sh.as_object().contains("ParentShardId"));
  }
  std::sort(starts.begin(), starts.end(),
            [](auto& a, auto& b) { return a.size() != b.size() ? a.size() < b.size() : a < b; });
  EXPECT_EQ(starts, (std::vector<std::string>{"0", "113427455640312821154458202477256070485",
                                              "226854911280625642308916404954512140970"}));
  EXPECT_EQ(call("DescribeStreamSummary", {{"StreamName", "s"}})["StreamDescriptionSummary"]
                .as_object()["OpenShardCount"],
            3);
  expect_error("UpdateShardCount",
               {{"StreamName", "s"}, {"TargetShardCount", 7}, {"ScalingType", "UNIFORM_SCALING"}},
               "InvalidArgumentException");
  call("UpdateShardCount",
       {{"StreamName", "s"}, {"TargetShardCount", 2}, {"ScalingType", "UNIFORM_SCALING"}});
  EXPECT_EQ(
      call("ListShards", {{"StreamName", "s"}, {"ShardFilter", {{"Type", "AT_LATEST"}}}})["Shards"]
          .as_array()
          .size(),
      2u);
  // Lineage survives a restart and keeps routing.
  reopen();
  EXPECT_EQ(
      call("ListShards", {{"StreamName", "s"}, {"ShardFilter", {{"Type", "AT_LATEST"}}}})["Shards"]
          .as_array()
          .size(),
      2u);
  put("s", "x", "y");
}

TEST_F(KinesisTest, OnDemandStreamsAreNotReshardedByHand) {
  call("CreateStream",
       {{"StreamName", "od"}, {"StreamModeDetails", {{"StreamMode", "ON_DEMAND"}}}});
  expect_error(
      "SplitShard",
      {{"StreamName", "od"}, {"ShardToSplit", "shardId-000000000000"}, {"NewStartingHashKey", "5"}},
      "ValidationException");
  call("UpdateStreamMode", {{"StreamARN", "arn:aws:kinesis:us-east-1:000000000000:stream/od"},
                            {"StreamModeDetails", {{"StreamMode", "PROVISIONED"}}}});
  call("SplitShard", {{"StreamName", "od"},
                      {"ShardToSplit", "shardId-000000000000"},
                      {"NewStartingHashKey", "5"}});
}

TEST_F(KinesisTest, RetentionChangesAreCheckedAndOldRecordsGo) {
  make_stream("s");
  expect_error("IncreaseStreamRetentionPeriod",
               {{"StreamName", "s"}, {"RetentionPeriodHours", 8761}}, "InvalidArgumentException");
  expect_error("DecreaseStreamRetentionPeriod", {{"StreamName", "s"}, {"RetentionPeriodHours", 23}},
               "InvalidArgumentException");
  call("IncreaseStreamRetentionPeriod", {{"StreamName", "s"}, {"RetentionPeriodHours", 48}});
  auto err = try_call("IncreaseStreamRetentionPeriod",
                      {{"StreamName", "s"}, {"RetentionPeriodHours", 30}});
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().message,
            "Requested retention period (30 hours) for stream s can not be shorter than existing "
            "retention period (48 hours). Use DecreaseRetentionPeriod API.");
  EXPECT_EQ(call("DescribeStreamSummary", {{"StreamName", "s"}})["StreamDescriptionSummary"]
                .as_object()["RetentionPeriodHours"],
            48);
  put("s", "k", "old");
  clock.advance(std::chrono::hours(30));
  put("s", "k", "new");
  EXPECT_EQ(data_of(call("GetRecords", {{"ShardIterator", iterator("s", "shardId-000000000000")}})),
            (std::vector<std::string>{"old", "new"}));
  call("DecreaseStreamRetentionPeriod", {{"StreamName", "s"}, {"RetentionPeriodHours", 24}});
  EXPECT_EQ(data_of(call("GetRecords", {{"ShardIterator", iterator("s", "shardId-000000000000")}})),
            std::vector<std::string>{"new"});
  // The minute timer trims the Log itself.
  auto partition = svc->engine().find("s")->partition(0);
  EXPECT_TRUE(advance_until([&] { return svc->engine().log().info(partition)->first_seq == 2; },
                            std::chrono::seconds(30)));
}

TEST_F(KinesisTest, AClosedShardExpiresAfterTheRetentionPeriod) {
  make_stream("s");
  put("s", "a", "before");
  call("SplitShard", {{"StreamName", "s"},
                      {"ShardToSplit", "shardId-000000000000"},
                      {"NewStartingHashKey", kHalf}});
  auto listed = [&](const std::string& op, json::object in) {
    in["StreamName"] = "s";
    auto out = call(op, in);
    const auto& shards = op == "DescribeStream"
                             ? out["StreamDescription"].as_object()["Shards"].as_array()
                             : out["Shards"].as_array();
    std::vector<std::string> ids;
    for (const auto& sh : shards) ids.push_back(s(sh.as_object().at("ShardId")));
    return ids;
  };
  const std::vector<std::string> all = {"shardId-000000000000", "shardId-000000000001",
                                        "shardId-000000000002"};
  const std::vector<std::string> children = {"shardId-000000000001", "shardId-000000000002"};
  clock.advance(std::chrono::hours(23));
  EXPECT_EQ(listed("DescribeStream", {}), all);
  EXPECT_EQ(listed("ListShards", {}), all);
  put("s", "a", "child");
  events::StreamSource& reader = svc->reader();
  const std::string arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s";
  EXPECT_EQ(reader.shards(arn)->size(), 3u);
  auto parent_start =
      reader.start(arn, "shardId-000000000000", events::StartingPosition::kTrimHorizon);
  ASSERT_TRUE(parent_start);

  // 24 hours after the split every record of the parent has expired.
  clock.advance(std::chrono::hours(1) + std::chrono::seconds(1));
  EXPECT_EQ(listed("DescribeStream", {}), children);
  EXPECT_EQ(listed("ListShards", {}), children);
  // At the time of the split all three were open; the parent is gone all the same.
  EXPECT_EQ(
      listed("ListShards", {{"ShardFilter", {{"Type", "AT_TIMESTAMP"}, {"Timestamp", 1.7e9}}}}),
      children);
  auto err = try_call("GetShardIterator", {{"StreamName", "s"},
                                           {"ShardId", "shardId-000000000000"},
                                           {"ShardIteratorType", "TRIM_HORIZON"}});
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, "ResourceNotFoundException");
  EXPECT_EQ(reader.shards(arn)->size(), 2u);
  // A reader still on the parent is sent on to its children.
  auto rest = reader.read(arn, "shardId-000000000000", *parent_start, 10, 1 << 20);
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_TRUE(rest->records.empty());
  EXPECT_TRUE(rest->ended);
  EXPECT_EQ(rest->children, children);
  EXPECT_EQ(data_of(call("GetRecords", {{"ShardIterator", iterator("s", "shardId-000000000001")}})),
            std::vector<std::string>{"child"});

  // The minute timer removes the parent's records and marks it expired for
  // good: a longer retention afterwards does not bring it back.
  auto partition = svc->engine().find("s")->partition(0);
  EXPECT_TRUE(advance_until([&] { return !svc->engine().log().info(partition); },
                            std::chrono::seconds(30)));
  reopen();
  call("IncreaseStreamRetentionPeriod", {{"StreamName", "s"}, {"RetentionPeriodHours", 48}});
  EXPECT_EQ(listed("DescribeStream", {}), children);
  EXPECT_EQ(data_of(call("GetRecords", {{"ShardIterator", iterator("s", "shardId-000000000002")}})),
            std::vector<std::string>{});
}

TEST_F(KinesisTest, EncryptionSettingsAreStored) {
  make_stream("s");
  call("StartStreamEncryption",
       {{"StreamName", "s"}, {"EncryptionType", "KMS"}, {"KeyId", "alias/aws/kinesis"}});
  auto sum = call("DescribeStreamSummary", {{"StreamName", "s"}})["StreamDescriptionSummary"];
  EXPECT_EQ(sum.as_object().at("EncryptionType"), "KMS");
  EXPECT_EQ(sum.as_object().at("KeyId"), "alias/aws/kinesis");
  EXPECT_EQ(put("s", "k", "x")["EncryptionType"], "KMS");
  reopen();
  EXPECT_EQ(call("DescribeStream", {{"StreamName", "s"}})["StreamDescription"]
                .as_object()["EncryptionType"],
            "KMS");
  call("StopStreamEncryption",
       {{"StreamName", "s"}, {"EncryptionType", "KMS"}, {"KeyId", "alias/aws/kinesis"}});
  EXPECT_EQ(put("s", "k", "x")["EncryptionType"], "NONE");
  expect_error("StartStreamEncryption", {{"StreamName", "s"}, {"EncryptionType", "NONE"}},
               "ValidationException");
}

}  // namespace
}  // namespace nimbus::services::kinesis::testing
