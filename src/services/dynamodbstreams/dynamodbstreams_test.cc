// DynamoDB Streams through the dynamodbstreams API, with the dynamodb
// service writing the records: one per change, in order, each view type,
// none for failed conditions or no-op writes, TTL deletions, iterators,
// retention and restarts.
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodbstreams/dynamodbstreams_service.h"
#include "services/dynamodbstreams/iterator.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::dynamodbstreams {
namespace {

namespace json = boost::json;
using dynamodb::DynamoDbService;

json::object S(const std::string& v) {
  return {{"S", v}};
}
json::object N(const std::string& v) {
  return {{"N", v}};
}

class StreamsTest : public services::testing::ServiceFixture {
 protected:
  StreamsTest()
      : ServiceFixture({build<DynamoDbService>(), [this](Environment& env) {
                          auto& ddb = static_cast<DynamoDbService&>(*services.front());
                          return std::make_unique<DynamoDbStreamsService>(env, &ddb.streams());
                        }}) {}

  json::object ddb(const std::string& op, json::object in) { return call(op, std::move(in)); }
  json::object streams(const std::string& op, json::object in) {
    auto out = try_call(service("dynamodbstreams"), ctx(op), std::move(in));
    EXPECT_TRUE(out.is_ok()) << op << ": " << (out.is_ok() ? "" : out.error().message);
    return out.is_ok() ? out.value() : json::object{};
  }
  std::string streams_error(const std::string& op, json::object in) {
    auto out = try_call(service("dynamodbstreams"), ctx(op), std::move(in));
    return out.is_ok() ? "(ok)" : out.error().code + ": " + out.error().message;
  }
  // A table keyed by pk (S) with a stream of `view`; its stream ARN.
  std::string table(const std::string& name, const std::string& view) {
    auto out = ddb(
        "CreateTable",
        {{"TableName", name},
         {"AttributeDefinitions",
          json::array{json::object{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
         {"KeySchema", json::array{json::object{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
         {"BillingMode", "PAY_PER_REQUEST"},
         {"StreamSpecification", json::object{{"StreamEnabled", true}, {"StreamViewType", view}}}});
    return s(out["TableDescription"].at("LatestStreamArn"));
  }
  std::string shard(const std::string& arn) {
    auto d = streams("DescribeStream", {{"StreamArn", arn}});
    return s(d["StreamDescription"].at("Shards").at(0).at("ShardId"));
  }
  std::string iterator(const std::string& arn, const std::string& type = "TRIM_HORIZON",
                       const std::string& seq = "") {
    json::object in{{"StreamArn", arn}, {"ShardId", shard(arn)}, {"ShardIteratorType", type}};
    if (!seq.empty()) in["SequenceNumber"] = seq;
    return s(streams("GetShardIterator", std::move(in))["ShardIterator"]);
  }
  json::array records(const std::string& it) {
    return streams("GetRecords", {{"ShardIterator", it}})["Records"].as_array();
  }
  void put(const std::string& table, const std::string& pk, json::object rest = {}) {
    rest["pk"] = S(pk);
    ddb("PutItem", {{"TableName", table}, {"Item", std::move(rest)}});
  }
};

TEST_F(StreamsTest, OneRecordPerChangeInOrderWithAwsShape) {
  std::string arn = table("tab", "NEW_AND_OLD_IMAGES");
  put("tab", "a", {{"n", N("1")}});
  put("tab", "a", {{"n", N("2")}});
  put("tab", "a", {{"n", N("2")}});  // no change: no record
  ddb("DeleteItem", {{"TableName", "tab"}, {"Key", json::object{{"pk", S("a")}}}});
  ddb("DeleteItem", {{"TableName", "tab"}, {"Key", json::object{{"pk", S("a")}}}});  // absent
  auto failed = try_call("PutItem", {{"TableName", "tab"},
                                     {"Item", json::object{{"pk", S("b")}}},
                                     {"ConditionExpression", "attribute_exists(pk)"}});
  EXPECT_FALSE(failed.is_ok());
  auto recs = records(iterator(arn));
  ASSERT_EQ(recs.size(), 3u);
  std::vector<std::string> names;
  for (const auto& r : recs) names.push_back(s(r.at("eventName")));
  EXPECT_EQ(names, (std::vector<std::string>{"INSERT", "MODIFY", "REMOVE"}));
  const auto& first = recs[0].as_object();
  EXPECT_EQ(first.at("eventVersion"), json::value("1.1"));
  EXPECT_EQ(first.at("eventSource"), json::value("aws:dynamodb"));
  EXPECT_EQ(first.at("awsRegion"), json::value("us-east-1"));
  EXPECT_EQ(first.at("eventID").as_string().size(), 32u);
  const auto& d = first.at("dynamodb").as_object();
  EXPECT_EQ(d.at("Keys"), json::value(json::object{{"pk", S("a")}}));
  EXPECT_EQ(d.at("NewImage").at("n"), json::value(N("1")));
  EXPECT_FALSE(d.contains("OldImage"));
  EXPECT_EQ(d.at("StreamViewType"), json::value("NEW_AND_OLD_IMAGES"));
  EXPECT_GT(d.at("SizeBytes").as_int64(), 0);
  EXPECT_TRUE(d.at("ApproximateCreationDateTime").is_number());
  const auto& modify = recs[1].at("dynamodb").as_object();
  EXPECT_EQ(modify.at("OldImage").at("n"), json::value(N("1")));
  EXPECT_EQ(modify.at("NewImage").at("n"), json::value(N("2")));
  EXPECT_LT(s(recs[0].at("dynamodb").at("SequenceNumber")),
            s(recs[1].at("dynamodb").at("SequenceNumber")));
}

TEST_F(StreamsTest, ViewTypesShapeTheImages) {
  for (const char* view : {"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE"}) {
    std::string name = std::string("v_") + view;
    std::string arn = table(name, view);
    put(name, "k", {{"x", N("1")}});
    put(name, "k", {{"x", N("2")}});
    auto recs = records(iterator(arn));
    ASSERT_EQ(recs.size(), 2u) << view;
    const auto& d = recs[1].at("dynamodb").as_object();
    EXPECT_EQ(d.contains("NewImage"), std::string(view) == "NEW_IMAGE") << view;
    EXPECT_EQ(d.contains("OldImage"), std::string(view) == "OLD_IMAGE") << view;
    EXPECT_EQ(d.at("StreamViewType"), json::value(view));
    EXPECT_TRUE(d.contains("Keys"));
  }
}

TEST_F(StreamsTest, IteratorTypesAndPaging) {
  std::string arn = table("tab", "KEYS_ONLY");
  for (int i = 0; i < 5; ++i) put("tab", "k" + std::to_string(i));
  auto all = records(iterator(arn));
  ASSERT_EQ(all.size(), 5u);
  std::string third = s(all[2].at("dynamodb").at("SequenceNumber"));
  auto at = records(iterator(arn, "AT_SEQUENCE_NUMBER", third));
  ASSERT_EQ(at.size(), 3u);
  EXPECT_EQ(at[0].at("dynamodb").at("Keys"), all[2].at("dynamodb").at("Keys"));
  EXPECT_EQ(records(iterator(arn, "AFTER_SEQUENCE_NUMBER", third)).size(), 2u);
  std::string latest = iterator(arn, "LATEST");
  EXPECT_TRUE(records(latest).empty());
  put("tab", "new");
  auto page = streams("GetRecords", {{"ShardIterator", latest}});
  ASSERT_EQ(page["Records"].as_array().size(), 1u);
  // Limit pages, and the next iterator continues after the page.
  auto limited = streams("GetRecords", {{"ShardIterator", iterator(arn)}, {"Limit", 4}});
  EXPECT_EQ(limited["Records"].as_array().size(), 4u);
  EXPECT_EQ(records(s(limited["NextShardIterator"])).size(), 2u);
}

TEST_F(StreamsTest, ListDescribeAndErrors) {
  std::string arn = table("tab", "NEW_IMAGE");
  table("utab", "KEYS_ONLY");
  auto list = streams("ListStreams", {});
  EXPECT_EQ(list["Streams"].as_array().size(), 2u);
  auto only = streams("ListStreams", {{"TableName", "tab"}});
  ASSERT_EQ(only["Streams"].as_array().size(), 1u);
  EXPECT_EQ(only["Streams"].as_array()[0].at("StreamArn"), json::value(arn));
  auto paged = streams("ListStreams", {{"Limit", 1}});
  EXPECT_EQ(paged["Streams"].as_array().size(), 1u);
  EXPECT_TRUE(paged.contains("LastEvaluatedStreamArn"));
  auto d = streams("DescribeStream", {{"StreamArn", arn}})["StreamDescription"].as_object();
  EXPECT_EQ(d["StreamStatus"], json::value("ENABLED"));
  EXPECT_EQ(d["TableName"], json::value("tab"));
  EXPECT_EQ(d["StreamViewType"], json::value("NEW_IMAGE"));
  EXPECT_FALSE(
      d["Shards"].at(0).at("SequenceNumberRange").as_object().contains("EndingSequenceNumber"));

  std::string missing = arn + "x";
  EXPECT_EQ(
      streams_error("DescribeStream", {{"StreamArn", missing}}),
      "ResourceNotFoundException: Requested resource not found: Stream: " + missing + " not found");
  EXPECT_EQ(streams_error("GetRecords", {{"ShardIterator", "garbage!"}}),
            "ValidationException: Invalid ShardIterator");
  EXPECT_EQ(streams_error(
                "GetShardIterator",
                {{"StreamArn", arn}, {"ShardId", "shardId-nope"}, {"ShardIteratorType", "LATEST"}}),
            "ResourceNotFoundException: Requested resource not found: Shard does not exist");
  EXPECT_EQ(streams_error("GetShardIterator", {{"StreamArn", arn},
                                               {"ShardId", shard(arn)},
                                               {"ShardIteratorType", "AT_SEQUENCE_NUMBER"}}),
            "ValidationException: Must provide SequenceNumber for iterator type "
            "AT_SEQUENCE_NUMBER");
  // Iterators expire after 15 minutes.
  std::string it = iterator(arn);
  clock.advance(std::chrono::minutes(16));
  EXPECT_EQ(streams_error("GetRecords", {{"ShardIterator", it}}),
            "ExpiredIteratorException: Iterator expired. The iterator was created more than 15 "
            "minutes ago.");
}

TEST_F(StreamsTest, DisablingClosesTheShard) {
  std::string arn = table("tab", "KEYS_ONLY");
  put("tab", "a");
  std::string it = iterator(arn);
  ddb("UpdateTable",
      {{"TableName", "tab"}, {"StreamSpecification", json::object{{"StreamEnabled", false}}}});
  put("tab", "b");  // not recorded
  auto d = streams("DescribeStream", {{"StreamArn", arn}})["StreamDescription"].as_object();
  EXPECT_EQ(d["StreamStatus"], json::value("DISABLED"));
  EXPECT_EQ(d["StreamViewType"], json::value("KEYS_ONLY"));
  EXPECT_TRUE(
      d["Shards"].at(0).at("SequenceNumberRange").as_object().contains("EndingSequenceNumber"));
  auto out = streams("GetRecords", {{"ShardIterator", it}});
  EXPECT_EQ(out["Records"].as_array().size(), 1u);
  EXPECT_FALSE(out.contains("NextShardIterator"));  // the end of a closed shard
}

TEST_F(StreamsTest, TransactionsTtlAndRestart) {
  std::string arn = table("tab", "OLD_IMAGE");
  std::string arn2 = table("tab2", "KEYS_ONLY");
  call(
      "TransactWriteItems",
      {{"TransactItems",
        json::array{json::object{{"Put", json::object{{"TableName", "tab"},
                                                      {"Item", json::object{{"pk", S("x")}}}}}},
                    json::object{{"Put", json::object{{"TableName", "tab2"},
                                                      {"Item", json::object{{"pk", S("y")}}}}}}}}});
  EXPECT_EQ(records(iterator(arn)).size(), 1u);
  EXPECT_EQ(records(iterator(arn2)).size(), 1u);

  ddb("UpdateTimeToLive",
      {{"TableName", "tab"},
       {"TimeToLiveSpecification", json::object{{"Enabled", true}, {"AttributeName", "exp"}}}});
  int64_t now_s = clock.now_millis() / 1000;
  put("tab", "old", {{"exp", N(std::to_string(now_s - 10))}});
  ASSERT_TRUE(advance_until([&] { return records(iterator(arn)).size() == 3u; },
                            DynamoDbService::kTtlSweepEvery));
  auto recs = records(iterator(arn));
  const auto& removed = recs[2].as_object();
  EXPECT_EQ(removed.at("eventName"), json::value("REMOVE"));
  EXPECT_EQ(
      removed.at("userIdentity"),
      json::value(json::object{{"type", "Service"}, {"principalId", "dynamodb.amazonaws.com"}}));
  EXPECT_EQ(removed.at("dynamodb").at("OldImage").at("pk"), json::value(S("old")));
  EXPECT_FALSE(recs[0].as_object().contains("userIdentity"));

  reopen();
  EXPECT_EQ(records(iterator(arn)).size(), 3u);
  put("tab", "after");
  auto again = records(iterator(arn));
  ASSERT_EQ(again.size(), 4u);
  EXPECT_LT(s(again[2].at("dynamodb").at("SequenceNumber")),
            s(again[3].at("dynamodb").at("SequenceNumber")));
  // 24 hours later the records are gone.
  clock.advance(std::chrono::hours(24));
  ASSERT_TRUE(advance_until([&] { return records(iterator(arn)).empty(); },
                            DynamoDbService::kTtlSweepEvery));
}

TEST_F(StreamsTest, OldStreamsStayListedAndReadableForADay) {
  std::string first = table("tab", "KEYS_ONLY");
  put("tab", "a");
  ddb("UpdateTable",
      {{"TableName", "tab"}, {"StreamSpecification", json::object{{"StreamEnabled", false}}}});
  // Labels are creation times; one taken already moves a millisecond on.
  auto updated = ddb("UpdateTable",
                     {{"TableName", "tab"},
                      {"StreamSpecification",
                       json::object{{"StreamEnabled", true}, {"StreamViewType", "NEW_IMAGE"}}}});
  std::string second = s(updated["TableDescription"].at("LatestStreamArn"));
  ASSERT_NE(first, second);
  put("tab", "b");
  auto listed = [this](const std::string& table) {
    json::object in;
    if (!table.empty()) in["TableName"] = table;
    std::vector<std::string> arns;
    auto out = streams("ListStreams", in);
    for (const auto& st : out["Streams"].as_array()) {
      arns.push_back(s(st.at("StreamArn")));
    }
    return arns;
  };
  auto status = [this](const std::string& arn) {
    return s(
        streams("DescribeStream", {{"StreamArn", arn}})["StreamDescription"].at("StreamStatus"));
  };
  EXPECT_EQ(listed("tab"), (std::vector<std::string>{first, second}));
  EXPECT_EQ(status(first), "DISABLED");
  EXPECT_EQ(status(second), "ENABLED");
  EXPECT_EQ(records(iterator(first)).size(), 1u);
  EXPECT_EQ(records(iterator(second)).size(), 1u);

  // A deleted table's stream stays too, DISABLED, also across a restart.
  ddb("DeleteTable", {{"TableName", "tab"}});
  reopen();
  EXPECT_EQ(listed(""), (std::vector<std::string>{first, second}));
  EXPECT_EQ(status(second), "DISABLED");
  auto shard = streams("DescribeStream", {{"StreamArn", second}})["StreamDescription"].at("Shards");
  EXPECT_TRUE(shard.at(0).at("SequenceNumberRange").as_object().contains("EndingSequenceNumber"));
  auto recs = records(iterator(second));
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("dynamodb").at("Keys").at("pk"), json::value(S("b")));
  // A new table of that name has its own stream beside them.
  std::string third = table("tab", "KEYS_ONLY");
  EXPECT_EQ(listed("tab").size(), 3u);
  EXPECT_TRUE(records(iterator(third)).empty());

  // A day later only the new table's stream is left.
  clock.advance(std::chrono::hours(24));
  ASSERT_TRUE(
      advance_until([&] { return listed("").size() == 1u; }, DynamoDbService::kTtlSweepEvery));
  EXPECT_EQ(listed(""), (std::vector<std::string>{third}));
  EXPECT_EQ(
      streams_error("DescribeStream", {{"StreamArn", second}}),
      "ResourceNotFoundException: Requested resource not found: Stream: " + second + " not found");
}

TEST_F(StreamsTest, ShardsRollOverEveryFourHours) {
  std::string arn = table("tab", "KEYS_ONLY");
  put("tab", "a");
  std::string first = shard(arn);
  clock.advance(std::chrono::hours(4));  // the first shard's end
  put("tab", "b");
  put("tab", "a", {{"n", N("2")}});
  auto describe = [this, &arn](json::object in = {}) {
    in["StreamArn"] = arn;
    return streams("DescribeStream", std::move(in))["StreamDescription"].as_object();
  };
  auto d = describe();
  const auto& shards = d["Shards"].as_array();
  ASSERT_EQ(shards.size(), 2u);
  EXPECT_EQ(s(shards[0].at("ShardId")), first);
  EXPECT_FALSE(shards[0].as_object().contains("ParentShardId"));
  std::string second = s(shards[1].at("ShardId"));
  EXPECT_NE(second, first);
  EXPECT_EQ(s(shards[1].at("ParentShardId")), first);
  const auto& r0 = shards[0].at("SequenceNumberRange").as_object();
  const auto& r1 = shards[1].at("SequenceNumberRange").as_object();
  EXPECT_EQ(r0.at("StartingSequenceNumber"), r0.at("EndingSequenceNumber"));  // one record
  EXPECT_FALSE(r1.contains("EndingSequenceNumber"));
  EXPECT_LT(s(r0.at("EndingSequenceNumber")), s(r1.at("StartingSequenceNumber")));
  // Paging by ExclusiveStartShardId.
  auto page = describe({{"Limit", 1}});
  ASSERT_EQ(page["Shards"].as_array().size(), 1u);
  EXPECT_EQ(s(page["LastEvaluatedShardId"]), first);
  page = describe({{"Limit", 1}, {"ExclusiveStartShardId", first}});
  ASSERT_EQ(page["Shards"].as_array().size(), 1u);
  EXPECT_EQ(s(page["Shards"].at(0).at("ShardId")), second);
  EXPECT_FALSE(page.contains("LastEvaluatedShardId"));

  // The parent reads to its end, without a next iterator; the child on.
  auto out = streams("GetRecords", {{"ShardIterator", iterator(arn)}});
  ASSERT_EQ(out["Records"].as_array().size(), 1u);
  EXPECT_FALSE(out.contains("NextShardIterator"));
  auto child = [&](const std::string& type, const std::string& seq = "") {
    json::object in{{"StreamArn", arn}, {"ShardId", second}, {"ShardIteratorType", type}};
    if (!seq.empty()) in["SequenceNumber"] = seq;
    return in;
  };
  std::string it1 = s(streams("GetShardIterator", child("TRIM_HORIZON"))["ShardIterator"]);
  out = streams("GetRecords", {{"ShardIterator", it1}});
  auto recs = out["Records"].as_array();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].at("dynamodb").at("Keys").at("pk"), json::value(S("b")));
  EXPECT_EQ(recs[1].at("eventName"), json::value("MODIFY"));
  EXPECT_TRUE(out.contains("NextShardIterator"));
  // A sequence number of the parent is not one of the child's.
  EXPECT_EQ(streams_error("GetShardIterator",
                          child("AT_SEQUENCE_NUMBER", s(r0.at("StartingSequenceNumber")))),
            "ValidationException: Invalid StartingSequenceNumber. The sequence number " +
                s(r0.at("StartingSequenceNumber")) + " is before the first record of shard " +
                second);
  EXPECT_EQ(streams_error("GetShardIterator", {{"StreamArn", arn},
                                               {"ShardId", "shardId-00000000000000000001-00000000"},
                                               {"ShardIteratorType", "LATEST"}}),
            "ResourceNotFoundException: Requested resource not found: Shard does not exist");

  // In-process (the event source mappings' view): the parent ends naming
  // its child, an empty shard in between ends at once.
  auto& source = static_cast<DynamoDbService&>(*services.front()).streams();
  auto batch = source.read(arn, first, "0", 100, 1 << 20);
  ASSERT_TRUE(batch.is_ok());
  EXPECT_TRUE(batch->ended);
  EXPECT_EQ(batch->children, std::vector<std::string>{second});
  clock.advance(std::chrono::hours(8));  // the second shard and an empty third close
  put("tab", "c");
  auto infos = source.shards(arn);
  ASSERT_TRUE(infos);
  ASSERT_EQ(infos->size(), 4u);
  EXPECT_FALSE((*infos)[2].open);
  EXPECT_EQ((*infos)[2].parent_shard_id, second);
  batch = source.read(arn, (*infos)[2].shard_id, "0", 100, 1 << 20);
  ASSERT_TRUE(batch.is_ok());
  EXPECT_TRUE(batch->records.empty());
  EXPECT_TRUE(batch->ended);
  EXPECT_EQ(batch->children, std::vector<std::string>{(*infos)[3].shard_id});
  EXPECT_TRUE((*infos)[3].open);

  // Disabling closes the open shard, with no child; a day after a shard
  // closed it is gone.
  ddb("UpdateTable",
      {{"TableName", "tab"}, {"StreamSpecification", json::object{{"StreamEnabled", false}}}});
  d = describe();
  ASSERT_EQ(d["Shards"].as_array().size(), 4u);
  EXPECT_TRUE(
      d["Shards"].at(3).at("SequenceNumberRange").as_object().contains("EndingSequenceNumber"));
  batch = source.read(arn, (*infos)[3].shard_id, "0", 100, 1 << 20);
  ASSERT_TRUE(batch.is_ok());
  EXPECT_EQ(batch->records.size(), 1u);
  EXPECT_TRUE(batch->ended);
  EXPECT_TRUE(batch->children.empty());
  clock.advance(std::chrono::hours(24));
  d = describe();
  ASSERT_EQ(d["Shards"].as_array().size(), 1u);
  EXPECT_EQ(s(d["Shards"].at(0).at("ShardId")), (*infos)[3].shard_id);
}

TEST_F(StreamsTest, ShardPeriodIsAServiceOption) {
  settings.service_options["dynamodb.stream-shard-period"] = "60";
  reopen();
  std::string arn = table("tab", "KEYS_ONLY");
  put("tab", "a");
  clock.advance(std::chrono::seconds(61));
  put("tab", "b");
  auto d = streams("DescribeStream", {{"StreamArn", arn}})["StreamDescription"].as_object();
  EXPECT_EQ(d["Shards"].as_array().size(), 2u);
}

TEST(StreamIterators, ForgedTokensDoNotDecode) {
  Iterator it{"arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x", "shardId-1", "000", 5};
  auto back = decode_iterator(encode_iterator(it));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->stream_arn, it.stream_arn);
  EXPECT_EQ(back->issued_ms, 5);
  EXPECT_FALSE(decode_iterator(""));
  EXPECT_FALSE(decode_iterator("AAAA"));
  EXPECT_FALSE(decode_iterator(encode_iterator(it) + "!"));
}

}  // namespace
}  // namespace nimbus::services::dynamodbstreams
