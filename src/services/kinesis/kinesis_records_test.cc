// Kinesis unit tests: putting and reading records, shard iterators.
#include "common/encoding.h"
#include "services/kinesis/test_helpers.h"

namespace nimbus::services::kinesis::testing {
namespace {

TEST_F(KinesisTest, PutThenReadInOrderFromEveryIteratorType) {
  make_stream("s");
  auto first = put("s", "k", "one");
  EXPECT_EQ(first["ShardId"], "shardId-000000000000");
  std::string seq1 = s(first["SequenceNumber"]);
  EXPECT_EQ(seq1.size(), 56u);
  std::string latest = iterator("s", "shardId-000000000000", "LATEST");
  clock.advance(std::chrono::seconds(10));
  auto second = put("s", "k", "two");
  std::string seq2 = s(second["SequenceNumber"]);
  EXPECT_LT(seq1, seq2);

  auto all = call("GetRecords", {{"ShardIterator", iterator("s", "shardId-000000000000")}});
  EXPECT_EQ(data_of(all), (std::vector<std::string>{"one", "two"}));
  auto rec = all["Records"].as_array()[0].as_object();
  EXPECT_EQ(rec["PartitionKey"], "k");
  EXPECT_EQ(s(rec["SequenceNumber"]), seq1);
  EXPECT_EQ(rec["ApproximateArrivalTimestamp"], 1'700'000'000.0);
  EXPECT_EQ(all["MillisBehindLatest"], 0);

  EXPECT_EQ(data_of(call("GetRecords", {{"ShardIterator", latest}})),
            std::vector<std::string>{"two"});
  EXPECT_EQ(data_of(call("GetRecords", {{"ShardIterator",
                                         iterator("s", "shardId-000000000000", "AT_SEQUENCE_NUMBER",
                                                  {{"StartingSequenceNumber", seq2}})}})),
            std::vector<std::string>{"two"});
  EXPECT_EQ(
      data_of(call("GetRecords",
                   {{"ShardIterator", iterator("s", "shardId-000000000000", "AFTER_SEQUENCE_NUMBER",
                                               {{"StartingSequenceNumber", seq1}})}})),
      std::vector<std::string>{"two"});
  EXPECT_EQ(data_of(call("GetRecords",
                         {{"ShardIterator", iterator("s", "shardId-000000000000", "AT_TIMESTAMP",
                                                     {{"Timestamp", 1'700'000'005.0}})}})),
            std::vector<std::string>{"two"});
}

TEST_F(KinesisTest, GetRecordsPublishesTheIteratorAgeOfItsStream) {
  make_stream("s");
  make_stream("other");
  auto& age = metrics.gauge("nimbus_kinesis_get_records_iterator_age_ms", {{"stream", "s"}});
  put("s", "k", "one");
  clock.advance(std::chrono::seconds(4));
  put("s", "k", "two");
  clock.advance(std::chrono::seconds(3));
  auto out =
      call("GetRecords", {{"ShardIterator", iterator("s", "shardId-000000000000")}, {"Limit", 1}});
  EXPECT_EQ(age.value(), 7'000);  // the last record read, not the newest
  out = call("GetRecords", {{"ShardIterator", out["NextShardIterator"]}});
  EXPECT_EQ(age.value(), 3'000);
  // Reading another stream leaves this one's figure alone.
  put("other", "k", "x");
  call("GetRecords", {{"ShardIterator", iterator("other", "shardId-000000000000")}});
  EXPECT_EQ(age.value(), 3'000);
  // Caught up: nothing read is age 0.
  call("GetRecords", {{"ShardIterator", out["NextShardIterator"]}});
  EXPECT_EQ(age.value(), 0);
}

TEST_F(KinesisTest, NextShardIteratorFollowsAndLimitPages) {
  make_stream("s");
  for (int i = 0; i < 5; ++i) put("s", "k", "r" + std::to_string(i));
  std::string it = iterator("s", "shardId-000000000000");
  std::vector<std::string> seen;
  auto out = call("GetRecords", {{"ShardIterator", it}, {"Limit", 2}});
  EXPECT_GT(out["MillisBehindLatest"].as_int64(), -1);
  for (int round = 0; round < 5; ++round) {
    for (auto& d : data_of(out)) seen.push_back(d);
    out = call("GetRecords", {{"ShardIterator", out["NextShardIterator"]}, {"Limit", 2}});
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4"}));
  EXPECT_TRUE(out["Records"].as_array().empty());
  put("s", "k", "r5");
  EXPECT_EQ(data_of(call("GetRecords", {{"ShardIterator", out["NextShardIterator"]}})),
            std::vector<std::string>{"r5"});
}

TEST_F(KinesisTest, PartitionKeysAndExplicitHashKeysRouteToShards) {
  make_stream("s", 2);
  // md5("a") starts 0x0c: the lower half; an explicit key in the upper half.
  EXPECT_EQ(put("s", "a", "x")["ShardId"], "shardId-000000000000");
  auto upper = call("PutRecord", {{"StreamName", "s"},
                                  {"PartitionKey", "a"},
                                  {"Data", "y"},
                                  {"ExplicitHashKey", "170141183460469231731687303715884105728"}});
  EXPECT_EQ(upper["ShardId"], "shardId-000000000001");
  auto err =
      try_call("PutRecord", {{"StreamName", "s"},
                             {"PartitionKey", "a"},
                             {"Data", "y"},
                             {"ExplicitHashKey", "340282366920938463463374607431768211456"}});
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, "InvalidArgumentException");
  EXPECT_EQ(data_of(call("GetRecords", {{"ShardIterator", iterator("s", "shardId-000000000001")}})),
            std::vector<std::string>{"y"});
}

TEST_F(KinesisTest, PutRecordsAnswersPerRecordInOrder) {
  make_stream("s", 4);
  json::array records;
  for (int i = 0; i < 20; ++i) {
    records.push_back(
        json::object{{"PartitionKey", "k" + std::to_string(i)}, {"Data", "d" + std::to_string(i)}});
  }
  auto out = call("PutRecords", {{"StreamName", "s"}, {"Records", records}});
  EXPECT_EQ(out["FailedRecordCount"], 0);
  auto results = out["Records"].as_array();
  ASSERT_EQ(results.size(), 20u);
  std::map<std::string, std::vector<std::string>> by_shard;
  for (size_t i = 0; i < results.size(); ++i) {
    auto r = results[i].as_object();
    by_shard[s(r["ShardId"])].push_back(s(r["SequenceNumber"]));
  }
  EXPECT_GT(by_shard.size(), 1u);
  for (auto& [shard, seqs] : by_shard) {
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << shard;
    auto read = call("GetRecords", {{"ShardIterator", iterator("s", shard)}});
    EXPECT_EQ(read["Records"].as_array().size(), seqs.size());
  }
  json::array big;
  for (int i = 0; i < 6; ++i) {
    big.push_back(json::object{{"PartitionKey", "k"}, {"Data", std::string(1 << 20, 'x')}});
  }
  expect_error("PutRecords", {{"StreamName", "s"}, {"Records", big}}, "ValidationException");
  big.pop_back();
  for (auto& r : big) r.as_object()["Data"] = std::string((1 << 20) - 1, 'x');
  big.push_back(json::object{{"PartitionKey", "k"}, {"Data", std::string(100, 'x')}});
  expect_error("PutRecords", {{"StreamName", "s"}, {"Records", big}}, "InvalidArgumentException");
  expect_error("PutRecords", {{"StreamName", "nope"}, {"Records", records}},
               "ResourceNotFoundException");
}

TEST_F(KinesisTest, ShardLimitsFailRecordsBeyondOneThousandPerSecond) {
  make_stream("s");
  json::array records;
  for (int i = 0; i < 500; ++i)
    records.push_back(json::object{{"PartitionKey", "k"}, {"Data", "x"}});
  EXPECT_EQ(call("PutRecords", {{"StreamName", "s"}, {"Records", records}})["FailedRecordCount"],
            0);
  EXPECT_EQ(call("PutRecords", {{"StreamName", "s"}, {"Records", records}})["FailedRecordCount"],
            0);
  auto third = call("PutRecords", {{"StreamName", "s"}, {"Records", records}});
  EXPECT_EQ(third["FailedRecordCount"], 500);
  auto r = third["Records"].as_array()[0].as_object();
  EXPECT_EQ(r["ErrorCode"], "ProvisionedThroughputExceededException");
  EXPECT_EQ(r["ErrorMessage"],
            "Rate exceeded for shard shardId-000000000000 in stream s under account "
            "000000000000.");
  auto err = try_call("PutRecord", {{"StreamName", "s"}, {"PartitionKey", "k"}, {"Data", "x"}});
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, "ProvisionedThroughputExceededException");
  clock.advance(std::chrono::seconds(1));
  put("s", "k", "again");
}

TEST_F(KinesisTest, IteratorsExpireAfterFiveMinutes) {
  make_stream("s");
  std::string it = iterator("s", "shardId-000000000000");
  clock.advance(std::chrono::seconds(300));
  call("GetRecords", {{"ShardIterator", it}});
  clock.advance(std::chrono::seconds(1));
  auto err = try_call("GetRecords", {{"ShardIterator", it}});
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, "ExpiredIteratorException");
  EXPECT_EQ(err.error().message,
            "Iterator expired. The iterator was created at time Tue Nov 14 22:13:20 UTC 2023 "
            "while right now it is Tue Nov 14 22:18:21 UTC 2023 which is further in the future "
            "than the tolerated delay of 300000 milliseconds.");
}

TEST_F(KinesisTest, ForgedIteratorsAreRefusedAndNeverReadAnotherStream) {
  make_stream("mine");
  make_stream("theirs");
  put("theirs", "k", "secret");
  std::string it = iterator("mine", "shardId-000000000000");
  auto bytes = *base64_decode(it);
  // Point the token at the other stream (id 2) without the key.
  bytes[8] = 2;
  for (const std::string& forged :
       {base64_encode(bytes), std::string("AAAA"), it.substr(1), std::string(60, 'A')}) {
    auto err = try_call("GetRecords", {{"ShardIterator", forged}});
    ASSERT_FALSE(err);
    EXPECT_EQ(err.error().code, "InvalidArgumentException");
    EXPECT_EQ(err.error().message, "Invalid ShardIterator.");
  }
}

TEST_F(KinesisTest, GetShardIteratorChecksItsArguments) {
  make_stream("s");
  make_stream("other");
  std::string foreign = s(put("other", "k", "x")["SequenceNumber"]);
  expect_error(
      "GetShardIterator",
      {{"StreamName", "s"}, {"ShardId", "shardId-000000000001"}, {"ShardIteratorType", "LATEST"}},
      "ResourceNotFoundException");
  expect_error("GetShardIterator",
               {{"StreamName", "s"},
                {"ShardId", "shardId-000000000000"},
                {"ShardIteratorType", "AT_SEQUENCE_NUMBER"}},
               "InvalidArgumentException");
  expect_error("GetShardIterator",
               {{"StreamName", "s"},
                {"ShardId", "shardId-000000000000"},
                {"ShardIteratorType", "AT_SEQUENCE_NUMBER"},
                {"StartingSequenceNumber", foreign}},
               "InvalidArgumentException");
  expect_error("GetShardIterator",
               {{"StreamName", "s"},
                {"ShardId", "shardId-000000000000"},
                {"ShardIteratorType", "AT_TIMESTAMP"}},
               "InvalidArgumentException");
  expect_error("GetShardIterator",
               {{"StreamName", "s"},
                {"ShardId", "shardId-000000000000"},
                {"ShardIteratorType", "SOMEWHERE"}},
               "ValidationException");
}

TEST_F(KinesisTest, RecordsAndIteratorsSurviveARestart) {
  make_stream("s");
  put("s", "k", "before");
  std::string it = iterator("s", "shardId-000000000000");
  reopen();
  auto out = call("GetRecords", {{"ShardIterator", it}});
  EXPECT_EQ(data_of(out), std::vector<std::string>{"before"});
  put("s", "k", "after");
  EXPECT_EQ(data_of(call("GetRecords", {{"ShardIterator", out["NextShardIterator"]}})),
            std::vector<std::string>{"after"});
}

TEST_F(KinesisTest, DeletedStreamsIteratorsReadNothing) {
  make_stream("s");
  put("s", "k", "old");
  std::string it = iterator("s", "shardId-000000000000");
  call("DeleteStream", {{"StreamName", "s"}});
  make_stream("s");
  expect_error("GetRecords", {{"ShardIterator", it}}, "ResourceNotFoundException");
  EXPECT_TRUE(
      data_of(call("GetRecords", {{"ShardIterator", iterator("s", "shardId-000000000000")}}))
          .empty());
}

}  // namespace
}  // namespace nimbus::services::kinesis::testing
